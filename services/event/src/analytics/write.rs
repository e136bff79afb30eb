//! The projection's writes, one text for SQLite and PostgreSQL: which events of a batch are new,
//! what the database knows of the batch's keys ([`Known`]), and the batch's [`Tally`] written
//! as multi-row upserts whose sums add to what is there (so two consumers of different
//! partitions never lose each other's additions).
use std::collections::HashSet;

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row as _};
use vici_store::sql::{Param, Sql};

use super::rows::{add_to, upsert};

use super::tally::{CountedLine, DaySums, Known, OrderRow, Tally};

/// Most values in one `IN (…)` list.
const IN_LIST: usize = 200;
/// The counter of customers with at least one counted order.
pub const CUSTOMERS: &str = "customers";
/// A product's low-stock threshold until an event says otherwise (the inventory service's).
pub const DEFAULT_THRESHOLD: i64 = 10;

type Result<T> = std::result::Result<T, sqlx::Error>;

/// Records `ids` as seen; returns those not seen before (a redelivery is applied once).
pub async fn unseen(
    conn: &mut AnyConnection,
    ids: &[&str],
    now_ms: i64,
) -> Result<HashSet<String>> {
    let unique: Vec<Vec<Param>> = ids
        .iter()
        .collect::<HashSet<_>>()
        .into_iter()
        .map(|id| vec![Param::from(*id), now_ms.into()])
        .collect();
    let rows = upsert(
        conn,
        "INSERT INTO analytics_seen (event_id, seen_at) VALUES ",
        &unique,
        " ON CONFLICT (event_id) DO NOTHING RETURNING event_id",
    )
    .await?;
    rows.iter().map(|r| r.try_get("event_id")).collect()
}

/// The keys of a batch whose rows [`load`] reads.
#[derive(Default)]
pub struct Keys {
    pub orders: HashSet<String>,
    pub visitors: HashSet<String>,
    pub days: HashSet<i64>,
    pub lists: HashSet<String>,
    pub products: HashSet<String>,
}

/// What the database knows of `keys`.
pub async fn load(conn: &mut AnyConnection, keys: &Keys) -> Result<Known> {
    let mut known = Known::default();
    for chunk in chunks(&keys.orders) {
        let mut sql = Sql::new(
            "SELECT order_id, order_number, user_id, status, placed_at, total_cents, \
             refunded_cents, item_count, counted_lines FROM analytics_orders WHERE order_id IN ",
        );
        sql.bind_list(chunk);
        for r in sql.query().fetch_all(&mut *conn).await? {
            let counted: Option<String> = r.try_get("counted_lines")?;
            let lines = counted.and_then(|c| serde_json::from_str::<Vec<CountedLine>>(&c).ok());
            let row = order_of(&r, lines)?;
            known.orders.insert(row.id.clone(), row);
        }
    }
    if !keys.visitors.is_empty() {
        let days: Vec<Param> = keys.days.iter().map(|d| Param::from(*d)).collect();
        for chunk in chunks(&keys.visitors) {
            let mut sql =
                Sql::new("SELECT day, visitor, stages FROM analytics_visits WHERE visitor IN ");
            sql.bind_list(chunk.iter().copied())
                .push(" AND day IN ")
                .bind_list(days.clone());
            for r in sql.query().fetch_all(&mut *conn).await? {
                known.visits.insert(
                    (r.try_get("day")?, r.try_get("visitor")?),
                    r.try_get("stages")?,
                );
            }
            let mut sql = Sql::new(
                "SELECT visitor, product_id, list_type, clicked_at FROM analytics_clicks WHERE visitor IN ",
            );
            sql.bind_list(chunk);
            for r in sql.query().fetch_all(&mut *conn).await? {
                known.clicks.insert(
                    (r.try_get("visitor")?, r.try_get("product_id")?),
                    (r.try_get("list_type")?, r.try_get("clicked_at")?),
                );
            }
        }
    }
    for chunk in chunks(&keys.lists) {
        let mut sql = Sql::new(
            "SELECT request_id, list_type FROM analytics_impressions WHERE request_id IN ",
        );
        sql.bind_list(chunk);
        for r in sql.query().fetch_all(&mut *conn).await? {
            known
                .impressions
                .insert(r.try_get("request_id")?, r.try_get("list_type")?);
        }
    }
    for chunk in chunks(&keys.products) {
        let mut sql = Sql::new(
            "SELECT product_id, category_id FROM analytics_products \
             WHERE category_id IS NOT NULL AND product_id IN ",
        );
        sql.bind_list(chunk);
        for r in sql.query().fetch_all(&mut *conn).await? {
            known
                .categories
                .insert(r.try_get("product_id")?, r.try_get("category_id")?);
        }
    }
    Ok(known)
}

/// An order row as read (its counted lines given apart: only the projector reads them).
pub(super) fn order_of(r: &AnyRow, counted: Option<Vec<CountedLine>>) -> Result<OrderRow> {
    Ok(OrderRow {
        id: r.try_get("order_id")?,
        number: r.try_get("order_number")?,
        user_id: r.try_get("user_id")?,
        status: r.try_get("status")?,
        placed_at: r.try_get("placed_at")?,
        total_cents: r.try_get("total_cents")?,
        refunded_cents: r.try_get("refunded_cents")?,
        item_count: r.try_get("item_count")?,
        counted,
    })
}

fn chunks(keys: &HashSet<String>) -> Vec<Vec<&str>> {
    let all: Vec<&str> = keys.iter().map(String::as_str).collect();
    all.chunks(IN_LIST).map(<[&str]>::to_vec).collect()
}

