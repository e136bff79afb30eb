//! The cart service's settings (`cart.*`): when idle carts are announced and purged.
use std::time::Duration;

use vici_kit::config::{ConfigError, Key, Section, Settings, key};

#[derive(Clone, Debug)]
pub struct CartConfig {
    /// A cart with lines and no change for this long is announced as `cart.abandoned` (once).
    pub abandon_after: Duration,
    /// A cart with no change for this long is deleted.
    pub expire_after: Duration,
    /// How often the abandoned-cart and purge sweeps run.
    pub sweep_interval: Duration,
}

impl Section for CartConfig {
    const KEYS: &'static [Key] = &[
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
    ];

    fn parse(s: &Settings) -> Result<Self, ConfigError> {
        Ok(Self {
            abandon_after: s.secs("cart.abandon_after_secs", 1..=365 * 86_400)?,
            expire_after: s.secs("cart.expire_after_days", 1..=3_650)? * 86_400,
            sweep_interval: s.secs("cart.sweep_interval_secs", 1..=86_400)?,
        })
    }
}
