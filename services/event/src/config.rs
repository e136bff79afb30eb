//! The event service's settings (`event.*`): how long recent events are kept.
use std::time::Duration;

use vici_kit::config::{ConfigError, Key, Section, Settings, key};

#[derive(Clone, Debug)]
pub struct EventConfig {
    /// How long an accepted event stays queryable (`GetUserEvents`, the recommendation
    /// service's rebuild) and its id recognised on a retry: at least a day.
    pub recent_window: Duration,
}

impl Section for EventConfig {
    const KEYS: &'static [Key] = &[key(
        "event.recent_window_hours",
        "VICI_EVENT_RECENT_WINDOW_HOURS",
        Some("72"),
    )];

    fn parse(s: &Settings) -> Result<Self, ConfigError> {
        Ok(Self {
            recent_window: s.secs("event.recent_window_hours", 24..=24 * 365)? * 3_600,
        })
    }
}
