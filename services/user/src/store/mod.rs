//! The user service's SQL: one text for SQLite and PostgreSQL, `$n` parameters only. Functions
//! take a connection so the service decides what shares a transaction.
pub mod addresses;
pub mod migrations;
pub mod preferences;
pub mod profiles;
pub mod wishlist;

use sqlx::AnyConnection;
use vici_kit::Result;
use vici_store::error::SqlxResultExt as _;

/// Serialises one user's writes for the rest of the transaction: the upsert creates the
/// profile row when missing and, on PostgreSQL, row-locks it until commit (ON CONFLICT DO
/// UPDATE locks the row it touches), so a second transaction for the same user waits here and
/// then reads what the first committed. On SQLite the single writer connection already runs
/// write transactions one at a time. The touched row is left unchanged.
pub async fn lock_user(conn: &mut AnyConnection, user_id: &str) -> Result<()> {
    // A row made only to lock on is not a saved profile: its times stay "never saved".
    sqlx::query(
        "INSERT INTO profiles (user_id, created_at, updated_at) VALUES ($1, $2, $2) \
         ON CONFLICT (user_id) DO UPDATE SET updated_at = profiles.updated_at",
    )
    .bind(user_id)
    .bind(crate::domain::profile::NEVER_SAVED)
    .execute(conn)
    .await
    .db_err("locking the user")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use sqlx::Connection as _;

    #[tokio::test]
    async fn failures_say_what_the_store_was_doing_for_the_log_only() {
        sqlx::any::install_default_drivers();
        // No migrations ran, so every statement fails.
        let mut conn = sqlx::AnyConnection::connect("sqlite::memory:")
            .await
            .expect("an in-memory SQLite database");
        let count = super::addresses::count(&mut conn, "u1").await;
        vici_testkit::failed_while(count, "counting a user's addresses");
    }
}
