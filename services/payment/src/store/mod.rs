//! The payment service's SQL: one text for SQLite and PostgreSQL, `$n` parameters only.
//! Functions take a connection so the service decides what shares a transaction; a payment is
//! changed only under [`payments::lock`], so two racing writers cannot both move it.
pub mod intents;
pub mod migrations;
pub mod payments;
pub mod refunds;
