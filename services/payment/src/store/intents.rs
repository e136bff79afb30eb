//! Client-made intents: created once per (user, idempotency key) and claimed by at most one
//! order.
use sqlx::{AnyConnection, Row as _, any::AnyRow};
use vici_kit::Result;
use vici_store::error::SqlxResultExt as _;

use crate::domain::{Intent, IntentStatus};

const COLUMNS: &str =
    "id, user_id, amount_cents, currency, client_secret, status, order_id, created_at";

fn from_row(row: &AnyRow) -> sqlx::Result<Intent> {
    let status: String = row.try_get("status")?;
    Ok(Intent {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        amount_cents: row.try_get("amount_cents")?,
        currency: row.try_get("currency")?,
        client_secret: row.try_get("client_secret")?,
        status: IntentStatus::parse(&status).ok_or_else(|| {
            sqlx::Error::Decode(format!("unknown intent status `{status}`").into())
        })?,
        order_id: row.try_get("order_id")?,
        created_at: row.try_get("created_at")?,
    })
}

/// Stores a new intent; false when the user already has one under `key`.
pub async fn insert(
    conn: &mut AnyConnection,
    i: &Intent,
    provider: &str,
    key: Option<&str>,
) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO intents (id, user_id, amount_cents, currency, client_secret, status, \
         provider, idempotency_key, order_id, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, $9, $9) ON CONFLICT DO NOTHING",
    )
    .bind(&i.id)
    .bind(&i.user_id)
    .bind(i.amount_cents)
    .bind(&i.currency)
    .bind(&i.client_secret)
    .bind(i.status.as_str())
    .bind(provider)
    .bind(key)
    .bind(i.created_at)
    .execute(conn)
    .await
    .db_err("inserting a payment intent")?;
    Ok(done.rows_affected() == 1)
}

pub async fn by_key(conn: &mut AnyConnection, user_id: &str, key: &str) -> Result<Option<Intent>> {
    const READING: &str = "reading a user's payment intent by its key";
    let sql = format!("SELECT {COLUMNS} FROM intents WHERE user_id = $1 AND idempotency_key = $2");
    sqlx::query(&sql)
        .bind(user_id)
        .bind(key)
        .fetch_optional(conn)
        .await
        .db_err(READING)?
        .as_ref()
        .map(from_row)
        .transpose()
        .db_err(READING)
}

pub async fn by_id(conn: &mut AnyConnection, id: &str) -> Result<Option<Intent>> {
    const READING: &str = "reading a payment intent";
    let sql = format!("SELECT {COLUMNS} FROM intents WHERE id = $1");
    sqlx::query(&sql)
        .bind(id)
        .fetch_optional(conn)
        .await
        .db_err(READING)?
        .as_ref()
        .map(from_row)
        .transpose()
        .db_err(READING)
}

/// Ties the intent to `order_id` unless another order has it; whether the order now has it.
pub async fn claim(conn: &mut AnyConnection, id: &str, order_id: &str, now: i64) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE intents SET order_id = $2, updated_at = $3 \
         WHERE id = $1 AND (order_id IS NULL OR order_id = $2)",
    )
    .bind(id)
    .bind(order_id)
    .bind(now)
    .execute(conn)
    .await
    .db_err("claiming a payment intent for an order")?;
    Ok(done.rows_affected() == 1)
}

/// Follows the payment made with the intent (no-op for intents made by Authorize itself).
pub async fn set_status(
    conn: &mut AnyConnection,
    id: &str,
    status: IntentStatus,
    now: i64,
) -> Result<()> {
    sqlx::query("UPDATE intents SET status = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(status.as_str())
        .bind(now)
        .execute(conn)
        .await
        .db_err("updating a payment intent's status")?;
    Ok(())
}
