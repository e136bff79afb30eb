//! Refund rows: one per (order, idempotency key), PROCESSING while the provider call runs.
use sqlx::{AnyConnection, Row as _, any::AnyRow};
use vici_kit::Result;
use vici_store::error::SqlxResultExt as _;

use crate::domain::{Refund, RefundStatus};

const COLUMNS: &str = "id, payment_id, order_id, idempotency_key, amount_cents, status, reason, \
     lease_until, created_at";

fn from_row(row: &AnyRow) -> sqlx::Result<Refund> {
    let status: String = row.try_get("status")?;
    Ok(Refund {
        id: row.try_get("id")?,
        payment_id: row.try_get("payment_id")?,
        order_id: row.try_get("order_id")?,
        idempotency_key: row.try_get("idempotency_key")?,
        amount_cents: row.try_get("amount_cents")?,
        status: RefundStatus::parse(&status).ok_or_else(|| {
            sqlx::Error::Decode(format!("unknown refund status `{status}`").into())
        })?,
        reason: row.try_get("reason")?,
        lease_until: row.try_get("lease_until")?,
        created_at: row.try_get("created_at")?,
    })
}

/// Stores a new refund; false when the order already has one under its key.
pub async fn insert(conn: &mut AnyConnection, r: &Refund) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO refunds (id, payment_id, order_id, idempotency_key, amount_cents, status, \
         reason, lease_until, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) ON CONFLICT DO NOTHING",
    )
    .bind(&r.id)
    .bind(&r.payment_id)
    .bind(&r.order_id)
    .bind(&r.idempotency_key)
    .bind(r.amount_cents)
    .bind(r.status.as_str())
    .bind(&r.reason)
    .bind(r.lease_until)
    .bind(r.created_at)
    .execute(conn)
    .await
    .db_err("inserting a refund")?;
    Ok(done.rows_affected() == 1)
}

pub async fn by_key(conn: &mut AnyConnection, order_id: &str, key: &str) -> Result<Option<Refund>> {
    const READING: &str = "reading an order's refund by its key";
    let sql = format!("SELECT {COLUMNS} FROM refunds WHERE order_id = $1 AND idempotency_key = $2");
    sqlx::query(&sql)
        .bind(order_id)
        .bind(key)
        .fetch_optional(conn)
        .await
        .db_err(READING)?
        .as_ref()
        .map(from_row)
        .transpose()
        .db_err(READING)
}

/// What is being refunded of `payment_id` right now (PROCESSING refunds), so two concurrent
/// refunds cannot both take what is left.
pub async fn in_flight(conn: &mut AnyConnection, payment_id: &str) -> Result<i64> {
    sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(amount_cents), 0) AS BIGINT) FROM refunds \
         WHERE payment_id = $1 AND status = 'PROCESSING'",
    )
    .bind(payment_id)
    .fetch_one(conn)
    .await
    .db_err("summing a payment's refunds in flight")
}

/// Moves a refund to `status` with the provider's id; conditional on it still being
/// PROCESSING, so only one finisher counts it. Whether this call moved it.
pub async fn finish(
    conn: &mut AnyConnection,
    id: &str,
    status: RefundStatus,
    provider_refund_id: &str,
    now: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE refunds SET status = $2, provider_refund_id = $3, lease_until = 0, updated_at = $4 \
         WHERE id = $1 AND status = 'PROCESSING'",
    )
    .bind(id)
    .bind(status.as_str())
    .bind(provider_refund_id)
    .bind(now)
    .execute(conn)
    .await
    .db_err("recording a refund's outcome")?;
    Ok(done.rows_affected() == 1)
}

/// Takes over a PROCESSING refund whose lease is `seen` (lapsed or released) until `until`;
/// whether this caller now runs its provider call.
pub async fn take_lease(conn: &mut AnyConnection, id: &str, seen: i64, until: i64) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE refunds SET lease_until = $3 WHERE id = $1 AND status = 'PROCESSING' \
         AND lease_until = $2",
    )
    .bind(id)
    .bind(seen)
    .bind(until)
    .execute(conn)
    .await
    .db_err("taking over a refund's lease")?;
    Ok(done.rows_affected() == 1)
}

/// Gives up the lease after an unknown outcome, so a repeat retries at once.
pub async fn release(conn: &mut AnyConnection, id: &str) -> Result<()> {
    sqlx::query("UPDATE refunds SET lease_until = 0 WHERE id = $1 AND status = 'PROCESSING'")
        .bind(id)
        .execute(conn)
        .await
        .db_err("releasing a refund's lease")?;
    Ok(())
}
