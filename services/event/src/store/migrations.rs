//! The event service's schema (scope "event"). Times are unix milliseconds, as everywhere.
//!
//! - `behaviour_events` holds every accepted event for the recent window (configured, at least
//!   a day): its primary key is the event's id, so a client's retry with the same id is found
//!   and not published twice; `GetUserEvents` reads it newest first per user; the
//!   recommendation service can rebuild its state from it.
//! - The event itself travels through the service's outbox (the platform's table), written in
//!   the same transaction: an accepted event is published even if the broker is down for long
//!   or the process dies, in order per key. The outbox is the spool.
use vici_store::Migration;

pub const ALL: &[Migration] = &[Migration::new(
    1,
    "behaviour_events",
    "CREATE TABLE behaviour_events (
        id TEXT PRIMARY KEY,
        user_id TEXT,
        session_id TEXT NOT NULL,
        event_type TEXT NOT NULL,
        recorded_at BIGINT NOT NULL,
        payload TEXT NOT NULL
     );
     CREATE INDEX behaviour_events_user ON behaviour_events (user_id, recorded_at);
     CREATE INDEX behaviour_events_age ON behaviour_events (recorded_at);",
)];
