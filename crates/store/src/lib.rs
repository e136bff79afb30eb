//! SQL storage shared by every service: one pool type for SQLite and PostgreSQL with a single SQL
//! code path, per-service migrations, the transactional outbox and idempotent consumers, and
//! the wait of a duplicate request for the first caller (`claim`).

pub mod base;
pub mod claim;
pub mod consumer;
pub mod db;
pub mod error;
pub mod migrate;
pub mod outbox;
pub mod sql;

pub use base::ServiceBase;
pub use db::{Backend, Db};
pub use migrate::Migration;
pub use sqlx::{Any, AnyConnection, Row, Transaction, any::AnyRow};

/// Milliseconds since the Unix epoch: how every table stores time, portable across backends.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Renders stored milliseconds as the RFC 3339 UTC text of the contract.
pub fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Flags are stored as `BIGINT` 0/1 on both backends: sqlx's `Any` driver has no SQLite boolean.
pub fn flag(value: bool) -> i64 {
    value as i64
}

/// Reads a 0/1 flag column (see [`flag`]).
pub fn get_flag(row: &AnyRow, column: &str) -> Result<bool, sqlx::Error> {
    Ok(row.try_get::<i64, _>(column)? != 0)
}
