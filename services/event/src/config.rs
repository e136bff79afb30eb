//! The event service's settings (`event.*`): how long recent events are kept, each session's
//! budget and the spool's cap.
use std::time::Duration;

use vici_kit::config::{ConfigError, Key, Section, Settings, key};

#[derive(Clone, Debug)]
pub struct EventConfig {
    /// How long an accepted event stays queryable (`GetUserEvents`, the recommendation
    /// service's rebuild) and its id recognised on a retry: at least a day.
    pub recent_window: Duration,
    /// Events a session (or signed-in user) may send per second before the rest are flagged
    /// `throttled` and spread over the topic's partitions.
    pub session_rate: u32,
    /// How many events a session may send at once above its rate.
    pub session_burst: u32,
    /// Past this many bytes of events waiting for the broker, behaviour events are dropped
    /// (counted and logged) rather than recorded.
    pub spool_limit_bytes: u64,
}

impl Section for EventConfig {
    const KEYS: &'static [Key] = &[
        key(
            "event.recent_window_hours",
            "VICI_EVENT_RECENT_WINDOW_HOURS",
            Some("72"),
        ),
        key(
            "event.session_events_per_second",
            "VICI_EVENT_SESSION_EVENTS_PER_SECOND",
            Some("20"),
        ),
        key(
            "event.session_burst",
            "VICI_EVENT_SESSION_BURST",
            Some("100"),
        ),
        key(
            "event.spool_limit_mb",
            "VICI_EVENT_SPOOL_LIMIT_MB",
            Some("1024"),
        ),
    ];

    fn parse(s: &Settings) -> Result<Self, ConfigError> {
        Ok(Self {
            recent_window: s.secs("event.recent_window_hours", 24..=24 * 365)? * 3_600,
            session_rate: s.number("event.session_events_per_second", 1..=100_000)? as u32,
            session_burst: s.number("event.session_burst", 1..=1_000_000)? as u32,
            spool_limit_bytes: s.number("event.spool_limit_mb", 1..=1_048_576)? << 20,
        })
    }
}
