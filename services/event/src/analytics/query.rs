//! The projection's reads, one text for SQLite and PostgreSQL. Every period question sums
//! per-day rows (a year is at most 366 rows of the day table), so an answer costs the days
//! asked about, not the orders or events behind them (distinct customers: `customers`).
use sqlx::Row as _;
use sqlx::any::AnyRow;
use vici_store::Db;

use super::period::Period;
pub use super::tally::DaySums;

type Result<T> = std::result::Result<T, sqlx::Error>;

/// Every day the projection could hold.
pub const ALL_TIME: Period = Period {
    from: i64::MIN / 2,
    to: i64::MAX / 2,
};

/// The rows of `sql`, whose `$1` and `$2` are the period's first and last day and `$3` (when
/// given) a limit.
async fn in_period(db: &Db, sql: &str, p: Period, limit: Option<i64>) -> Result<Vec<AnyRow>> {
    let mut query = sqlx::query(sql).bind(p.from).bind(p.to);
    if let Some(limit) = limit {
        query = query.bind(limit);
    }
    query.fetch_all(db.reader()).await
}

/// PostgreSQL sums BIGINTs to NUMERIC, which the portable driver cannot read back.
fn sum(column: &str) -> String {
    format!("CAST(COALESCE(SUM({column}), 0) AS BIGINT) AS {column}")
}

fn sums_of(r: &AnyRow) -> Result<DaySums> {
    Ok(DaySums {
        revenue_cents: r.try_get("revenue_cents")?,
        orders: r.try_get("orders")?,
        sessions: r.try_get("sessions")?,
        product_views: r.try_get("product_views")?,
        add_to_carts: r.try_get("add_to_carts")?,
        checkouts: r.try_get("checkouts")?,
        purchases: r.try_get("purchases")?,
    })
}

/// The period's sums.
pub async fn sums(db: &Db, p: Period) -> Result<DaySums> {
    let columns: Vec<String> = DaySums::COLUMNS.iter().map(|c| sum(c)).collect();
    let sql = format!(
        "SELECT {} FROM analytics_days WHERE day BETWEEN $1 AND $2",
        columns.join(", ")
    );
    let rows = in_period(db, &sql, p, None).await?;
    rows.first().map_or(Ok(DaySums::default()), sums_of)
}

/// Each day of the period that has sums, in order.
pub async fn daily(db: &Db, p: Period) -> Result<Vec<(i64, DaySums)>> {
    let sql = format!(
        "SELECT day, {} FROM analytics_days WHERE day BETWEEN $1 AND $2 ORDER BY day",
        DaySums::COLUMNS.join(", ")
    );
    let rows = in_period(db, &sql, p, None).await?;
    rows.iter()
        .map(|r| Ok((r.try_get("day")?, sums_of(r)?)))
        .collect()
}

/// A product's or category's sales in a period.
#[derive(Clone, Debug, PartialEq)]
pub struct Ranked {
    pub id: String,
    pub name: String,
    pub units: i64,
    pub revenue_cents: i64,
}

/// The `limit` best-selling products (by revenue) or categories of the period.
pub async fn ranked(db: &Db, p: Period, of: Ranking, limit: i64) -> Result<Vec<Ranked>> {
    let (table, key, names) = match of {
        Ranking::Products => ("analytics_product_days", "product_id", "analytics_products"),
        Ranking::Categories => (
            "analytics_category_days",
            "category_id",
            "analytics_categories",
        ),
    };
    let sql = format!(
        "SELECT t.{key} AS id, COALESCE(n.name, '') AS name, t.units, t.revenue_cents FROM \
         (SELECT {key}, {units}, {revenue} FROM {table} WHERE day BETWEEN $1 AND $2 \
          GROUP BY {key} HAVING SUM(units) <> 0 OR SUM(revenue_cents) <> 0 \
          ORDER BY revenue_cents DESC, {key} LIMIT $3) t \
         LEFT JOIN {names} n ON n.{key} = t.{key} ORDER BY t.revenue_cents DESC, t.{key}",
        units = sum("units"),
        revenue = sum("revenue_cents"),
    );
    let rows = in_period(db, &sql, p, Some(limit)).await?;
    rows.iter()
        .map(|r| {
            Ok(Ranked {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                units: r.try_get("units")?,
                revenue_cents: r.try_get("revenue_cents")?,
            })
        })
        .collect()
}

#[derive(Clone, Copy)]
pub enum Ranking {
    Products,
    Categories,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ListSums {
    pub list_type: String,
    pub impressions: i64,
    pub clicks: i64,
    pub attributed_cents: i64,
}

/// Each recommendation list's numbers in the period, by list type.
pub async fn lists(db: &Db, p: Period) -> Result<Vec<ListSums>> {
    let sql = format!(
        "SELECT list_type, {}, {}, {} FROM analytics_list_days WHERE day BETWEEN $1 AND $2 \
         GROUP BY list_type ORDER BY list_type",
        sum("impressions"),
        sum("clicks"),
        sum("attributed_cents")
    );
    let rows = in_period(db, &sql, p, None).await?;
    rows.iter()
        .map(|r| {
            Ok(ListSums {
                list_type: r.try_get("list_type")?,
                impressions: r.try_get("impressions")?,
                clicks: r.try_get("clicks")?,
                attributed_cents: r.try_get("attributed_cents")?,
            })
        })
        .collect()
}

/// The counters whose names start with `prefix`, without it, where not zero.
pub async fn counters(db: &Db, prefix: &str) -> Result<Vec<(String, i64)>> {
    let rows = sqlx::query(
        "SELECT name, value FROM analytics_counters WHERE name LIKE $1 AND value <> 0 ORDER BY name",
    )
    .bind(format!("{prefix}%"))
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|r| {
            let name: String = r.try_get("name")?;
            Ok((name[prefix.len()..].to_string(), r.try_get("value")?))
        })
        .collect()
}

/// Products on sale at or below their low-stock threshold, fewest first.
pub async fn low_stock(db: &Db, limit: i64) -> Result<Vec<(String, String, i64, i64)>> {
    let rows = sqlx::query(
        "SELECT s.product_id, COALESCE(p.name, '') AS name, s.available, s.threshold \
         FROM analytics_stock s LEFT JOIN analytics_products p ON p.product_id = s.product_id \
         WHERE s.available <= s.threshold AND COALESCE(p.active, 1) <> 0 \
         ORDER BY s.available, s.product_id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("product_id")?,
                r.try_get("name")?,
                r.try_get("available")?,
                r.try_get("threshold")?,
            ))
        })
        .collect()
}

/// The newest `limit` orders, whatever their status.
pub async fn recent_orders(db: &Db, limit: i64) -> Result<Vec<super::tally::OrderRow>> {
    let rows = sqlx::query(
        "SELECT order_id, order_number, user_id, status, placed_at, total_cents, refunded_cents, \
         item_count FROM analytics_orders ORDER BY placed_at DESC, order_id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|r| super::write::order_of(r, None))
        .collect()
}
