//! Inventory SQL, one code path for SQLite and PostgreSQL: stock rows (`stock`), reservations
//! (`reservations`), and what every stock change writes beside itself: a movement and its
//! outbox events, in the same transaction.
pub mod reservations;
pub mod stock;

use sqlx::Row as _;
use vici_bus::CloudEvent;
use vici_kit::Result;
use vici_store::error::SqlxResultExt as _;
use vici_store::{AnyConnection, Db, now_ms};
use vici_types::ProductId;

#[derive(Clone, Debug)]
pub struct StockRow {
    pub product_id: String,
    pub variant_id: String,
    pub available: i64,
    pub reserved: i64,
    pub threshold: i64,
}

/// A stock change to record in the history.
pub struct NewMovement<'a> {
    pub product_id: &'a str,
    pub variant_id: &'a str,
    pub kind: &'a str,
    /// Change of `available`.
    pub delta: i64,
    pub reserved_delta: i64,
    pub before: i64,
    pub after: i64,
    pub reason: &'a str,
    pub actor: &'a str,
    pub order_id: Option<&'a str>,
}

/// Records `m` and enqueues `events` (keyed by its product) on the transaction behind `conn`.
async fn record(
    conn: &mut AnyConnection,
    m: &NewMovement<'_>,
    events: &[CloudEvent],
) -> Result<()> {
    sqlx::query(
        "INSERT INTO movements (id, product_id, variant_id, kind, delta, reserved_delta, before_qty, after_qty, \
         reason, actor, order_id, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(vici_types::new_id())
    .bind(m.product_id)
    .bind(m.variant_id)
    .bind(m.kind)
    .bind(m.delta)
    .bind(m.reserved_delta)
    .bind(m.before)
    .bind(m.after)
    .bind(m.reason)
    .bind(m.actor)
    .bind(m.order_id)
    .bind(now_ms())
    .execute(&mut *conn)
    .await
    .db_err("recording a stock movement")?;
    enqueue(conn, m.product_id, events).await
}

async fn enqueue(conn: &mut AnyConnection, key: &str, events: &[CloudEvent]) -> Result<()> {
    for event in events {
        vici_store::outbox::enqueue(conn, vici_bus::topics::INVENTORY_EVENTS, key, event)
            .await
            .db_err("queueing an inventory event")?;
    }
    Ok(())
}

pub struct Movement {
    pub id: String,
    pub product_id: String,
    pub variant_id: String,
    pub kind: String,
    pub delta: i64,
    pub reserved_delta: i64,
    pub before: i64,
    pub after: i64,
    pub reason: String,
    pub actor: String,
    pub order_id: Option<String>,
    pub at: i64,
}

/// A page of `product_id`'s movements (its variants' included), newest first, and the total.
pub async fn movements(
    db: &Db,
    product_id: &ProductId,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Movement>, i64)> {
    let product_id = product_id.as_str();
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM movements WHERE product_id = $1")
        .bind(product_id)
        .fetch_one(db.reader())
        .await
        .db_err("counting a product's stock movements")?;
    let rows = sqlx::query(
        "SELECT id, product_id, variant_id, kind, delta, reserved_delta, before_qty, after_qty, reason, actor, \
         order_id, at FROM movements WHERE product_id = $1 ORDER BY at DESC, id DESC LIMIT $2 OFFSET $3",
    )
    .bind(product_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(db.reader())
    .await
    .db_err("reading a page of a product's stock movements")?;
    let list = rows
        .into_iter()
        .map(|r| {
            Ok(Movement {
                id: r.try_get("id")?,
                product_id: r.try_get("product_id")?,
                variant_id: r.try_get("variant_id")?,
                kind: r.try_get("kind")?,
                delta: r.try_get("delta")?,
                reserved_delta: r.try_get("reserved_delta")?,
                before: r.try_get("before_qty")?,
                after: r.try_get("after_qty")?,
                reason: r.try_get("reason")?,
                actor: r.try_get("actor")?,
                order_id: r.try_get("order_id")?,
                at: r.try_get("at")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .db_err("reading a page of a product's stock movements")?;
    Ok((list, total))
}
