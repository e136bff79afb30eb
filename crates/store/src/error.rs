//! Maps storage failures to service errors: named unique constraints become field conflicts, a
//! busy or unreachable database becomes "unavailable", everything else stays internal.
use vici_kit::{Error, ErrorCode};

/// A unique column a caller can collide with, declared inline as `UNIQUE` in the migration so
/// both backends name it predictably (PostgreSQL `<table>_<column>_key`, SQLite `<table>.<column>`).
pub struct Unique {
    pub table: &'static str,
    pub column: &'static str,
    /// The field reported in `details` (the API's camelCase name).
    pub field: &'static str,
    pub message: &'static str,
}

/// Turns a sqlx error into a service error, reporting a violated [`Unique`] as a field conflict.
pub fn map_sqlx(e: sqlx::Error, conflicts: &[Unique]) -> Error {
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
            let mut err = Error::unavailable("The database is busy; please retry shortly");
            err = err.with_detail("retryable", "true");
            tracing::warn!(error = %e, "database unavailable");
            err
        }
        other => Error::internal(other),
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
    /// Maps a storage error with no caller-visible constraints.
    fn db_err(self) -> vici_kit::Result<T>;
}

impl<T> SqlxResultExt<T> for Result<T, sqlx::Error> {
    fn db_err(self) -> vici_kit::Result<T> {
        self.map_err(|e| map_sqlx(e, &[]))
    }
}
