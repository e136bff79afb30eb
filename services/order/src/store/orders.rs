//! The `orders` and `order_history` tables: writing an order once, reading one or a page of
//! them, and the conditional update every status move is made of.
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row as _};
use vici_kit::Result;
use vici_store::error::SqlxResultExt as _;

use crate::domain::order::{Draft, HistoryEntry, Order, Tracking, order_number};
use crate::domain::status::{OrderStatus, PaymentStatus};
use vici_proto::paging::Page;
use vici_types::{OrderId, TypedId as _, UserId};

const COLUMNS: &str = "id, order_number, user_id, status, payment_status, payment_id, draft, \
                       tracking, status_reason, created_at, updated_at";

fn corrupt(what: &str, value: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("stored {what} `{value}` is not valid").into())
}

fn json<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> sqlx::Result<T> {
    serde_json::from_str(text).map_err(|_| corrupt(what, text))
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("snapshots serialise")
}

fn from_row(r: &AnyRow) -> sqlx::Result<Order> {
    let status: String = r.try_get("status")?;
    let payment_status: String = r.try_get("payment_status")?;
    let draft: String = r.try_get("draft")?;
    let tracking: Option<String> = r.try_get("tracking")?;
    Ok(Order {
        id: OrderId::trusted(r.try_get("id")?),
        order_number: r.try_get("order_number")?,
        user_id: UserId::trusted(r.try_get("user_id")?),
        status: OrderStatus::parse(&status).ok_or_else(|| corrupt("status", &status))?,
        payment_status: PaymentStatus::parse(&payment_status)
            .ok_or_else(|| corrupt("payment status", &payment_status))?,
        payment_id: r.try_get("payment_id")?,
        tracking: tracking
            .map(|t| json::<Tracking>("tracking", &t))
            .transpose()?,
        status_reason: r.try_get("status_reason")?,
        draft: json::<Draft>("draft", &draft)?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// The next order number. On PostgreSQL from a sequence: a counter row would be locked by every
/// checkout from its number to its commit (the lock wait was 16 ms of each checkout at 32
/// shoppers, issue 18), and a sequence takes no lock, at the price of a gap when an order's
/// transaction rolls back. On SQLite the counter row, in the caller's transaction: its one
/// writer serialises the orders anyway, and a rolled-back order gives its number back.
pub async fn next_number(conn: &mut AnyConnection) -> Result<String> {
    let sql = if conn.backend_name() == SQLITE {
        "UPDATE order_counters SET value = value + 1 WHERE name = 'order_number' RETURNING value"
    } else {
        "SELECT nextval('order_numbers')"
    };
    let n: i64 = sqlx::query_scalar(sql)
        .fetch_one(conn)
        .await
        .db_err("counting the next order number")?;
    Ok(order_number(n))
}

/// What sqlx's Any driver calls SQLite.
const SQLITE: &str = "SQLite";

/// Writes `order` unless an order with its id exists (a repeated saga step); whether it did.
pub async fn insert(conn: &mut AnyConnection, order: &Order) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO orders (id, order_number, user_id, user_email, status, payment_status, \
         payment_id, total_cents, draft, tracking, status_reason, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, $10, $11, $11) \
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(order.id.as_str())
    .bind(&order.order_number)
    .bind(order.user_id.as_str())
    .bind(&order.draft.user_email)
    .bind(order.status.as_str())
    .bind(order.payment_status.as_str())
    .bind(&order.payment_id)
    .bind(order.draft.totals.total_cents)
    .bind(to_json(&order.draft))
    .bind(&order.status_reason)
    .bind(order.created_at)
    .execute(conn)
    .await
    .db_err("inserting an order")?;
    Ok(done.rows_affected() == 1)
}

pub async fn get(conn: &mut AnyConnection, id: &OrderId) -> Result<Option<Order>> {
    let sql = format!("SELECT {COLUMNS} FROM orders WHERE id = $1");
    returned(conn, &sql, id, "reading an order").await
}

/// The order `sql` (bound to the order id `id`) returns, if any.
async fn returned(
    conn: &mut AnyConnection,
    sql: &str,
    id: &OrderId,
    doing: &'static str,
) -> Result<Option<Order>> {
    let row = sqlx::query(sql)
        .bind(id.as_str())
        .fetch_optional(conn)
        .await
        .db_err(doing)?;
    row.as_ref().map(from_row).transpose().db_err(doing)
}

/// The orders of `user_id` in `status`, newest first.
pub async fn of_user_in(
    conn: &mut AnyConnection,
    user_id: &UserId,
    status: OrderStatus,
) -> Result<Vec<Order>> {
    const READING: &str = "reading a user's orders in one status";
    let sql = format!(
        "SELECT {COLUMNS} FROM orders WHERE user_id = $1 AND status = $2 ORDER BY created_at DESC"
    );
    let rows = sqlx::query(&sql)
        .bind(user_id.as_str())
        .bind(status.as_str())
        .fetch_all(conn)
        .await
        .db_err(READING)?;
    rows.iter()
        .map(from_row)
        .collect::<sqlx::Result<_>>()
        .db_err(READING)
}

/// Writes what a move changed, provided the order is still in `from`; whether it was.
pub async fn save(conn: &mut AnyConnection, order: &Order, from: OrderStatus) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE orders SET status = $1, payment_status = $2, payment_id = $3, tracking = $4, \
         status_reason = $5, updated_at = $6 WHERE id = $7 AND status = $8",
    )
    .bind(order.status.as_str())
    .bind(order.payment_status.as_str())
    .bind(&order.payment_id)
    .bind(order.tracking.as_ref().map(to_json))
    .bind(&order.status_reason)
    .bind(order.updated_at)
    .bind(order.id.as_str())
    .bind(from.as_str())
    .execute(conn)
    .await
    .db_err("saving an order's changes")?;
    Ok(done.rows_affected() == 1)
}

