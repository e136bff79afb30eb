//! Layered configuration: built-in defaults < `vici.toml` < `VICI_*` environment variables.
//! Every key is declared once in [`KEYS`]; a bad value stops start-up naming its key and source.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::ServiceName;
use crate::limits::RateLimits;

/// One configuration key: its dotted name in `vici.toml`, its environment variable, its default.
struct Key {
    name: &'static str,
    env: &'static str,
    default: Option<&'static str>,
    secret: bool,
}

const fn key(name: &'static str, env: &'static str, default: Option<&'static str>) -> Key {
    Key {
        name,
        env,
        default,
        secret: false,
    }
}

const KEYS: &[Key] = &[
    key("data_dir", "VICI_DATA_DIR", Some("./data")),
    key("port_base", "VICI_PORT_BASE", Some("3000")),
    key("bind", "VICI_BIND", Some("127.0.0.1")),
    key("public_url", "VICI_PUBLIC_URL", None),
    Key {
        name: "database_url",
        env: "VICI_DATABASE_URL",
        default: None,
        secret: true,
    },
    Key {
        name: "cache_url",
        env: "VICI_CACHE_URL",
        default: None,
        secret: true,
    },
    Key {
        name: "bus_url",
        env: "VICI_BUS_URL",
        default: None,
        secret: true,
    },
    Key {
        name: "blob_url",
        env: "VICI_BLOB_URL",
        default: None,
        secret: true,
    },
    key("log_format", "VICI_LOG_FORMAT", Some("text")),
    key("log_level", "VICI_LOG", Some("info")),
    key("bus.partitions", "VICI_BUS_PARTITIONS", Some("3")),
    key("gateway.cors_origins", "VICI_CORS_ORIGINS", Some("*")),
    key(
        "gateway.timeout_ms",
        "VICI_GATEWAY_TIMEOUT_MS",
        Some("5000"),
    ),
    key(
        "gateway.body_limit_bytes",
        "VICI_BODY_LIMIT_BYTES",
        Some("1048576"),
    ),
    key(
        "gateway.cache_ttl_ms",
        "VICI_GATEWAY_CACHE_TTL_MS",
        Some("1000"),
    ),
    key("gateway.rate_limits", "VICI_RATE_LIMITS", Some("on")),
    key(
        "gateway.trust_forwarded_for",
        "VICI_TRUST_FORWARDED_FOR",
        Some("false"),
    ),
    Key {
        name: "auth.signing_keys",
        env: "VICI_AUTH_SIGNING_KEYS",
        default: None,
        secret: true,
    },
    key(
        "auth.key_rotation_days",
        "VICI_AUTH_KEY_ROTATION_DAYS",
        Some("30"),
    ),
    key(
        "inventory.reservation_ttl_secs",
        "VICI_RESERVATION_TTL_SECS",
        Some("900"),
    ),
    key(
        "inventory.sweep_interval_secs",
        "VICI_INVENTORY_SWEEP_SECS",
        Some("15"),
    ),
    key(
        "cart.abandon_after_secs",
        "VICI_CART_ABANDON_AFTER_SECS",
        Some("86400"),
    ),
    key(
        "cart.expire_after_days",
        "VICI_CART_EXPIRE_AFTER_DAYS",
        Some("30"),
    ),
    key(
        "cart.sweep_interval_secs",
        "VICI_CART_SWEEP_SECS",
        Some("60"),
    ),
    key(
        "order.recovery_after_secs",
        "VICI_ORDER_RECOVERY_AFTER_SECS",
        Some("60"),
    ),
    key(
        "order.recovery_interval_secs",
        "VICI_ORDER_RECOVERY_SECS",
        Some("10"),
    ),
    key(
        "payment.provider",
        "VICI_PAYMENT_PROVIDER",
        Some("simulated"),
    ),
    key(
        "payment.simulated_latency_ms",
        "VICI_PAYMENT_LATENCY_MS",
        Some("150"),
    ),
    Key {
        name: "payment.stripe_secret_key",
        env: "VICI_STRIPE_SECRET_KEY",
        default: None,
        secret: true,
    },
    key(
        "payment.stripe_api_url",
        "VICI_STRIPE_API_URL",
        Some("https://api.stripe.com"),
    ),
    Key {
        name: "payment.stripe_webhook_secret",
        env: "VICI_STRIPE_WEBHOOK_SECRET",
        default: None,
        secret: true,
    },
    key(
        "payment.webhook_tolerance_secs",
        "VICI_STRIPE_WEBHOOK_TOLERANCE_SECS",
        Some("300"),
    ),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Clone, Debug)]
