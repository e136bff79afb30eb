//! Payment rows and their change log. A use case changing an existing payment first takes it
//! with [`lock`] (a write that row-locks it on PostgreSQL until commit; SQLite's single writer
//! serialises anyway), decides on what it read, then writes with [`save`], which logs the
//! status change when there is one.
use sqlx::{AnyConnection, Row as _, any::AnyRow};
use vici_kit::Result;
use vici_store::error::SqlxResultExt as _;

use crate::domain::{Payment, ProviderKind, Status};

const COLUMNS: &str = "id, order_id, user_id, attempt_id, intent_id, payment_method, amount_cents, \
     refunded_cents, currency, status, failure_code, failure_message, provider, lease_until, \
     created_at, updated_at";

/// The live statuses as SQL text, matching `payments_live_order` and `Status::is_live`.
const LIVE: &str =
    "('PROCESSING', 'PENDING', 'AUTHORIZED', 'SUCCEEDED', 'PARTIALLY_REFUNDED', 'REFUNDED')";

fn decode(what: &str, value: String) -> sqlx::Error {
    sqlx::Error::Decode(format!("unknown {what} `{value}` in payments").into())
}

fn from_row(row: &AnyRow) -> sqlx::Result<Payment> {
    let status: String = row.try_get("status")?;
    let provider: String = row.try_get("provider")?;
    Ok(Payment {
        id: row.try_get("id")?,
        order_id: row.try_get("order_id")?,
        user_id: row.try_get("user_id")?,
        attempt_id: row.try_get("attempt_id")?,
        intent_id: row.try_get("intent_id")?,
        payment_method: row.try_get("payment_method")?,
        amount_cents: row.try_get("amount_cents")?,
        refunded_cents: row.try_get("refunded_cents")?,
        currency: row.try_get("currency")?,
        status: Status::parse(&status).ok_or_else(|| decode("status", status))?,
        failure_code: row.try_get("failure_code")?,
        failure_message: row.try_get("failure_message")?,
        provider: ProviderKind::parse(&provider).ok_or_else(|| decode("provider", provider))?,
        lease_until: row.try_get("lease_until")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// The newest payment matching `filter`, read while `doing` what the caller does.
async fn one(
    conn: &mut AnyConnection,
    filter: &str,
    value: &str,
    doing: &'static str,
) -> Result<Option<Payment>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM payments WHERE {filter} ORDER BY created_at DESC, id DESC LIMIT 1"
    );
    returned(conn, &sql, value, doing).await
}

/// The payment `sql` (bound to `value`) returns, if any.
async fn returned(
    conn: &mut AnyConnection,
    sql: &str,
    value: &str,
    doing: &'static str,
) -> Result<Option<Payment>> {
    sqlx::query(sql)
        .bind(value)
        .fetch_optional(conn)
        .await
        .db_err(doing)?
        .as_ref()
        .map(from_row)
        .transpose()
        .db_err(doing)
}

/// Inserts a new attempt; false when its attempt id exists or the order already has a live
/// payment (the caller tells which by reading the attempt).
pub async fn insert(conn: &mut AnyConnection, p: &Payment) -> Result<bool> {
    let sql = format!(
        "INSERT INTO payments ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, \
         $12, $13, $14, $15, $16) ON CONFLICT DO NOTHING"
    );
    let done = sqlx::query(&sql)
        .bind(&p.id)
        .bind(&p.order_id)
        .bind(&p.user_id)
        .bind(&p.attempt_id)
        .bind(&p.intent_id)
        .bind(&p.payment_method)
        .bind(p.amount_cents)
        .bind(p.refunded_cents)
        .bind(&p.currency)
        .bind(p.status.as_str())
        .bind(&p.failure_code)
        .bind(&p.failure_message)
        .bind(p.provider.as_str())
        .bind(p.lease_until)
        .bind(p.created_at)
        .bind(p.updated_at)
        .execute(&mut *conn)
        .await
        .db_err("inserting a payment attempt")?;
    if done.rows_affected() == 1 {
        change(
            conn,
            &p.id,
            None,
            p.status,
            "Payment attempt started",
            p.created_at,
        )
        .await?;
        return Ok(true);
    }
    Ok(false)
}

pub async fn by_attempt(conn: &mut AnyConnection, attempt_id: &str) -> Result<Option<Payment>> {
    one(
        conn,
        "attempt_id = $1",
        attempt_id,
        "reading a payment by its attempt id",
    )
    .await
}

pub async fn by_id(conn: &mut AnyConnection, id: &str) -> Result<Option<Payment>> {
    one(conn, "id = $1", id, "reading a payment").await
}

/// The order's live payment.
pub async fn live(conn: &mut AnyConnection, order_id: &str) -> Result<Option<Payment>> {
    one(
        conn,
        &format!("order_id = $1 AND status IN {LIVE}"),
        order_id,
        "reading an order's live payment",
    )
    .await
}

/// The order's newest attempt, whatever its status.
pub async fn latest(conn: &mut AnyConnection, order_id: &str) -> Result<Option<Payment>> {
    one(
        conn,
        "order_id = $1",
        order_id,
        "reading an order's latest payment",
    )
    .await
}

/// The newest attempt that used the provider's intent `intent_id`.
pub async fn by_intent(conn: &mut AnyConnection, intent_id: &str) -> Result<Option<Payment>> {
    one(
        conn,
        "intent_id = $1 AND intent_id <> ''",
        intent_id,
        "reading a payment by its provider intent",
    )
    .await
}

/// Takes the payment for the rest of the transaction and reads it as it now is, in one
/// statement (an UPDATE that changes nothing takes the row lock on PostgreSQL, and SQLite has
/// no `FOR UPDATE`).
pub async fn lock(conn: &mut AnyConnection, id: &str) -> Result<Option<Payment>> {
    let sql =
        format!("UPDATE payments SET updated_at = updated_at WHERE id = $1 RETURNING {COLUMNS}");
    returned(conn, &sql, id, "locking a payment").await
}

/// Writes the mutable fields of `p` (read under [`lock`] with status `before`), logging the
/// status change with `reason` when there is one.
pub async fn save(
    conn: &mut AnyConnection,
    before: Status,
    p: &Payment,
    reason: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE payments SET intent_id = $2, refunded_cents = $3, status = $4, failure_code = $5, \
         failure_message = $6, lease_until = $7, updated_at = $8 WHERE id = $1",
    )
    .bind(&p.id)
    .bind(&p.intent_id)
    .bind(p.refunded_cents)
    .bind(p.status.as_str())
    .bind(&p.failure_code)
    .bind(&p.failure_message)
    .bind(p.lease_until)
    .bind(p.updated_at)
    .execute(&mut *conn)
    .await
    .db_err("saving a payment")?;
    if before != p.status {
        change(conn, &p.id, Some(before), p.status, reason, p.updated_at).await?;
    }
    Ok(())
}

async fn change(
    conn: &mut AnyConnection,
    payment_id: &str,
    from: Option<Status>,
    to: Status,
    reason: &str,
    at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO payment_changes (id, payment_id, from_status, to_status, reason, at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(vici_types::new_id())
    .bind(payment_id)
    .bind(from.map(Status::as_str))
    .bind(to.as_str())
    .bind(reason)
    .bind(at)
    .execute(conn)
    .await
    .db_err("logging a payment's status change")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::domain::Status;

    #[test]
    fn the_sql_live_set_is_the_domains() {
        let live: Vec<String> = Status::ALL
            .into_iter()
            .filter(|s| s.is_live())
            .map(|s| format!("'{}'", s.as_str()))
            .collect();
        let expected = format!("({})", live.join(", "));
        assert_eq!(super::LIVE, expected);
        let migration = super::super::migrations::ALL[0]
            .sql
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            migration.contains(&format!("WHERE status IN {expected}")),
            "{migration}"
        );
    }
}