/// Takes the order row's write lock for the caller's transaction without changing it, and
/// reads the order as it now is: the one point where a cancellation and a saga claiming the
/// payment meet (see `moves::cancel`). One statement: an UPDATE that changes nothing takes
/// the row lock on PostgreSQL, and SQLite has no `FOR UPDATE`.
pub async fn lock(conn: &mut AnyConnection, id: &OrderId) -> Result<Option<Order>> {
    let sql =
        format!("UPDATE orders SET updated_at = updated_at WHERE id = $1 RETURNING {COLUMNS}");
    returned(conn, &sql, id, "locking an order row").await
}

pub async fn add_history(
    conn: &mut AnyConnection,
    order_id: &OrderId,
    e: &HistoryEntry,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO order_history (id, order_id, status, note, actor, at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(vici_types::new_id())
    .bind(order_id.as_str())
    .bind(e.status.as_str())
    .bind(&e.note)
    .bind(&e.by)
    .bind(e.at)
    .execute(conn)
    .await
    .db_err("adding an order history entry")?;
    Ok(())
}

/// Oldest first; UUIDv7 ids keep entries of one millisecond in the order they were written.
pub async fn history(conn: &mut AnyConnection, order_id: &OrderId) -> Result<Vec<HistoryEntry>> {
    const READING: &str = "reading an order's history";
    let rows = sqlx::query(
        "SELECT status, note, actor, at FROM order_history WHERE order_id = $1 ORDER BY at, id",
    )
    .bind(order_id.as_str())
    .fetch_all(conn)
    .await
    .db_err(READING)?;
    rows.iter()
        .map(|r| {
            let status: String = r.try_get("status")?;
            Ok(HistoryEntry {
                status: OrderStatus::parse(&status).ok_or_else(|| corrupt("status", &status))?,
                note: r.try_get("note")?,
                at: r.try_get("at")?,
                by: r.try_get("actor")?,
            })
        })
        .collect::<sqlx::Result<_>>()
        .db_err(READING)
}

/// What a list asks for; every field narrows it.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub user_id: Option<UserId>,
    pub status: Option<OrderStatus>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    /// A user id (exact) or part of an email (case-insensitive).
    pub customer: Option<String>,
}

/// `%`, `_` and `\` match themselves in a LIKE pattern.
fn like_escape(s: &str) -> String {
    s.chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            _ => vec![c],
        })
        .collect()
}

/// A page of orders, newest first (created_at then id, so pages never overlap), and the total.
pub async fn list(conn: &mut AnyConnection, f: &Filter, page: Page) -> Result<(Vec<Order>, i64)> {
    const READING: &str = "reading a page of orders";
    let mut clauses = Vec::new();
    let mut binds: Vec<String> = Vec::new();
    let mut int_binds: Vec<i64> = Vec::new();
    // Text parameters first ($1…), then numbers, so the SQL stays one string per filter shape.
    if let Some(u) = &f.user_id {
        binds.push(u.to_string());
        clauses.push(format!("user_id = ${}", binds.len()));
    }
    if let Some(s) = f.status {
        binds.push(s.as_str().to_string());
        clauses.push(format!("status = ${}", binds.len()));
    }
    if let Some(c) = f
        .customer
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        binds.push(c.to_string());
        let exact = binds.len();
        binds.push(format!("%{}%", like_escape(&c.to_lowercase())));
        clauses.push(format!(
            "(user_id = ${exact} OR LOWER(user_email) LIKE ${} ESCAPE '\\')",
            binds.len()
        ));
    }
    let mut next = binds.len();
    for (bound, op) in [(f.from, ">="), (f.to, "<")] {
        if let Some(t) = bound {
            int_binds.push(t);
            next += 1;
            clauses.push(format!("created_at {op} ${next}"));
        }
    }
    let filter = if clauses.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", clauses.join(" AND "))
    };
    let count_sql = format!("SELECT COUNT(*) FROM orders{filter}");
    let page_sql = format!(
        "SELECT {COLUMNS} FROM orders{filter} ORDER BY created_at DESC, id DESC LIMIT ${} OFFSET ${}",
        next + 1,
        next + 2
    );
    let mut count = sqlx::query_scalar::<_, i64>(&count_sql);
    let mut rows = sqlx::query(&page_sql);
    for b in &binds {
        count = count.bind(b.clone());
        rows = rows.bind(b.clone());
    }
    for b in &int_binds {
        count = count.bind(*b);
        rows = rows.bind(*b);
    }
    let total = count
        .fetch_one(&mut *conn)
        .await
        .db_err("counting the orders a list matches")?;
    let rows = rows
        .bind(i64::from(page.limit))
        .bind(page.offset())
        .fetch_all(&mut *conn)
        .await
        .db_err(READING)?;
    let orders = rows
        .iter()
        .map(from_row)
        .collect::<sqlx::Result<_>>()
        .db_err(READING)?;
    Ok((orders, total))
}
