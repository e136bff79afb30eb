//! Inventory SQL, one code path for SQLite and PostgreSQL.
use sqlx::Row as _;
use vici_kit::{Error, Result};
use vici_store::error::SqlxResultExt as _;
use vici_store::{Db, now_ms};

#[derive(Clone, Debug)]
pub struct StockRow {
    pub product_id: String,
    pub variant_id: String,
    pub available: i64,
    pub reserved: i64,
    pub threshold: i64,
}

/// `$1, $2, …, $n`: placeholders for an `IN` list (values are always bound, never spliced).
fn placeholders(n: usize) -> String {
    (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Stock rows (products and their variants) of `product_ids`.
pub async fn levels(db: &Db, product_ids: &[String]) -> Result<Vec<StockRow>> {
    let mut out = Vec::new();
    for chunk in product_ids.chunks(500) {
        let sql = format!(
            "SELECT product_id, variant_id, available, reserved, low_stock_threshold FROM stock \
             WHERE product_id IN ({}) ORDER BY product_id, variant_id",
            placeholders(chunk.len())
        );
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(id);
        }
        for row in q.fetch_all(db.reader()).await.db_err()? {
            out.push(StockRow {
                product_id: row.try_get("product_id").db_err()?,
                variant_id: row.try_get("variant_id").db_err()?,
                available: row.try_get("available").db_err()?,
                reserved: row.try_get("reserved").db_err()?,
                threshold: row.try_get("low_stock_threshold").db_err()?,
            });
        }
    }
    Ok(out)
}

pub async fn unavailable(db: &Db) -> Result<Vec<String>> {
    sqlx::query_scalar("SELECT product_id FROM stock WHERE variant_id = '' AND available = 0")
        .fetch_all(db.reader())
        .await
        .db_err()
}

/// Creates the stock records that do not exist yet; returns how many were created.
pub async fn insert_missing(db: &Db, rows: &[(String, String, i64)]) -> anyhow::Result<u64> {
    let mut created = 0;
    for chunk in rows.chunks(5000) {
        let mut tx = db.begin().await?;
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
            .await?
            .rows_affected();
        }
        tx.commit().await?;
    }
    Ok(created)
}

/// The outcome of an adjustment, for the reply and its events.
pub struct Adjusted {
    pub before: i64,
    pub after: i64,
    pub row: StockRow,
}

/// Reads the row, computes the new quantity with `compute`, and writes it only if nobody changed
/// it meanwhile (compare-and-set, portable to both backends); records the movement and the events
/// `announce` derives from the change, all in one transaction.
pub async fn adjust(
    db: &Db,
    product_id: &str,
    variant_id: &str,
    reason: &str,
    actor: &str,
    compute: impl Fn(i64) -> Result<i64>,
    announce: impl Fn(&Adjusted) -> Vec<vici_bus::CloudEvent>,
) -> Result<Adjusted> {
    for _ in 0..20 {
        let mut tx = db.begin().await.db_err()?;
        let row = sqlx::query(
            "SELECT available, reserved, low_stock_threshold FROM stock WHERE product_id = $1 AND variant_id = $2",
        )
        .bind(product_id)
        .bind(variant_id)
        .fetch_optional(&mut *tx)
        .await
        .db_err()?
        .ok_or_else(|| Error::not_found("No stock record for this product"))?;
        let before: i64 = row.try_get("available").db_err()?;
        let after = compute(before)?;
        let changed = sqlx::query(
            "UPDATE stock SET available = $1, updated_at = $2 WHERE product_id = $3 AND variant_id = $4 AND available = $5",
        )
        .bind(after)
        .bind(now_ms())
        .bind(product_id)
        .bind(variant_id)
        .bind(before)
        .execute(&mut *tx)
        .await
        .db_err()?
        .rows_affected();
        if changed == 0 {
            continue; // Someone else changed it between our read and write: read again.
        }
        sqlx::query(
            "INSERT INTO movements (id, product_id, variant_id, delta, before_qty, after_qty, reason, actor, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(vici_kit::ids::new_id().to_string())
        .bind(product_id)
        .bind(variant_id)
        .bind(after - before)
        .bind(before)
        .bind(after)
        .bind(reason)
        .bind(actor)
        .bind(now_ms())
        .execute(&mut *tx)
        .await
        .db_err()?;
        let adjusted = Adjusted {
            before,
            after,
            row: StockRow {
                product_id: product_id.into(),
                variant_id: variant_id.into(),
                available: after,
                reserved: row.try_get("reserved").db_err()?,
                threshold: row.try_get("low_stock_threshold").db_err()?,
            },
        };
        for event in announce(&adjusted) {
            vici_store::outbox::enqueue(
                &mut tx,
                vici_bus::topics::INVENTORY_EVENTS,
                product_id,
                &event,
            )
            .await
            .db_err()?;
        }
        tx.commit().await.db_err()?;
        return Ok(adjusted);
    }
    Err(Error::unavailable(
        "Stock is changing too quickly; please retry",
    ))
}

pub struct Movement {
    pub id: String,
    pub product_id: String,
    pub variant_id: String,
    pub delta: i64,
    pub before: i64,
    pub after: i64,
    pub reason: String,
    pub actor: String,
    pub at: i64,
}

pub async fn movements(
    db: &Db,
    product_id: &str,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Movement>, i64)> {
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM movements WHERE product_id = $1")
        .bind(product_id)
        .fetch_one(db.reader())
        .await
        .db_err()?;
    let rows = sqlx::query(
        "SELECT id, product_id, variant_id, delta, before_qty, after_qty, reason, actor, at FROM movements \
         WHERE product_id = $1 ORDER BY at DESC, id DESC LIMIT $2 OFFSET $3",
    )
    .bind(product_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(db.reader())
    .await
    .db_err()?;
    let list = rows
        .into_iter()
        .map(|r| {
            Ok(Movement {
                id: r.try_get("id")?,
                product_id: r.try_get("product_id")?,
                variant_id: r.try_get("variant_id")?,
                delta: r.try_get("delta")?,
                before: r.try_get("before_qty")?,
                after: r.try_get("after_qty")?,
                reason: r.try_get("reason")?,
                actor: r.try_get("actor")?,
                at: r.try_get("at")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .db_err()?;
    Ok((list, total))
}