pub struct GatewayConfig {
    pub cors_origins: Vec<String>,
    pub timeout: Duration,
    pub body_limit_bytes: usize,
    /// How long public catalogue answers may be served from the gateway's micro-cache (0 = off).
    pub cache_ttl: Duration,
    pub rate_limits: RateLimits,
    /// Take the client's IP from `X-Forwarded-For` (behind a trusted load balancer only: a
    /// client can write that header itself).
    pub trust_forwarded_for: bool,
}

#[derive(Clone, Debug)]
pub struct AuthConfig {
    /// The signing keyring as a secret (JSON); unset = a key file in the data directory.
    pub signing_keys: Option<String>,
    /// How old the newest key of a key file may get before a new one takes over.
    pub key_rotation: Duration,
}

#[derive(Clone, Debug)]
pub struct InventoryConfig {
    /// How long a reservation holds stock when the caller names no TTL.
    pub reservation_ttl: Duration,
    /// How often expired reservations are looked for and released.
    pub sweep_interval: Duration,
}

#[derive(Clone, Debug)]
pub struct CartConfig {
    /// A cart with lines and no change for this long is announced as `cart.abandoned` (once).
    pub abandon_after: Duration,
    /// A cart with no change for this long is deleted.
    pub expire_after: Duration,
    /// How often the abandoned-cart and purge sweeps run.
    pub sweep_interval: Duration,
}

#[derive(Clone, Debug)]
pub struct OrderConfig {
    /// A checkout saga untouched this long (its process died mid-way) is finished or undone by
    /// the recovery task; longer than any payment call can take.
    pub recovery_after: Duration,
    /// How often the recovery task looks for such sagas.
    pub recovery_interval: Duration,
}

/// Which payment provider takes the money.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PaymentProvider {
    /// In-process: the contract's test payment methods behave as named, after `latency`.
    Simulated { latency: Duration },
    /// Stripe's REST API at `api_url` with a secret key (`sk_…`).
    Stripe { secret_key: String, api_url: String },
}

#[derive(Clone, Debug)]
pub struct PaymentConfig {
    pub provider: PaymentProvider,
    /// The webhook signing secret (`whsec_…`); unset = webhooks are refused.
    pub webhook_secret: Option<String>,
    /// How old a webhook's signed timestamp may be.
    pub webhook_tolerance: Duration,
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
    pub gateway: GatewayConfig,
    pub auth: AuthConfig,
    pub inventory: InventoryConfig,
    pub cart: CartConfig,
    pub order: OrderConfig,
    pub payment: PaymentConfig,
    service_urls: BTreeMap<ServiceName, String>,
    /// Every effective value with where it came from, for `vici config`.
    effective: Vec<(String, String, &'static str)>,
}

#[derive(Debug, thiserror::Error)]
#[error("configuration key `{key}` (from {source_name}): {problem}")]
pub struct ConfigError {
    pub key: String,
    pub source_name: String,
    pub problem: String,
}

fn service_url_env(s: ServiceName) -> String {
    format!("VICI_{}_URL", s.as_str().to_uppercase())
}

impl Config {
    /// Loads `vici.toml` (from `file`, or the working directory when present) and the process
    /// environment.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
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
        Self::from_sources(toml.as_ref().map(|(p, t)| (p.as_str(), t.as_str())), &env)
    }

