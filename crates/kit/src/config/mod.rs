//! Layered configuration: built-in defaults < `vici.toml` < `VICI_*` environment variables.
//! The platform's keys are declared here; each service declares its own section's keys beside
//! its code ([`Section`]) and the binary passes them in, so every key is declared once and a bad
//! value stops start-up naming its key and source.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::ServiceName;

mod settings;

pub use settings::{ConfigError, Key, Section, Settings, key, mask_url, secret};

/// The platform's own keys: where things are, which engines, logging.
pub const PLATFORM_KEYS: &[Key] = &[
    key("data_dir", "VICI_DATA_DIR", Some("./data")),
    key("port_base", "VICI_PORT_BASE", Some("3000")),
    key("bind", "VICI_BIND", Some("127.0.0.1")),
    key("public_url", "VICI_PUBLIC_URL", None),
    secret("database_url", "VICI_DATABASE_URL"),
    secret("cache_url", "VICI_CACHE_URL"),
    secret("bus_url", "VICI_BUS_URL"),
    secret("blob_url", "VICI_BLOB_URL"),
    secret("service_keys", "VICI_SERVICE_KEYS"),
    key("log_format", "VICI_LOG_FORMAT", Some("text")),
    key("log_level", "VICI_LOG", Some("info")),
    key("bus.partitions", "VICI_BUS_PARTITIONS", Some("3")),
    key(
        "server.max_connections",
        "VICI_MAX_CONNECTIONS",
        Some("10000"),
    ),
    key(
        "server.max_connections_per_address",
        "VICI_MAX_CONNECTIONS_PER_ADDRESS",
        Some("512"),
    ),
    key(
        "server.header_timeout_ms",
        "VICI_HEADER_TIMEOUT_MS",
        Some("10000"),
    ),
    // Unset: every port serves `/metrics`. Set (`0.0.0.0:9100`): only this address does, so
    // the public port does not show the shop's internals.
    key("server.metrics_address", "VICI_METRICS_ADDRESS", None),
    // Named for the gateway, whose requests it bounds first; it bounds every call between
    // services too.
    key(
        "gateway.timeout_ms",
        "VICI_GATEWAY_TIMEOUT_MS",
        Some("5000"),
    ),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub data_dir: PathBuf,
    pub port_base: u16,
    pub bind: String,
    pub public_url: String,
    pub database_url: Option<String>,
    pub cache_url: Option<String>,
    pub bus_url: Option<String>,
    pub blob_url: Option<String>,
    pub log_format: LogFormat,
    pub log_level: String,
    pub bus_partitions: i32,
    /// The bound on each call to a service (a REST request's gRPC calls, and service to service).
    pub call_timeout: Duration,
    /// The keys that sign the credentials of calls between services (comma-separated; the
    /// first signs, all verify). Empty: the process makes one of its own (`service_auth`).
    pub service_keys: Vec<String>,
    /// How many connections each port holds and how long a client may take.
    pub connection_limits: crate::connections::Limits,
    /// Where the process serves `/metrics` alone, instead of on every port.
    pub metrics_address: Option<std::net::SocketAddr>,
    service_urls: BTreeMap<ServiceName, String>,
    /// Every effective value with its origin; the services' sections parse theirs from here.
    pub settings: Settings,
    secrets: Vec<&'static str>,
}

/// `service_keys` as a list, each long enough to resist guessing.
fn service_keys(s: &Settings) -> Result<Vec<String>, ConfigError> {
    let listed = s.text("service_keys").unwrap_or_default();
    let keys: Vec<String> = listed
        .split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(str::to_string)
        .collect();
    let min = crate::service_auth::MIN_KEY_CHARS;
    if keys.iter().any(|k| k.chars().count() < min) {
        return Err(s.error(
            "service_keys",
            format!("each key must have at least {min} characters"),
        ));
    }
    Ok(keys)
}

