//! The gateway's settings (`gateway.*`): CORS, body and time limits, the micro-cache, abuse
//! limits and whether to believe `X-Forwarded-For`.
use std::time::Duration;

use vici_kit::config::{ConfigError, Key, Section, Settings, key};

mod rate_limits;

pub use rate_limits::{Limit, RateLimits};

#[derive(Clone, Debug)]
pub struct GatewayConfig {
    pub cors_origins: Vec<String>,
    /// The bound on each request (`gateway.timeout_ms`, a platform key: it bounds every call
    /// between services too).
    pub timeout: Duration,
    pub body_limit_bytes: usize,
    /// How long public catalogue answers may be served from the gateway's micro-cache (0 = off).
    pub cache_ttl: Duration,
    pub rate_limits: RateLimits,
    /// Take the client's IP from `X-Forwarded-For` (behind a trusted load balancer only: a
    /// client can write that header itself).
    pub trust_forwarded_for: bool,
    /// `Strict-Transport-Security` max-age for answers served over TLS (0 = not sent: only a
    /// shop that is reached over HTTPS alone may promise it).
    pub hsts_max_age_secs: u64,
    /// Record what the shop serves as behaviour events (docs/behaviour-events.md); off for a
    /// shop that does not want them, or to measure what recording costs.
    pub record_behaviour: bool,
}

impl Section for GatewayConfig {
    const KEYS: &'static [Key] = &[
        key("gateway.cors_origins", "VICI_CORS_ORIGINS", Some("*")),
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
        key(
            "gateway.hsts_max_age_secs",
            "VICI_HSTS_MAX_AGE_SECS",
            Some("0"),
        ),
        key(
            "gateway.record_behaviour",
            "VICI_GATEWAY_RECORD_BEHAVIOUR",
            Some("true"),
        ),
    ];

    fn parse(s: &Settings) -> Result<Self, ConfigError> {
        let cors_origins = s
            .get("gateway.cors_origins")
            .unwrap_or_default()
            .split(',')
            .map(|o| o.trim().to_string())
            .filter(|o| !o.is_empty())
            .collect();
        let rate_limits = RateLimits::parse(s.get("gateway.rate_limits").unwrap_or_default())
            .map_err(|e| s.error("gateway.rate_limits", e))?;
        Ok(Self {
            cors_origins,
            timeout: s.millis("gateway.timeout_ms", 50..=600_000)?,
            body_limit_bytes: s.number("gateway.body_limit_bytes", 1024..=1 << 30)? as usize,
            cache_ttl: s.millis("gateway.cache_ttl_ms", 0..=3_600_000)?,
            rate_limits,
            trust_forwarded_for: s.flag("gateway.trust_forwarded_for")?,
            hsts_max_age_secs: s.number("gateway.hsts_max_age_secs", 0..=63_072_000)?,
            record_behaviour: s.flag("gateway.record_behaviour")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vici_kit::Config;

    fn load(env: &[(&str, &str)]) -> Result<GatewayConfig, ConfigError> {
        let env = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_sources(None, &env, &[GatewayConfig::KEYS])?.section()
    }

    #[test]
    fn defaults_and_overrides() {
        let c = load(&[]).unwrap();
        assert_eq!(
            c.cache_ttl,
            Duration::from_secs(1),
            "micro-cache on by default"
        );
        assert_eq!(c.timeout, Duration::from_secs(5));
        assert!(!c.trust_forwarded_for);
        let c = load(&[
            ("VICI_RATE_LIMITS", "login=3/1m"),
            ("VICI_TRUST_FORWARDED_FOR", "true"),
        ])
        .unwrap();
        assert_eq!(c.rate_limits.login.requests, 3);
        assert!(c.trust_forwarded_for);
    }

    #[test]
    fn bad_values_name_their_key() {
        let e = load(&[("VICI_RATE_LIMITS", "login=lots")]).unwrap_err();
        assert_eq!(e.key, "gateway.rate_limits");
        let e = load(&[("VICI_TRUST_FORWARDED_FOR", "maybe")]).unwrap_err();
        assert_eq!(e.key, "gateway.trust_forwarded_for");
    }
}
