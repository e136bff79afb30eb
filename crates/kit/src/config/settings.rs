//! Configuration values as text with their origin, and the typed readers every section (the
//! platform's and each service's) parses them with, so a bad value always names its key and
//! where it came from.
use std::collections::BTreeMap;
use std::ops::RangeInclusive;
use std::time::Duration;

/// One configuration key: its dotted name in `vici.toml`, its environment variable, its default,
/// and whether `vici config` must hide its value.
#[derive(Debug)]
pub struct Key {
    pub name: &'static str,
    pub env: &'static str,
    pub default: Option<&'static str>,
    pub secret: bool,
}

/// A plain key.
pub const fn key(name: &'static str, env: &'static str, default: Option<&'static str>) -> Key {
    Key {
        name,
        env,
        default,
        secret: false,
    }
}

/// A key whose value `vici config` masks (passwords in URLs, API keys, keyrings).
pub const fn secret(name: &'static str, env: &'static str) -> Key {
    Key {
        name,
        env,
        default: None,
        secret: true,
    }
}

/// A part of the configuration with its own keys (a service's section, e.g. `payment.*`),
/// parsed from the effective [`Settings`].
pub trait Section: Sized {
    const KEYS: &'static [Key];
    fn parse(settings: &Settings) -> Result<Self, ConfigError>;
}

#[derive(Debug, thiserror::Error)]
#[error("configuration key `{key}` (from {source_name}): {problem}")]
pub struct ConfigError {
    pub key: String,
    pub source_name: String,
    pub problem: String,
}

/// Every effective value, as text, with where it came from (`default`, a file, `env VICI_…`).
#[derive(Clone, Debug, Default)]
pub struct Settings {
    pub(super) values: BTreeMap<String, (String, String)>,
}

impl Settings {
    /// The effective text of `name`, if any source set it.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(|(v, _)| v.as_str())
    }

    /// The value of `name` trimmed, `None` when unset or blank.
    pub fn text(&self, name: &str) -> Option<String> {
        self.get(name)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    }

    /// An error about `name`'s value, naming where that value came from.
    pub fn error(&self, name: &str, problem: impl Into<String>) -> ConfigError {
        ConfigError {
            key: name.into(),
            source_name: self
                .values
                .get(name)
                .map(|(_, s)| s.clone())
                .unwrap_or_default(),
            problem: problem.into(),
        }
    }

    /// A whole number within `range`.
    pub fn number(&self, name: &str, range: RangeInclusive<u64>) -> Result<u64, ConfigError> {
        let raw = self.get(name).unwrap_or_default();
        let n: u64 = raw
            .trim()
            .parse()
            .map_err(|_| self.error(name, format!("`{raw}` is not a whole number")))?;
        if !range.contains(&n) {
            let (min, max) = range.into_inner();
            return Err(self.error(name, format!("{n} is outside {min}..={max}")));
        }
        Ok(n)
    }

    /// Seconds within `range`, as a duration.
    pub fn secs(&self, name: &str, range: RangeInclusive<u64>) -> Result<Duration, ConfigError> {
        self.number(name, range).map(Duration::from_secs)
    }

    /// Milliseconds within `range`, as a duration.
    pub fn millis(&self, name: &str, range: RangeInclusive<u64>) -> Result<Duration, ConfigError> {
        self.number(name, range).map(Duration::from_millis)
    }

    /// The value of `options` that `name` names.
    pub fn choice<T: Copy>(&self, name: &str, options: &[(&str, T)]) -> Result<T, ConfigError> {
        let given = self.text(name).unwrap_or_default();
        match options.iter().find(|(option, _)| *option == given) {
            Some((_, value)) => Ok(*value),
            None => {
                let names: Vec<&str> = options.iter().map(|(option, _)| *option).collect();
                let problem = format!("`{given}` is not one of {}", names.join(", "));
                Err(self.error(name, problem))
            }
        }
    }

    /// `true`/`1`/`yes`/`on` or `false`/`0`/`no`/`off` (unset is false).
    pub fn flag(&self, name: &str) -> Result<bool, ConfigError> {
        match self.get(name).unwrap_or_default().trim() {
            "true" | "1" | "yes" | "on" => Ok(true),
            "false" | "0" | "no" | "off" | "" => Ok(false),
            other => Err(self.error(name, format!("`{other}` is not true or false"))),
        }
    }

    /// A URL with one of `schemes` (`dir` also admits a bare directory path), or unset.
    pub fn url(&self, name: &str, schemes: &[&str]) -> Result<Option<String>, ConfigError> {
        let Some(v) = self.get(name) else {
            return Ok(None);
        };
        let scheme_ok = schemes.iter().any(|s| v.starts_with(&format!("{s}://")));
        let plain_dir = schemes.contains(&"dir") && !v.contains("://");
        if !scheme_ok && !plain_dir {
            return Err(self.error(
                name,
                format!(
                    "`{}` must start with one of {}",
                    mask_url(v),
                    schemes.join("://, ") + "://"
                ),
            ));
        }
        Ok(Some(v.to_string()))
    }
}

/// A secret as `vici config` shows it: a URL keeps everything but its credentials, anything
/// else (a key, a keyring) is hidden whole.
pub(super) fn mask_secret(value: &str) -> String {
    if value.contains("://") {
        mask_url(value)
    } else {
        "****".into()
    }
}

/// Hides the password of a URL (`postgres://u:secret@h` → `postgres://u:****@h`) and any
/// `secret`/`key`/`password`/`token` query value.
pub fn mask_url(url: &str) -> String {
    let mut out = url.to_string();
    if let Some(scheme_end) = out.find("://") {
        let rest_start = scheme_end + 3;
        if let Some(at) = out[rest_start..].find('@').map(|i| i + rest_start)
            && let Some(colon) = out[rest_start..at].find(':').map(|i| i + rest_start)
        {
            out.replace_range(colon + 1..at, "****");
        }
    }
    if let Some(q) = out.find('?') {
        let (base, query) = out.split_at(q + 1);
        let masked: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((k, _))
                    if ["secret", "key", "password", "token"]
                        .iter()
                        .any(|s| k.to_lowercase().contains(s)) =>
                {
                    format!("{k}=****")
                }
                _ => pair.to_string(),
            })
            .collect();
        out = format!("{base}{}", masked.join("&"));
    }
    out
}
