//! The notification service's SQL (one text for SQLite and PostgreSQL): the delivery log and
//! the in-app inbox, and when users last ordered.
pub mod deliveries;
pub mod inbox;
pub mod migrations;
pub mod orders_placed;
pub mod rules;
