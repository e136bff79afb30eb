//! Reservations and their lines. A reservation's lines never change after it is created; its
//! status changes only through [`transition`], a conditional update that exactly one of any
//! number of concurrent callers wins, and only the winner moves stock.
use sqlx::Row as _;
use vici_bus::CloudEvent;
use vici_kit::{Error, Result};
use vici_store::error::SqlxResultExt as _;
use vici_store::{AnyConnection, Db, now_ms};

use super::{enqueue, stock};
use crate::domain::no_stock_record;
use crate::domain::reservation::{Line, LineMove, Move, Status};

#[derive(Clone, Debug)]
pub struct Reservation {
    pub id: String,
    pub order_id: String,
    pub status: Status,
    /// In lock order (see [`Line`]).
    pub lines: Vec<Line>,
    pub expires_at: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What [`get`] says it was doing when a reservation's own row cannot be read.
const READING: &str = "reading a reservation";

/// The reservation of `order_id`, if it has one: its row and its lines in one statement (a
/// checkout reads it at every step after the first).
pub async fn get(db: &Db, order_id: &str) -> Result<Option<Reservation>> {
    let rows = sqlx::query(
        "SELECT r.id, r.status, r.expires_at, r.created_at, r.updated_at, \
         l.product_id, l.variant_id, l.quantity \
         FROM reservations r LEFT JOIN reservation_lines l ON l.reservation_id = r.id \
         WHERE r.order_id = $1",
    )
    .bind(order_id)
    .fetch_all(db.reader())
    .await
    .db_err(READING)?;
    let Some(head) = rows.first() else {
        return Ok(None);
    };
    let id: String = head.try_get("id").db_err(READING)?;
    let status: String = head.try_get("status").db_err(READING)?;
    let status = Status::parse(&status).ok_or_else(|| {
        Error::internal(anyhow::anyhow!(
            "reservation {id}: unknown status {status:?}"
        ))
    })?;
    let mut lines = Vec::with_capacity(rows.len());
    for r in &rows {
        // A reservation always has lines; the outer join keeps its row readable if not.
        let Some(product_id) = r
            .try_get::<Option<String>, _>("product_id")
            .db_err(READING)?
        else {
            continue;
        };
        lines.push(Line {
            product_id,
            variant_id: r.try_get("variant_id").db_err(READING)?,
            quantity: r.try_get("quantity").db_err(READING)?,
        });
    }
    // Rust's order, not the database collation's: it is the lock order every writer follows.
    lines.sort();
    Ok(Some(Reservation {
        id,
        order_id: order_id.into(),
        status,
        lines,
        expires_at: head.try_get("expires_at").db_err(READING)?,
        created_at: head.try_get("created_at").db_err(READING)?,
        updated_at: head.try_get("updated_at").db_err(READING)?,
    }))
}

pub enum Created {
    New(Reservation),
    /// The order already has a reservation (possibly created a moment ago by a concurrent call).
    Exists,
}

/// Creates a HELD reservation for `order_id` taking every line from available stock, or
/// nothing at all. `lines` must be merged and in lock order ([`crate::domain::reservation::normalize_lines`]).
pub async fn create(db: &Db, order_id: &str, lines: &[Line], expires_at: i64) -> Result<Created> {
    let id = vici_types::new_id();
    let now = now_ms();
    let mut tx = db
        .begin()
        .await
        .db_err("starting the reservation transaction")?;
    // The order's row goes in first: a concurrent Reserve for the same order waits here (on
    // PostgreSQL, for our commit or rollback) and then finds ours, before touching any stock.
    let inserted = sqlx::query(
        "INSERT INTO reservations (id, order_id, status, expires_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (order_id) DO NOTHING",
    )
    .bind(&id)
    .bind(order_id)
    .bind(Status::Held.as_str())
    .bind(expires_at)
    .bind(now)
    .execute(&mut *tx)
    .await
    .db_err("inserting a reservation")?
    .rows_affected();
    if inserted == 0 {
        return Ok(Created::Exists);
    }
    for line in lines {
        sqlx::query(
            "INSERT INTO reservation_lines (reservation_id, product_id, variant_id, quantity) VALUES ($1, $2, $3, $4)",
        )
        .bind(&id)
        .bind(&line.product_id)
        .bind(&line.variant_id)
        .bind(line.quantity)
        .execute(&mut *tx)
        .await
        .db_err("inserting a reservation line")?;
        take(&mut tx, line, order_id).await?;
    }
    tx.commit().await.db_err("committing the new reservation")?;
    Ok(Created::New(Reservation {
        id,
        order_id: order_id.into(),
        status: Status::Held,
        lines: lines.to_vec(),
        expires_at,
        created_at: now,
        updated_at: now,
    }))
}

/// Moves `line` from available to reserved, or says why it cannot.
async fn take(conn: &mut AnyConnection, line: &Line, order_id: &str) -> Result<()> {
    // On PostgreSQL a release can commit between a refused update and the read that explains
    // it; the read then shows enough stock and the update is simply tried again.
    for _ in 0..3 {
        if stock::move_line(conn, line, LineMove::Reserve, order_id, None)
            .await?
            .is_some()
        {
            return Ok(());
        }
        match stock::row(conn, &line.product_id, &line.variant_id).await? {
            None => return Err(no_stock_record(&line.product_id, &line.variant_id)),
            Some(row) if row.available < line.quantity => {
                return Err(Error::out_of_stock(
                    &line.product_id,
                    Some(&line.variant_id),
                    row.available,
                ));
            }
            Some(_) => {}
        }
    }
    Err(Error::unavailable(
        "Stock is changing too quickly; please retry",
    ))
}

/// Moves `r` from `mv.from` to `mv.to` and applies `mv.lines` to each of its lines, with `also`
/// (keyed by order id) in the same transaction; false, with nothing changed, when `r` is no
/// longer in `mv.from` (a concurrent call moved it first).
pub async fn transition(
    db: &Db,
    r: &Reservation,
    mv: Move,
    note: Option<&str>,
    now: i64,
    also: &[CloudEvent],
) -> Result<bool> {
    let mut tx = db
        .begin()
        .await
        .db_err("starting the reservation status change transaction")?;
    let won = sqlx::query(
        "UPDATE reservations SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4",
    )
    .bind(mv.to.as_str())
    .bind(now)
    .bind(&r.id)
    .bind(mv.from.as_str())
    .execute(&mut *tx)
    .await
    .db_err("changing a reservation's status")?
    .rows_affected();
    if won != 1 {
        return Ok(false);
    }
    for line in &r.lines {
        if stock::move_line(&mut tx, line, mv.lines, &r.order_id, note)
            .await?
            .is_none()
        {
            // Only reservations change `reserved`, so a held or committed line always fits;
            // refusing (and rolling back) beats recording stock that does not add up.
            return Err(Error::internal(anyhow::anyhow!(
                "reservation {}: cannot apply {} to {}/{:?}: stock row missing or short",
                r.id,
                mv.lines.kind(),
                line.product_id,
                line.variant_id
            )));
        }
    }
    enqueue(&mut tx, &r.order_id, also).await?;
    tx.commit()
        .await
        .db_err("committing the reservation status change")?;
    Ok(true)
}

/// Up to `limit` HELD reservations expired at `now` that come after `after` in (expiry, order
/// id) order, as (expiry, order id): a keyset walk, so one that cannot be released is passed
/// over instead of blocking the ones behind it.
pub async fn due(
    db: &Db,
    now: i64,
    after: &(i64, String),
    limit: i64,
) -> Result<Vec<(i64, String)>> {
    let rows = sqlx::query(
        "SELECT expires_at, order_id FROM reservations WHERE status = $1 AND expires_at <= $2 \
         AND (expires_at > $3 OR (expires_at = $3 AND order_id > $4)) \
         ORDER BY expires_at, order_id LIMIT $5",
    )
    .bind(Status::Held.as_str())
    .bind(now)
    .bind(after.0)
    .bind(&after.1)
    .bind(limit)
    .fetch_all(db.reader())
    .await
    .db_err("listing expired reservations")?;
    rows.iter()
        .map(|r| Ok((r.try_get("expires_at")?, r.try_get("order_id")?)))
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .db_err("listing expired reservations")
}