    /// Builds the configuration from an optional TOML text and an environment map.
    pub fn from_sources(
        toml_file: Option<(&str, &str)>,
        env: &BTreeMap<String, String>,
    ) -> Result<Self, ConfigError> {
        let mut values: BTreeMap<String, (String, String)> = BTreeMap::new();
        for k in KEYS {
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
                let known = KEYS.iter().any(|k| k.name == name)
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
        for k in KEYS {
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
        Self::build(values)
    }

    fn build(values: BTreeMap<String, (String, String)>) -> Result<Self, ConfigError> {
        let get = |name: &str| values.get(name).map(|(v, _)| v.clone());
        let bad = |name: &str, problem: String| ConfigError {
            key: name.into(),
            source_name: values.get(name).map(|(_, s)| s.clone()).unwrap_or_default(),
            problem,
        };
        let parse_num = |name: &str, min: u64, max: u64| -> Result<u64, ConfigError> {
            let raw = get(name).unwrap_or_default();
            let n: u64 = raw
                .trim()
                .parse()
                .map_err(|_| bad(name, format!("`{raw}` is not a whole number")))?;
            if n < min || n > max {
                return Err(bad(name, format!("{n} is outside {min}..={max}")));
            }
            Ok(n)
        };
        let parse_bool = |name: &str| -> Result<bool, ConfigError> {
            match get(name).unwrap_or_default().trim() {
                "true" | "1" | "yes" | "on" => Ok(true),
                "false" | "0" | "no" | "off" | "" => Ok(false),
                other => Err(bad(name, format!("`{other}` is not true or false"))),
            }
        };
        let port_base = parse_num("port_base", 1, 65535 - 10)? as u16;
        let log_format = match get("log_format").as_deref() {
            Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            other => {
                return Err(bad(
                    "log_format",
                    format!("`{}` is not `text` or `json`", other.unwrap_or("")),
                ));
            }
        };
        let check_url = |name: &str, schemes: &[&str]| -> Result<Option<String>, ConfigError> {
            let Some(v) = get(name) else { return Ok(None) };
            let scheme_ok = schemes.iter().any(|s| v.starts_with(&format!("{s}://")));
            // A blob URL may also be a bare directory path.
            let plain_dir = schemes.contains(&"dir") && !v.contains("://");
            if !scheme_ok && !plain_dir {
                return Err(bad(
                    name,
                    format!(
                        "`{}` must start with one of {}",
                        mask_url(&v),
                        schemes.join("://, ") + "://"
                    ),
                ));
            }
            Ok(Some(v))
        };
        let database_url = check_url("database_url", &["postgres", "postgresql", "sqlite"])?;
        let cache_url = check_url("cache_url", &["redis", "memory"])?;
        let bus_url = check_url("bus_url", &["kafka", "memory"])?;
        let blob_url = check_url("blob_url", &["s3", "file", "dir"])?;
        let bind = get("bind").unwrap_or_default();
        if bind.parse::<std::net::IpAddr>().is_err() {
            return Err(bad("bind", format!("`{bind}` is not an IP address")));
        }
        let mut service_urls = BTreeMap::new();
        for s in ServiceName::ALL {
            let name = format!("services.{s}");
            if let Some(url) = get(&name) {
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    return Err(bad(
                        &name,
                        format!("`{url}` must be an http:// or https:// URL"),
                    ));
                }
                service_urls.insert(s, url.trim_end_matches('/').to_string());
            }
        }
        let cors_origins = get("gateway.cors_origins")
            .unwrap_or_default()
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        let effective = values
            .iter()
            .map(|(k, (v, src))| {
                let secret = KEYS.iter().any(|key| key.name == k && key.secret);
                (
                    k.clone(),
                    if secret { mask_secret(v) } else { v.clone() },
                    leak_source(src),
                )
            })
            .collect();
        Ok(Self {
            data_dir: PathBuf::from(get("data_dir").unwrap_or_default()),
            port_base,
            public_url: get("public_url")
                .unwrap_or_else(|| format!("http://localhost:{port_base}")),
            bind,
            database_url,
            cache_url,
            bus_url,
            blob_url,
            log_format,
            log_level: get("log_level").unwrap_or_default(),
            bus_partitions: parse_num("bus.partitions", 1, 1024)? as i32,
            gateway: GatewayConfig {
                cors_origins,
                timeout: Duration::from_millis(parse_num("gateway.timeout_ms", 50, 600_000)?),
                body_limit_bytes: parse_num("gateway.body_limit_bytes", 1024, 1 << 30)? as usize,
                cache_ttl: Duration::from_millis(parse_num("gateway.cache_ttl_ms", 0, 3_600_000)?),
                rate_limits: RateLimits::parse(&get("gateway.rate_limits").unwrap_or_default())
                    .map_err(|e| bad("gateway.rate_limits", e))?,
                trust_forwarded_for: parse_bool("gateway.trust_forwarded_for")?,
            },
            auth: AuthConfig {
                signing_keys: get("auth.signing_keys").filter(|s| !s.trim().is_empty()),
                key_rotation: Duration::from_secs(
                    parse_num("auth.key_rotation_days", 1, 3650)? * 86_400,
                ),
            },
            inventory: InventoryConfig {
                reservation_ttl: secs(parse_num("inventory.reservation_ttl_secs", 1, 86_400)?),
                sweep_interval: secs(parse_num("inventory.sweep_interval_secs", 1, 3_600)?),
            },
            cart: CartConfig {
                abandon_after: secs(parse_num("cart.abandon_after_secs", 1, 365 * 86_400)?),
                expire_after: secs(parse_num("cart.expire_after_days", 1, 3_650)? * 86_400),
                sweep_interval: secs(parse_num("cart.sweep_interval_secs", 1, 86_400)?),
            },
            order: OrderConfig {
                recovery_after: secs(parse_num("order.recovery_after_secs", 1, 86_400)?),
                recovery_interval: secs(parse_num("order.recovery_interval_secs", 1, 3_600)?),
            },
            payment: PaymentConfig {
                provider: match get("payment.provider").unwrap_or_default().trim() {
                    "simulated" => PaymentProvider::Simulated {
                        latency: Duration::from_millis(parse_num(
                            "payment.simulated_latency_ms",
                            0,
                            60_000,
                        )?),
                    },
                    "stripe" => PaymentProvider::Stripe {
                        secret_key: get("payment.stripe_secret_key")
                            .filter(|k| !k.trim().is_empty())
                            .ok_or_else(|| {
                                bad(
                                    "payment.stripe_secret_key",
                                    "the stripe provider needs a secret key (sk_…)".into(),
                                )
                            })?,
                        api_url: check_url("payment.stripe_api_url", &["http", "https"])?
                            .unwrap_or_default()
                            .trim_end_matches('/')
                            .to_string(),
                    },
                    other => {
                        return Err(bad(
                            "payment.provider",
                            format!("`{other}` is not `simulated` or `stripe`"),
                        ));
                    }
                },
                webhook_secret: get("payment.stripe_webhook_secret")
                    .filter(|s| !s.trim().is_empty()),
                webhook_tolerance: secs(parse_num("payment.webhook_tolerance_secs", 1, 86_400)?),
            },
            service_urls,
            effective,
        })
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
    pub fn describe(&self) -> &[(String, String, &'static str)] {
        &self.effective
    }
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn leak_source(s: &str) -> &'static str {
    // Sources are few and live for the whole process; interning keeps `describe` borrow-free.
    Box::leak(s.to_string().into_boxed_str())
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

/// Hides the password of a URL (`postgres://u:secret@h` → `postgres://u:****@h`) and any
/// `secret`/`key`/`password` query value.
/// A secret as `vici config` shows it: a URL keeps everything but its credentials, anything
/// else (a key, a keyring) is hidden whole.
fn mask_secret(value: &str) -> String {
    if value.contains("://") {
        mask_url(value)
    } else {
        "****".into()
    }
}

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

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
