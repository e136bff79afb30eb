//! The order service's settings (`order.*`): when an interrupted checkout is finished or undone,
//! and how much stock one account may hold in orders it has not paid.
use std::time::Duration;

use vici_kit::config::{ConfigError, Key, Section, Settings, key};

#[derive(Clone, Debug)]
pub struct OrderConfig {
    /// A checkout saga untouched this long (its process died mid-way) is finished or undone by
    /// the recovery task; longer than any payment call can take.
    pub recovery_after: Duration,
    /// How often the recovery task looks for such sagas.
    pub recovery_interval: Duration,
    /// Orders awaiting payment one account may have at once.
    pub max_unpaid_orders: usize,
    /// Units one account may hold in orders awaiting payment, all of them together.
    pub max_unpaid_units: i64,
    /// How long the stock of an order awaiting payment is held (shorter than a checkout's).
    pub unpaid_hold: Duration,
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
        key(
            "order.max_unpaid_orders",
            "VICI_ORDER_MAX_UNPAID_ORDERS",
            Some("3"),
        ),
        key(
            "order.max_unpaid_units",
            "VICI_ORDER_MAX_UNPAID_UNITS",
            Some("20"),
        ),
        key(
            "order.unpaid_hold_secs",
            "VICI_ORDER_UNPAID_HOLD_SECS",
            Some("600"),
        ),
    ];

    fn parse(s: &Settings) -> Result<Self, ConfigError> {
        Ok(Self {
            recovery_after: s.secs("order.recovery_after_secs", 1..=86_400)?,
            recovery_interval: s.secs("order.recovery_interval_secs", 1..=3_600)?,
            max_unpaid_orders: s.number("order.max_unpaid_orders", 1..=1_000)? as usize,
            max_unpaid_units: s.number("order.max_unpaid_units", 1..=100_000)? as i64,
            unpaid_hold: s.secs("order.unpaid_hold_secs", 1..=86_400)?,
        })
    }
}
