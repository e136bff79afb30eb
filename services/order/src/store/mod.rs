//! The order service's SQL: one text for SQLite and PostgreSQL, `$n` parameters only. Functions
//! take a connection so the callers decide what shares a transaction.
pub mod idempotency;
pub mod migrations;
pub mod orders;
pub mod sagas;
