//! The `idempotency_keys` table: claiming a (user, scope, key), reading what an earlier request
//! with it answered, storing the outcome, and purging rows past their 24 hours.
use sqlx::{AnyConnection, Row as _};
use vici_kit::Result;
use vici_store::error::SqlxResultExt as _;
use vici_types::{IdempotencyKey, UserId};

/// A key's row as another request left it.
#[derive(Clone, Debug)]
pub struct Existing {
    pub fingerprint: String,
    /// The stored outcome; `None` while the first request is still running.
    pub outcome: Option<String>,
}

/// Inserts the row `in_progress` unless the key is taken; `None` when this call claimed it.
/// A row older than `expired_before` is treated as absent and replaced.
pub async fn claim(
    conn: &mut AnyConnection,
    user_id: &UserId,
    key: &IdempotencyKey,
    fingerprint: &str,
    now: i64,
    expired_before: i64,
) -> Result<Option<Existing>> {
    // One statement (one commit): an expired row is taken over in place.
    let claimed = sqlx::query(
        "INSERT INTO idempotency_keys (user_id, scope, idem_key, fingerprint, state, outcome, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, 'in_progress', NULL, $5, $5) \
         ON CONFLICT (user_id, scope, idem_key) DO UPDATE SET fingerprint = excluded.fingerprint, \
         state = excluded.state, outcome = NULL, created_at = excluded.created_at, \
         updated_at = excluded.updated_at WHERE idempotency_keys.created_at < $6",
    )
    .bind(user_id.as_str())
    .bind(key.scope.as_str())
    .bind(key.key.as_str())
    .bind(fingerprint)
    .bind(now)
    .bind(expired_before)
    .execute(&mut *conn)
    .await
    .db_err("claiming an idempotency key")?
    .rows_affected()
        == 1;
    if claimed {
        return Ok(None);
    }
    read(conn, user_id, key).await
}

pub async fn read(
    conn: &mut AnyConnection,
    user_id: &UserId,
    key: &IdempotencyKey,
) -> Result<Option<Existing>> {
    const READING: &str = "reading an idempotency key";
    let row = sqlx::query(
        "SELECT fingerprint, outcome FROM idempotency_keys \
         WHERE user_id = $1 AND scope = $2 AND idem_key = $3",
    )
    .bind(user_id.as_str())
    .bind(key.scope.as_str())
    .bind(key.key.as_str())
    .fetch_optional(conn)
    .await
    .db_err(READING)?;
    row.map(|r| {
        Ok(Existing {
            fingerprint: r.try_get("fingerprint")?,
            outcome: r.try_get("outcome")?,
        })
    })
    .transpose()
    .db_err(READING)
}

/// Stores the outcome of a claimed key (once: a later call leaves the first outcome).
pub async fn finish(
    conn: &mut AnyConnection,
    user_id: &UserId,
    key: &IdempotencyKey,
    outcome: &str,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE idempotency_keys SET state = 'done', outcome = $1, updated_at = $2 \
         WHERE user_id = $3 AND scope = $4 AND idem_key = $5 AND state = 'in_progress'",
    )
    .bind(outcome)
    .bind(now)
    .bind(user_id.as_str())
    .bind(key.scope.as_str())
    .bind(key.key.as_str())
    .execute(conn)
    .await
    .db_err("storing an idempotency key's outcome")?;
    Ok(())
}

/// Gives up a claim without an outcome (a server fault): a retry with the key runs again.
pub async fn forget(
    conn: &mut AnyConnection,
    user_id: &UserId,
    key: &IdempotencyKey,
) -> Result<()> {
    sqlx::query(
        "DELETE FROM idempotency_keys WHERE user_id = $1 AND scope = $2 AND idem_key = $3 \
         AND state = 'in_progress'",
    )
    .bind(user_id.as_str())
    .bind(key.scope.as_str())
    .bind(key.key.as_str())
    .execute(conn)
    .await
    .db_err("giving up an idempotency key's claim")?;
    Ok(())
}

/// Deletes rows created before `before`; how many.
pub async fn purge(conn: &mut AnyConnection, before: i64) -> Result<u64> {
    Ok(
        sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
            .bind(before)
            .execute(conn)
            .await
            .db_err("purging expired idempotency keys")?
            .rows_affected(),
    )
}
