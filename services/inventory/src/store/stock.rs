//! Stock rows: batch reads, seeding, admin adjustments and thresholds, and the one statement
//! every reservation step moves stock with.
use sqlx::Row as _;
use vici_kit::Result;
use vici_store::error::SqlxResultExt as _;
use vici_store::sql::Sql;
use vici_store::{AnyConnection, AnyRow, Db, now_ms};
use vici_types::{ProductId, VariantId};

use super::{NewMovement, StockRow, record};
use crate::domain::reservation::{Line, LineMove};
use crate::domain::{self, ADJUST};
use crate::events;

fn stock_row(product_id: &str, variant_id: &str, row: &AnyRow) -> sqlx::Result<StockRow> {
    Ok(StockRow {
        product_id: product_id.into(),
        variant_id: variant_id.into(),
        available: row.try_get("available")?,
        reserved: row.try_get("reserved")?,
        threshold: row.try_get("low_stock_threshold")?,
    })
}

/// A row of a batch read, which names its product and variant itself.
fn level_from_row(row: &AnyRow) -> sqlx::Result<StockRow> {
    let product: String = row.try_get("product_id")?;
    let variant: String = row.try_get("variant_id")?;
    stock_row(&product, &variant, row)
}

/// Stock rows (products and their variants) of `product_ids`.
pub async fn levels(db: &Db, product_ids: &[ProductId]) -> Result<Vec<StockRow>> {
    let mut out = Vec::new();
    for chunk in product_ids.chunks(500) {
        let mut sql = Sql::new(
            "SELECT product_id, variant_id, available, reserved, low_stock_threshold FROM stock \
             WHERE product_id IN ",
        );
        sql.bind_list(chunk.iter().map(ProductId::as_str))
            .push(" ORDER BY product_id, variant_id");
        let rows = sql
            .query()
            .fetch_all(db.reader())
            .await
            .db_err("reading stock levels")?;
        let levels = rows
            .iter()
            .map(level_from_row)
            .collect::<sqlx::Result<Vec<_>>>()
            .db_err("reading stock levels")?;
        out.extend(levels);
    }
    Ok(out)
}

pub async fn unavailable(db: &Db) -> Result<Vec<String>> {
    sqlx::query_scalar("SELECT product_id FROM stock WHERE variant_id = '' AND available = 0")
        .fetch_all(db.reader())
        .await
        .db_err("listing the products out of stock")
}

/// Creates the stock records that do not exist yet; returns how many were created.
pub async fn insert_missing(db: &Db, rows: &[(String, String, i64)]) -> Result<u64> {
    let mut created = 0;
    for chunk in rows.chunks(5000) {
        let mut tx = db
            .begin()
            .await
            .db_err("starting the transaction creating stock records")?;
        for (product, variant, qty) in chunk {
            created += sqlx::query(
                "INSERT INTO stock (product_id, variant_id, available, reserved, updated_at) \
                 VALUES ($1, $2, $3, 0, $4) ON CONFLICT DO NOTHING",
            )
            .bind(product)
            .bind(variant)
            .bind(qty.max(&0))
            .bind(now_ms())
            .execute(&mut *tx)
            .await
            .db_err("creating a stock record")?
            .rows_affected();
        }
        tx.commit()
            .await
            .db_err("committing the new stock records")?;
    }
    Ok(created)
}

/// The stock row as the transaction behind `conn` sees it.
pub(super) async fn row(
    conn: &mut AnyConnection,
    product_id: &str,
    variant_id: &str,
) -> Result<Option<StockRow>> {
    let row = sqlx::query(
        "SELECT available, reserved, low_stock_threshold FROM stock WHERE product_id = $1 AND variant_id = $2",
    )
    .bind(product_id)
    .bind(variant_id)
    .fetch_optional(conn)
    .await
    .db_err("reading a stock row")?;
    row.map(|r| stock_row(product_id, variant_id, &r))
        .transpose()
        .db_err("reading a stock row")
}

