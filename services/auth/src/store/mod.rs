//! The auth service's SQL, one text for SQLite and PostgreSQL with `$n` placeholders.
pub mod accounts;
pub mod deny_list;
pub mod links;
pub mod sessions;

pub use accounts::Account;