fn metrics_address(s: &Settings) -> Result<Option<std::net::SocketAddr>, ConfigError> {
    let Some(text) = s.text("server.metrics_address") else {
        return Ok(None);
    };
    text.parse().map(Some).map_err(|_| {
        let example = "an IP address and a port, such as 0.0.0.0:9100";
        s.error(
            "server.metrics_address",
            format!("`{text}` is not {example}"),
        )
    })
}

fn service_url_env(s: ServiceName) -> String {
    format!("VICI_{}_URL", s.as_str().to_uppercase())
}

impl Config {
    /// Loads `vici.toml` (from `file`, or the working directory when present) and the process
    /// environment; `sections` are the keys of the services' sections.
    pub fn load(file: Option<&Path>, sections: &[&'static [Key]]) -> Result<Self, ConfigError> {
        let env: BTreeMap<String, String> = std::env::vars().collect();
        let default_file = Path::new("vici.toml");
        let file = file.or(default_file.exists().then_some(default_file));
        let toml = match file {
            Some(path) => Some((
                path.display().to_string(),
                std::fs::read_to_string(path).map_err(|e| ConfigError {
                    key: "config file".into(),
                    source_name: path.display().to_string(),
                    problem: e.to_string(),
                })?,
            )),
            None => None,
        };
        let toml = toml.as_ref().map(|(p, t)| (p.as_str(), t.as_str()));
        Self::from_sources(toml, &env, sections)
    }

    /// Builds the configuration from an optional TOML text and an environment map.
    pub fn from_sources(
        toml_file: Option<(&str, &str)>,
        env: &BTreeMap<String, String>,
        sections: &[&'static [Key]],
    ) -> Result<Self, ConfigError> {
        let keys: Vec<&Key> = PLATFORM_KEYS
            .iter()
            .chain(sections.iter().flat_map(|s| s.iter()))
            .collect();
        let mut values: BTreeMap<String, (String, String)> = BTreeMap::new();
        for k in &keys {
            if let Some(d) = k.default {
                values.insert(k.name.into(), (d.into(), "default".into()));
            }
        }
        if let Some((path, text)) = toml_file {
            let table: toml::Table = text.parse().map_err(|e: toml::de::Error| ConfigError {
                key: "vici.toml".into(),
                source_name: path.into(),
                problem: e.message().to_string(),
            })?;
            let mut flat = Vec::new();
            flatten("", &toml::Value::Table(table), &mut flat);
            for (name, value) in flat {
                let known = keys.iter().any(|k| k.name == name)
                    || name
                        .strip_prefix("services.")
                        .is_some_and(|s| s.parse::<ServiceName>().is_ok());
                if !known {
                    return Err(ConfigError {
                        key: name,
                        source_name: path.into(),
                        problem: "unknown key".into(),
                    });
                }
                values.insert(name, (value, path.into()));
            }
        }
        for k in &keys {
            if let Some(v) = env.get(k.env).filter(|v| !v.is_empty()) {
                values.insert(k.name.into(), (v.clone(), format!("env {}", k.env)));
            }
        }
        for s in ServiceName::ALL {
            if let Some(v) = env.get(&service_url_env(s)).filter(|v| !v.is_empty()) {
                values.insert(
                    format!("services.{s}"),
                    (v.clone(), format!("env {}", service_url_env(s))),
                );
            }
        }
        let secrets = keys.iter().filter(|k| k.secret).map(|k| k.name).collect();
        Self::build(Settings { values }, secrets)
    }

    fn build(settings: Settings, secrets: Vec<&'static str>) -> Result<Self, ConfigError> {
        let s = &settings;
        let port_base = s.number("port_base", 1..=65535 - 10)? as u16;
        let log_format = match s.get("log_format") {
            Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            other => {
                let shown = other.unwrap_or("");
                return Err(s.error("log_format", format!("`{shown}` is not `text` or `json`")));
            }
        };
        let bind = s.get("bind").unwrap_or_default().to_string();
        if bind.parse::<std::net::IpAddr>().is_err() {
            return Err(s.error("bind", format!("`{bind}` is not an IP address")));
        }
        let mut service_urls = BTreeMap::new();
        for service in ServiceName::ALL {
            let name = format!("services.{service}");
            if let Some(url) = s.get(&name) {
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    return Err(
                        s.error(&name, format!("`{url}` must be an http:// or https:// URL"))
                    );
                }
                service_urls.insert(service, url.trim_end_matches('/').to_string());
            }
        }
        Ok(Self {
            data_dir: PathBuf::from(s.get("data_dir").unwrap_or_default()),
            port_base,
            public_url: s
                .text("public_url")
                .unwrap_or_else(|| format!("http://localhost:{port_base}")),
            bind,
            database_url: s.url("database_url", &["postgres", "postgresql", "sqlite"])?,
            cache_url: s.url("cache_url", &["redis", "memory"])?,
            bus_url: s.url("bus_url", &["kafka", "memory"])?,
            blob_url: s.url("blob_url", &["s3", "file", "dir"])?,
            log_format,
            log_level: s.get("log_level").unwrap_or_default().to_string(),
            bus_partitions: s.number("bus.partitions", 1..=1024)? as i32,
            call_timeout: s.millis("gateway.timeout_ms", 50..=600_000)?,
            service_keys: service_keys(s)?,
            connection_limits: crate::connections::Limits {
                max_connections: s.number("server.max_connections", 1..=1_000_000)? as usize,
                max_per_address: s.number("server.max_connections_per_address", 0..=1_000_000)?
                    as usize,
                header_timeout: s.millis("server.header_timeout_ms", 100..=600_000)?,
            },
            metrics_address: metrics_address(s)?,
            service_urls,
            settings,
            secrets,
        })
    }

    /// A service's section, parsed from the effective settings.
    pub fn section<T: Section>(&self) -> Result<T, ConfigError> {
        T::parse(&self.settings)
    }

    pub fn port_of(&self, s: ServiceName) -> u16 {
        self.port_base + s.port_offset()
    }

    /// Where the other services reach `s`: `VICI_<SERVICE>_URL`, else loopback on its port.
    pub fn service_url(&self, s: ServiceName) -> String {
        self.service_urls
            .get(&s)
            .cloned()
            .unwrap_or_else(|| format!("http://127.0.0.1:{}", self.port_of(s)))
    }

    /// The SQL URL of one service: `{service}` in `VICI_DATABASE_URL` becomes its name; unset
    /// means a SQLite file per service under the data directory.
    pub fn database_url_for(&self, s: ServiceName) -> String {
        match &self.database_url {
            Some(url) => url.replace("{service}", s.as_str()),
            None => format!("sqlite://{}/{}.db", self.data_dir.display(), s.as_str()),
        }
    }

    /// `(key, value with secrets masked, source)` for every effective setting.
    pub fn describe(&self) -> Vec<(String, String, String)> {
        self.settings
            .values
            .iter()
            .map(|(k, (v, src))| {
                let shown = if self.secrets.contains(&k.as_str()) {
                    settings::mask_secret(v)
                } else {
                    v.clone()
                };
                (k.clone(), shown, src.clone())
            })
            .collect()
    }
}

fn flatten(prefix: &str, v: &toml::Value, out: &mut Vec<(String, String)>) {
    match v {
        toml::Value::Table(t) => {
            for (k, v) in t {
                let name = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&name, v, out);
            }
        }
        toml::Value::String(s) => out.push((prefix.into(), s.clone())),
        toml::Value::Array(items) => out.push((
            prefix.into(),
            items
                .iter()
                .map(|i| {
                    i.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| i.to_string())
                })
                .collect::<Vec<_>>()
                .join(","),
        )),
        other => out.push((prefix.into(), other.to_string())),
    }
}

#[cfg(test)]
mod tests;
