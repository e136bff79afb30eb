//! The `webhook_events` table: the provider event ids already handled, so a redelivered event
//! changes nothing.
use sqlx::AnyConnection;
use vici_kit::Result;
use vici_store::error::SqlxResultExt as _;

/// Notes the event as received (not yet applied); false when it was received before.
pub async fn record(conn: &mut AnyConnection, id: &str, kind: &str, now: i64) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO webhook_events (id, type, applied, received_at) VALUES ($1, $2, 0, $3) \
         ON CONFLICT DO NOTHING",
    )
    .bind(id)
    .bind(kind)
    .bind(now)
    .execute(conn)
    .await
    .db_err("recording a webhook event")?;
    Ok(done.rows_affected() == 1)
}

/// Notes that the event changed a payment.
pub async fn mark_applied(conn: &mut AnyConnection, id: &str) -> Result<()> {
    sqlx::query("UPDATE webhook_events SET applied = 1 WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await
        .db_err("marking a webhook event applied")?;
    Ok(())
}
