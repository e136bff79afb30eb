//! The auth service's settings (`auth.*`): where the signing keyring comes from, how often a
//! key file gets a new key and how often the cache is checked for the deny-list.
use std::time::Duration;

use vici_kit::config::{ConfigError, Key, Section, Settings, key, secret};

#[derive(Clone, Debug)]
pub struct AuthConfig {
    /// The signing keyring as a secret (JSON); unset = a key file in the data directory.
    pub signing_keys: Option<String>,
    /// How old the newest key of a key file may get before a new one takes over.
    pub key_rotation: Duration,
    /// How often the cache is checked for the deny-list, which is refilled from the auth
    /// database when the cache has lost it (a restart without persistence).
    pub deny_list_check: Duration,
}

impl Section for AuthConfig {
    const KEYS: &'static [Key] = &[
        secret("auth.signing_keys", "VICI_AUTH_SIGNING_KEYS"),
        key(
            "auth.key_rotation_days",
            "VICI_AUTH_KEY_ROTATION_DAYS",
            Some("30"),
        ),
        key(
            "auth.deny_list_check_ms",
            "VICI_AUTH_DENY_LIST_CHECK_MS",
            Some("5000"),
        ),
    ];

    fn parse(s: &Settings) -> Result<Self, ConfigError> {
        Ok(Self {
            signing_keys: s.text("auth.signing_keys"),
            key_rotation: s.secs("auth.key_rotation_days", 1..=3650)? * 86_400,
            deny_list_check: s.millis("auth.deny_list_check_ms", 100..=600_000)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vici_kit::Config;

    #[test]
    fn keyrings_are_read_and_stay_hidden() {
        let env = [(
            "VICI_AUTH_SIGNING_KEYS".to_string(),
            r#"{"keys":[]}"#.to_string(),
        )];
        let c =
            Config::from_sources(None, &env.into_iter().collect(), &[AuthConfig::KEYS]).unwrap();
        let auth: AuthConfig = c.section().unwrap();
        assert_eq!(auth.key_rotation, Duration::from_secs(30 * 86_400));
        assert_eq!(auth.signing_keys.as_deref(), Some(r#"{"keys":[]}"#));
        let shown = c
            .describe()
            .into_iter()
            .find(|(k, ..)| k == "auth.signing_keys");
        assert_eq!(shown.map(|(_, v, _)| v), Some("****".to_string()));
    }
}
