//! Maps storage failures to service errors, saying what the store was doing: named unique
//! constraints become field conflicts, a busy or unreachable database becomes "unavailable",
//! everything else stays internal (its cause and the operation logged, never shown).
use vici_kit::{Error, ErrorCode, Result};

/// A unique column a caller can collide with, declared inline as `UNIQUE` in the migration so
/// both backends name it predictably (PostgreSQL `<table>_<column>_key`, SQLite `<table>.<column>`).
pub struct Unique {
    pub table: &'static str,
    pub column: &'static str,
    /// The field reported in `details` (the API's camelCase name).
    pub field: &'static str,
    pub message: &'static str,
}

/// Turns a sqlx error met while `doing` something ("reading the cart") into a service error,
/// reporting a violated [`Unique`] as a field conflict.
pub fn map_sqlx(e: sqlx::Error, conflicts: &[Unique], doing: &'static str) -> Error {
    if let Some(db) = e.as_database_error() {
        let text = db.message();
        let constraint = db.constraint();
        for u in conflicts {
            let pg_name = format!("{}_{}_key", u.table, u.column);
            let sqlite_text = format!("{}.{}", u.table, u.column);
            if constraint == Some(pg_name.as_str()) || text.contains(&sqlite_text) {
                return Error::new(ErrorCode::Conflict, u.message).with_detail(u.field, u.message);
            }
        }
    }
    match e {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
            tracing::warn!(error = %e, doing, "database unavailable");
            Error::unavailable("The database is busy; please retry shortly")
                .with_detail("retryable", "true")
        }
        other => Error::internal(anyhow::Error::new(other).context(doing)),
    }
}

/// Whether `e` is a unique-constraint violation (both backends).
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error().is_some_and(|d| {
        matches!(d.kind(), sqlx::error::ErrorKind::UniqueViolation)
            || d.code()
                .is_some_and(|c| c == "23505" || c == "2067" || c == "1555")
    })
}

pub trait SqlxResultExt<T> {
    /// Maps a storage error no caller can cause, naming what the store was `doing` ("locking
    /// the cart") for the log.
    fn db_err(self, doing: &'static str) -> Result<T>;

    /// Like [`SqlxResultExt::db_err`], reporting a collision with one of `conflicts` as a 409
    /// on its field.
    fn db_conflict(self, doing: &'static str, conflicts: &[Unique]) -> Result<T>;
}

impl<T> SqlxResultExt<T> for std::result::Result<T, sqlx::Error> {
    fn db_err(self, doing: &'static str) -> Result<T> {
        self.map_err(|e| map_sqlx(e, &[], doing))
    }

    fn db_conflict(self, doing: &'static str, conflicts: &[Unique]) -> Result<T> {
        self.map_err(|e| map_sqlx(e, conflicts, doing))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_say_what_the_store_was_doing_without_showing_it() {
        let failed: std::result::Result<(), _> = Err(sqlx::Error::RowNotFound);
        let err = failed.db_err("reading the cart").unwrap_err();
        assert_eq!(err.code, ErrorCode::Internal);
        assert!(!err.message.contains("cart"), "not shown: {}", err.message);
        let logged = format!("{:#}", err.source_chain().expect("a cause"));
        assert!(logged.starts_with("reading the cart: "), "{logged}");
        let busy: std::result::Result<(), _> = Err(sqlx::Error::PoolTimedOut);
        let err = busy.db_err("locking the cart").unwrap_err();
        assert_eq!(err.code, ErrorCode::Unavailable);
        assert_eq!(err.details["retryable"], "true");
    }
}
