//! The `one_time_tokens` table: mailed single-use links (password reset, email verification),
//! stored hashed. Using one is a compare-and-set on `used_at`, so a link works exactly once
//! even when it is clicked twice at the same moment.
use vici_kit::Result;
use vici_store::AnyConnection;
use vici_store::error::SqlxResultExt as _;

pub const RESET: &str = "reset";
pub const VERIFY: &str = "verify";

pub async fn insert(
    conn: &mut AnyConnection,
    token_hash: &str,
    user_id: &str,
    purpose: &str,
    now: i64,
    expires_at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO one_time_tokens (token_hash, user_id, purpose, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash)
    .bind(user_id)
    .bind(purpose)
    .bind(now)
    .bind(expires_at)
    .execute(conn)
    .await
    .db_err("inserting a one-time link")?;
    Ok(())
}

/// Uses the token if it exists for `purpose`, is unused and unexpired; its user id if so.
pub async fn consume(
    conn: &mut AnyConnection,
    token_hash: &str,
    purpose: &str,
    now: i64,
) -> Result<Option<String>> {
    sqlx::query_scalar(
        "UPDATE one_time_tokens SET used_at = $1 \
         WHERE token_hash = $2 AND purpose = $3 AND used_at IS NULL AND expires_at > $1 \
         RETURNING user_id",
    )
    .bind(now)
    .bind(token_hash)
    .bind(purpose)
    .fetch_optional(conn)
    .await
    .db_err("using a one-time link")
}

/// Voids every other unused `purpose` token of `user_id` (a reset voids older reset links).
pub async fn void_all(
    conn: &mut AnyConnection,
    user_id: &str,
    purpose: &str,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE one_time_tokens SET used_at = $1 WHERE user_id = $2 AND purpose = $3 AND used_at IS NULL",
    )
    .bind(now)
    .bind(user_id)
    .bind(purpose)
    .execute(conn)
    .await
    .db_err("voiding a user's other one-time links")?;
    Ok(())
}

/// Deletes tokens that expired before `before`.
pub async fn delete_expired(db: &vici_store::Db, before: i64) -> Result<u64> {
    let done = sqlx::query("DELETE FROM one_time_tokens WHERE expires_at < $1")
        .bind(before)
        .execute(db.writer())
        .await
        .db_err("deleting expired one-time links")?;
    Ok(done.rows_affected())
}
