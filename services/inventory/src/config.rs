//! The inventory service's settings (`inventory.*`): how long reservations hold and how often
//! expired ones are released.
use std::time::Duration;

use vici_kit::config::{ConfigError, Key, Section, Settings, key};

#[derive(Clone, Debug)]
pub struct InventoryConfig {
    /// How long a reservation holds stock when the caller names no TTL.
    pub reservation_ttl: Duration,
    /// How often expired reservations are looked for and released.
    pub sweep_interval: Duration,
}

impl Section for InventoryConfig {
    const KEYS: &'static [Key] = &[
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
    ];

    fn parse(s: &Settings) -> Result<Self, ConfigError> {
        Ok(Self {
            reservation_ttl: s.secs("inventory.reservation_ttl_secs", 1..=86_400)?,
            sweep_interval: s.secs("inventory.sweep_interval_secs", 1..=3_600)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vici_kit::Config;

    fn load(env: &[(&str, &str)]) -> Result<InventoryConfig, ConfigError> {
        let env = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_sources(None, &env, &[InventoryConfig::KEYS])?.section()
    }

    #[test]
    fn holds_default_to_fifteen_minutes_and_can_be_shortened() {
        assert_eq!(
            load(&[]).unwrap().reservation_ttl,
            Duration::from_secs(15 * 60)
        );
        let c = load(&[("VICI_RESERVATION_TTL_SECS", "60")]).unwrap();
        assert_eq!(c.reservation_ttl, Duration::from_secs(60));
        let e = load(&[("VICI_RESERVATION_TTL_SECS", "0")]).unwrap_err();
        assert_eq!(e.key, "inventory.reservation_ttl_secs");
    }
}
