//! The notification service's SQL (one text for SQLite and PostgreSQL): the delivery log and
//! the in-app inbox.
pub mod deliveries;
pub mod inbox;
pub mod migrations;
