//! The order service's settings (`order.*`): when an interrupted checkout is finished or undone.
use std::time::Duration;

use vici_kit::config::{ConfigError, Key, Section, Settings, key};

#[derive(Clone, Debug)]
pub struct OrderConfig {
    /// A checkout saga untouched this long (its process died mid-way) is finished or undone by
    /// the recovery task; longer than any payment call can take.
    pub recovery_after: Duration,
    /// How often the recovery task looks for such sagas.
    pub recovery_interval: Duration,
}

impl Section for OrderConfig {
    const KEYS: &'static [Key] = &[
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
    ];

    fn parse(s: &Settings) -> Result<Self, ConfigError> {
        Ok(Self {
            recovery_after: s.secs("order.recovery_after_secs", 1..=86_400)?,
            recovery_interval: s.secs("order.recovery_interval_secs", 1..=3_600)?,
        })
    }
}