/// Writes what the batch changed.
pub async fn write(conn: &mut AnyConnection, t: &Tally) -> Result<()> {
    let orders: Vec<Vec<Param>> = t.orders.values().map(order_row).collect();
    upsert(
        conn,
        "INSERT INTO analytics_orders (order_id, order_number, user_id, status, placed_at, day, \
         total_cents, refunded_cents, item_count, counted_lines) VALUES ",
        &orders,
        " ON CONFLICT (order_id) DO UPDATE SET status = excluded.status, \
         total_cents = excluded.total_cents, refunded_cents = excluded.refunded_cents, \
         item_count = excluded.item_count, counted_lines = excluded.counted_lines",
    )
    .await?;
    let mut counters = t.counters.clone();
    *counters.entry(CUSTOMERS.into()).or_default() += super::customers::write(conn, t).await?;
    let counters: Vec<Vec<Param>> = counters
        .into_iter()
        .filter(|(_, v)| *v != 0)
        .map(|(k, v)| vec![k.into(), v.into()])
        .collect();
    add_to(conn, "analytics_counters", &["name"], &["value"], &counters).await?;
    let days: Vec<Vec<Param>> = t
        .days
        .iter()
        .map(|(day, d)| {
            let mut row = vec![Param::from(*day)];
            row.extend(d.values().map(Param::from));
            row
        })
        .collect();
    add_to(conn, "analytics_days", &["day"], &DaySums::COLUMNS, &days).await?;
    for (table, key, sales) in [
        ("analytics_product_days", "product_id", &t.product_days),
        ("analytics_category_days", "category_id", &t.category_days),
    ] {
        let rows: Vec<Vec<Param>> = sales
            .iter()
            .map(|((day, k), s)| {
                vec![
                    (*day).into(),
                    k.into(),
                    s.units.into(),
                    s.revenue_cents.into(),
                ]
            })
            .collect();
        add_to(
            conn,
            table,
            &["day", key],
            &["units", "revenue_cents"],
            &rows,
        )
        .await?;
    }
    let rows: Vec<Vec<Param>> = t
        .list_days
        .iter()
        .map(|((day, list), l)| {
            vec![
                (*day).into(),
                list.into(),
                l.impressions.into(),
                l.clicks.into(),
                l.attributed_cents.into(),
            ]
        })
        .collect();
    add_to(
        conn,
        "analytics_list_days",
        &["day", "list_type"],
        &["impressions", "clicks", "attributed_cents"],
        &rows,
    )
    .await?;
    visits_and_lists(conn, t).await?;
    super::catalogue::write(conn, t).await
}

fn order_row(o: &OrderRow) -> Vec<Param> {
    let counted = o
        .counted
        .as_ref()
        .map(|lines| serde_json::to_string(lines).expect("lines serialise"));
    vec![
        o.id.as_str().into(),
        o.number.as_str().into(),
        o.user_id.as_str().into(),
        o.status.as_str().into(),
        o.placed_at.into(),
        o.day().into(),
        o.total_cents.into(),
        o.refunded_cents.into(),
        o.item_count.into(),
        counted.as_deref().into(),
    ]
}

/// The visitors' stages, the lists shown and the clicks on them.
async fn visits_and_lists(conn: &mut AnyConnection, t: &Tally) -> Result<()> {
    let rows: Vec<Vec<Param>> = t
        .visits
        .iter()
        .map(|((day, visitor), stages)| vec![(*day).into(), visitor.into(), (*stages).into()])
        .collect();
    upsert(
        conn,
        "INSERT INTO analytics_visits (day, visitor, stages) VALUES ",
        &rows,
        " ON CONFLICT (day, visitor) DO UPDATE SET stages = excluded.stages",
    )
    .await?;
    let rows: Vec<Vec<Param>> = t
        .impressions
        .iter()
        .map(|(request, (list, at))| vec![request.into(), list.into(), (*at).into()])
        .collect();
    upsert(
        conn,
        "INSERT INTO analytics_impressions (request_id, list_type, shown_at) VALUES ",
        &rows,
        " ON CONFLICT (request_id) DO NOTHING",
    )
    .await?;
    let rows: Vec<Vec<Param>> = t
        .clicks
        .iter()
        .map(|((visitor, product), (list, at))| {
            vec![visitor.into(), product.into(), list.into(), (*at).into()]
        })
        .collect();
    upsert(
        conn,
        "INSERT INTO analytics_clicks (visitor, product_id, list_type, clicked_at) VALUES ",
        &rows,
        " ON CONFLICT (visitor, product_id) DO UPDATE SET list_type = excluded.list_type, \
         clicked_at = excluded.clicked_at",
    )
    .await
    .map(drop)
}

/// Forgets what only recent events need: ids seen before `seen_before`, lists shown and
/// clicks older than the attribution window, visits of days before `visits_before`.
pub async fn forget(
    conn: &mut AnyConnection,
    seen_before: i64,
    clicks_before: i64,
    visits_before: i64,
) -> Result<u64> {
    let mut forgotten = 0;
    for (sql, before) in [
        ("DELETE FROM analytics_seen WHERE seen_at < $1", seen_before),
        (
            "DELETE FROM analytics_impressions WHERE shown_at < $1",
            clicks_before,
        ),
        (
            "DELETE FROM analytics_clicks WHERE clicked_at < $1",
            clicks_before,
        ),
        ("DELETE FROM analytics_visits WHERE day < $1", visits_before),
    ] {
        forgotten += sqlx::query(sql)
            .bind(before)
            .execute(&mut *conn)
            .await?
            .rows_affected();
    }
    Ok(forgotten)
}
