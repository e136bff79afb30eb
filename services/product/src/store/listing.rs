//! Filtered product lists: the contract's filter as a WHERE clause, its sorts as ORDER BY,
//! pages with totals, price ranges and per-category counts.
use std::collections::{HashMap, HashSet};

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row as _};
use vici_kit::Result;
use vici_store::error::SqlxResultExt as _;

use super::products::{SELECT, fetch};
use super::{Sql, real};
use crate::domain::{Filter, Product, Scope, Sort, Status, StockScope};
use vici_proto::paging::Page;

/// Bound parameters a statement may use: SQLite's default limit is 32 766, PostgreSQL's 65 535.
/// The in-stock filter binds one per unavailable product; SQLite's cost of binding `$N`
/// parameters grows with their square, so a shop with many thousands of products out of stock
/// at once would want that filter kept in a table instead (not needed at today's scale).
const MAX_PARAMS: usize = 30_000;

/// Appends ` WHERE …` for `filter` within `scope` (never called with an empty scope).
fn where_clause(sql: &mut Sql, filter: &Filter, scope: &Scope) -> Result<()> {
    sql.push(" WHERE p.status IN ")
        .bind_list(filter.statuses.iter().map(|s| s.as_str()));
    if let Some(cats) = &scope.categories {
        sql.push(" AND p.category_id IN ").bind_list(cats.iter());
    }
    if let Some(m) = filter.min_price_cents {
        sql.push(" AND p.price_cents >= ").bind(m);
    }
    if let Some(m) = filter.max_price_cents {
        sql.push(" AND p.price_cents <= ").bind(m);
    }
    if let Some(m) = filter.rating_floor {
        sql.push(" AND p.rating >= ").bind(m);
    }
    for (column, wanted) in [
        ("is_featured", filter.is_featured),
        ("is_new", filter.is_new),
        ("is_on_sale", filter.is_on_sale),
    ] {
        if let Some(b) = wanted {
            sql.push(" AND p.").push(column).push(" = ").bind(b);
        }
    }
    if !filter.tags.is_empty() {
        sql.push(
            " AND EXISTS (SELECT 1 FROM product_tags t WHERE t.product_id = p.id AND t.tag IN ",
        )
        .bind_list(filter.tags.iter())
        .push(")");
    }
    let (ids, negate) = match &scope.stock {
        StockScope::Any => return Ok(()),
        StockScope::Exclude(ids) if ids.is_empty() => return Ok(()),
        StockScope::Exclude(ids) => (ids, true),
        StockScope::Only(ids) => (ids, false),
    };
    if sql.params() + ids.len() > MAX_PARAMS {
        return Err(vici_kit::Error::internal(anyhow::anyhow!(
            "the in-stock filter names {} unavailable products, more than one statement can bind",
            ids.len()
        )));
    }
    sql.push(if negate {
        " AND p.id NOT IN "
    } else {
        " AND p.id IN "
    })
    .bind_list(ids.iter());
    Ok(())
}

/// `ORDER BY` of each sort: the SQL spelling of `Sort::compare`, ending with name then id.
fn order_by(sort: Sort) -> &'static str {
    match sort.without_query() {
        Sort::Featured | Sort::Relevance => {
            " ORDER BY p.is_featured DESC, p.rating DESC, p.name, p.id"
        }
        Sort::PriceAsc => " ORDER BY p.price_cents ASC, p.name, p.id",
        Sort::PriceDesc => " ORDER BY p.price_cents DESC, p.name, p.id",
        Sort::Rating => " ORDER BY p.rating DESC, p.name, p.id",
        Sort::Newest => " ORDER BY p.created_at DESC, p.name, p.id",
        Sort::Name => " ORDER BY p.name, p.id",
    }
}

/// One page of the filtered list and the total across pages.
pub async fn list(
    conn: &mut AnyConnection,
    filter: &Filter,
    scope: &Scope,
    sort: Sort,
    page: Page,
) -> Result<(Vec<Product>, u64)> {
    const COUNTING: &str = "counting the filtered products";
    let mut count = Sql::new("SELECT COUNT(*) FROM products p");
    where_clause(&mut count, filter, scope)?;
    let total: i64 = count
        .query()
        .fetch_one(&mut *conn)
        .await
        .db_err(COUNTING)?
        .try_get(0)
        .db_err(COUNTING)?;
    if page.offset() >= total {
        return Ok((Vec::new(), total as u64));
    }
    let mut sql = Sql::new(SELECT);
    where_clause(&mut sql, filter, scope)?;
    sql.push(order_by(sort))
        .push(" LIMIT ")
        .bind(i64::from(page.limit))
        .push(" OFFSET ")
        .bind(page.offset());
    let products = fetch(conn, &sql, "reading a page of the filtered products").await?;
    Ok((products, total as u64))
}

/// `(min, max, avg, count)` of ACTIVE prices within `categories` (any when `None`); zeros when
/// nothing matches.
pub async fn price_range(
    conn: &mut AnyConnection,
    categories: Option<&HashSet<String>>,
) -> Result<(i64, i64, i64, u64)> {
    const DOING: &str = "reading the price range of active products";
    // AVG is cast so both backends return a float (PostgreSQL would return NUMERIC).
    let mut sql = Sql::new(
        "SELECT MIN(p.price_cents) AS lo, MAX(p.price_cents) AS hi, CAST(AVG(p.price_cents) AS DOUBLE PRECISION) AS mean, \
         COUNT(*) AS n FROM products p WHERE p.status = ",
    );
    sql.bind(Status::Active.as_str());
    if let Some(cats) = categories {
        sql.push(" AND p.category_id IN ").bind_list(cats.iter());
    }
    let row = sql.query().fetch_one(conn).await.db_err(DOING)?;
    price_stats(&row).db_err(DOING)
}

/// `(min, max, avg, count)` from the row of [`price_range`]'s statement.
fn price_stats(row: &AnyRow) -> sqlx::Result<(i64, i64, i64, u64)> {
    let n: i64 = row.try_get("n")?;
    if n == 0 {
        return Ok((0, 0, 0, 0));
    }
    Ok((
        row.try_get("lo")?,
        row.try_get("hi")?,
        real(row, "mean")?.round() as i64,
        n as u64,
    ))
}

/// ACTIVE products per category (its own, not its descendants').
pub async fn active_counts(conn: &mut AnyConnection) -> Result<HashMap<String, u64>> {
    const DOING: &str = "counting active products per category";
    let rows = sqlx::query(
        "SELECT category_id, COUNT(*) AS n FROM products WHERE status = $1 GROUP BY category_id",
    )
    .bind(Status::Active.as_str())
    .fetch_all(conn)
    .await
    .db_err(DOING)?;
    rows.iter()
        .map(|r| Ok((r.try_get("category_id")?, r.try_get::<i64, _>("n")? as u64)))
        .collect::<sqlx::Result<_>>()
        .db_err(DOING)
}