/// Sets the available quantity to what `compute` makes of the current one, recording the
/// movement and its events, all in one transaction.
pub async fn adjust(
    db: &Db,
    product_id: &ProductId,
    variant_id: Option<&VariantId>,
    reason: &str,
    actor: &str,
    compute: impl Fn(i64) -> Result<i64>,
) -> Result<StockRow> {
    let product_id = product_id.as_str();
    // The product's own row has no variant id.
    let variant_id = variant_id.map_or("", VariantId::as_str);
    let mut tx = db
        .begin()
        .await
        .db_err("starting the stock adjustment transaction")?;
    // Touching the row first takes its lock on PostgreSQL (SQLite has a single writer anyway),
    // so the quantity `compute` sees cannot change before the write: no lost update, and no
    // compare-and-set retries that a burst of reservations could starve.
    let locked = sqlx::query(
        "UPDATE stock SET updated_at = $1 WHERE product_id = $2 AND variant_id = $3 \
         RETURNING available, reserved, low_stock_threshold",
    )
    .bind(now_ms())
    .bind(product_id)
    .bind(variant_id)
    .fetch_optional(&mut *tx)
    .await
    .db_err("locking a stock row to adjust it")?
    .ok_or_else(|| domain::no_stock_record(product_id, variant_id))?;
    let mut row =
        stock_row(product_id, variant_id, &locked).db_err("locking a stock row to adjust it")?;
    let before = row.available;
    let after = compute(before)?;
    sqlx::query("UPDATE stock SET available = $1 WHERE product_id = $2 AND variant_id = $3")
        .bind(after)
        .bind(product_id)
        .bind(variant_id)
        .execute(&mut *tx)
        .await
        .db_err("setting a stock row's available quantity")?;
    row.available = after;
    let movement = NewMovement {
        product_id,
        variant_id,
        kind: ADJUST,
        delta: after - before,
        reserved_delta: 0,
        before,
        after,
        reason,
        actor,
        order_id: None,
    };
    record(&mut tx, &movement, &events::stock_changed(&row, before)).await?;
    tx.commit()
        .await
        .db_err("committing the stock adjustment")?;
    Ok(row)
}

/// Sets the product's own low-stock threshold; false when it has no stock record.
pub async fn set_threshold(db: &Db, product_id: &ProductId, threshold: i64) -> Result<bool> {
    let changed = sqlx::query(
        "UPDATE stock SET low_stock_threshold = $1, updated_at = $2 WHERE product_id = $3 AND variant_id = ''",
    )
    .bind(threshold)
    .bind(now_ms())
    .bind(product_id.as_str())
    .execute(db.writer())
    .await
    .db_err("setting a product's low-stock threshold")?
    .rows_affected();
    Ok(changed == 1)
}

/// Applies `step` to the stock row of `line` and records it (movement by "system", events).
/// `None`, with nothing changed, when the row does not exist or the step would take its
/// available or reserved count below zero: the check and the change are one statement, so no
/// concurrent writer can slip in between (PostgreSQL re-checks the condition after waiting for
/// the row's lock).
pub(super) async fn move_line(
    conn: &mut AnyConnection,
    line: &Line,
    step: LineMove,
    order_id: &str,
    note: Option<&str>,
) -> Result<Option<StockRow>> {
    let (delta, reserved_delta) = step.deltas(line.quantity);
    let changed = sqlx::query(
        "UPDATE stock SET available = available + $1, reserved = reserved + $2, updated_at = $3 \
         WHERE product_id = $4 AND variant_id = $5 AND available + $1 >= 0 AND reserved + $2 >= 0 \
         RETURNING available, reserved, low_stock_threshold",
    )
    .bind(delta)
    .bind(reserved_delta)
    .bind(now_ms())
    .bind(&line.product_id)
    .bind(&line.variant_id)
    .fetch_optional(&mut *conn)
    .await
    .db_err("moving stock for a reservation line")?;
    let Some(changed) = changed else {
        return Ok(None);
    };
    let row = stock_row(&line.product_id, &line.variant_id, &changed)
        .db_err("moving stock for a reservation line")?;
    let before = row.available - delta;
    let movement = NewMovement {
        product_id: &line.product_id,
        variant_id: &line.variant_id,
        kind: step.kind(),
        delta,
        reserved_delta,
        before,
        after: row.available,
        reason: &step.reason(order_id, note),
        actor: "system",
        order_id: Some(order_id),
    };
    record(conn, &movement, &events::stock_changed(&row, before)).await?;
    Ok(Some(row))
}
