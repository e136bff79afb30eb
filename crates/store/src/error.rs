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
    if is_storage_fault(&e) {
        tracing::warn!(error = %e, doing, "database unavailable");
        return Error::unavailable("The database is busy; please retry shortly")
            .with_detail("retryable", "true");
    }
    Error::internal(anyhow::Error::new(e).context(doing))
}

/// Whether `e` is the store failing rather than the statement being wrong: the pool or the
/// connection gone, the disk full or failing, the database busy, read-only or shutting down.
/// Such a request may succeed later, so it is answered 503 UNAVAILABLE, not 500.
pub fn is_storage_fault(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|c| is_fault_code(&c)),
        _ => false,
    }
}

/// SQLite result codes (a number under 10 000; the primary code is its low byte) and
/// PostgreSQL SQLSTATEs (always five characters) that mean the store, not the statement,
/// failed.
fn is_fault_code(code: &str) -> bool {
    if code.len() < 5
        && let Ok(n) = code.parse::<i32>()
    {
        // BUSY, LOCKED, NOMEM, READONLY, IOERR, FULL, CANTOPEN, PROTOCOL.
        return matches!(n & 0xFF, 5 | 6 | 7 | 8 | 10 | 13 | 14 | 15);
    }
    // Connection exceptions, insufficient resources (disk full, out of memory, too many
    // connections), operator intervention (shutdown), system errors (I/O), a read-only
    // replica, and the serialisation failures a retry resolves.
    ["08", "53", "57", "58"]
        .iter()
        .any(|class| code.starts_with(class))
        || matches!(code, "25006" | "40001" | "40P01")
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

    #[test]
    fn faults_of_the_store_are_told_from_faults_of_the_statement() {
        // SQLite: FULL, IOERR_WRITE (extended), READONLY, BUSY; PostgreSQL: disk full,
        // shutdown, connection failure, deadlock.
        for fault in ["13", "778", "8", "5", "53100", "57P01", "08006", "40P01"] {
            assert!(is_fault_code(fault), "{fault}");
        }
        // SQLite: CONSTRAINT_UNIQUE, ERROR; PostgreSQL: unique and check violations, syntax.
        for mistake in ["2067", "1", "23505", "23514", "42601"] {
            assert!(!is_fault_code(mistake), "{mistake}");
        }
    }
}
