//! The dashboard's and the analytics' answers, assembled from the projection's reads: the
//! period's buckets filled (a day without sales is a 0, not a gap), the previous period beside
//! the current one, names for what has none (a category never named is "Uncategorised").
use vici_kit::Error;
use vici_proto::event::v1 as pb;
use vici_store::{Db, now_ms};

use super::facts::day_of;
use super::period::{Interval, Period, label};
use super::query::{self, ALL_TIME, DaySums, Ranking};

/// The shop sells in one currency; the projection sums cents of it.
pub const SHOP_CURRENCY: &str = "USD";
/// Most rows of a list in an answer.
const LIST_MAX: u32 = 50;
const RECENT_DEFAULT: u32 = 10;
const TOP_DEFAULT: u32 = 10;
const UNCATEGORISED_NAME: &str = "Uncategorised";

fn failed(e: sqlx::Error) -> Error {
    Error::internal(anyhow::Error::from(e).context("reading the analytics projection"))
}

fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn bounded(asked: u32, default: u32) -> i64 {
    i64::from(if asked == 0 {
        default
    } else {
        asked.min(LIST_MAX)
    })
}

pub async fn dashboard(db: &Db, recent: u32) -> Result<pb::GetDashboardResponse, Error> {
    let limit = bounded(recent, RECENT_DEFAULT);
    let sums = query::sums(db, ALL_TIME).await.map_err(failed)?;
    let customers = query::counters(db, super::write::CUSTOMERS)
        .await
        .map_err(failed)?
        .into_iter()
        .find(|(rest, _)| rest.is_empty())
        .map_or(0, |(_, n)| n);
    let orders_by_status = query::counters(db, "status:")
        .await
        .map_err(failed)?
        .into_iter()
        .map(|(status, orders)| pb::StatusCount { status, orders })
        .collect();
    let low_stock = query::low_stock(db, limit)
        .await
        .map_err(failed)?
        .into_iter()
        .map(|(product_id, name, available, threshold)| pb::LowStock {
            product_id,
            name,
            available,
            threshold,
        })
        .collect();
    let recent_orders = query::recent_orders(db, limit)
        .await
        .map_err(failed)?
        .into_iter()
        .map(|o| pb::RecentOrder {
            order_id: o.id,
            order_number: o.number,
            user_id: o.user_id,
            status: o.status,
            total_cents: o.total_cents,
            item_count: o.item_count,
            placed_at: rfc3339(o.placed_at),
        })
        .collect();
    Ok(pb::GetDashboardResponse {
        totals: Some(pb::SalesTotals {
            revenue_cents: sums.revenue_cents,
            orders: sums.orders,
            customers,
            returning_customers: 0,
        }),
        orders_by_status,
        low_stock,
        recent_orders,
        currency: SHOP_CURRENCY.into(),
    })
}

pub async fn analytics(
    db: &Db,
    r: pb::GetAnalyticsRequest,
) -> Result<pb::GetAnalyticsResponse, Error> {
    let period = Period::parse(r.from.as_deref(), r.to.as_deref(), day_of(now_ms()))?;
    let interval = Interval::parse(r.interval.as_deref())?;
    let top = bounded(r.top, TOP_DEFAULT);
    let current = numbers(db, period).await?;
    let previous = numbers(db, period.previous()).await?;
    let buckets = period.buckets(interval);
    let mut over_time: Vec<pb::RevenuePoint> = buckets
        .iter()
        .map(|day| pb::RevenuePoint {
            date: label(*day),
            revenue_cents: 0,
            orders: 0,
        })
        .collect();
    for (day, sums) in query::daily(db, period).await.map_err(failed)? {
        let point = &mut over_time[period.bucket_of(interval, day, &buckets)];
        point.revenue_cents += sums.revenue_cents;
        point.orders += sums.orders;
    }
    let top_products = query::ranked(db, period, Ranking::Products, top)
        .await
        .map_err(failed)?
        .into_iter()
        .map(|p| pb::ProductSales {
            product_id: p.id,
            name: p.name,
            units: p.units,
            revenue_cents: p.revenue_cents,
        })
        .collect();
    let sales_by_category = query::ranked(db, period, Ranking::Categories, i64::from(LIST_MAX))
        .await
        .map_err(failed)?
        .into_iter()
        .map(|c| pb::CategorySales {
            name: if c.name.is_empty() {
                UNCATEGORISED_NAME.into()
            } else {
                c.name
            },
            category_id: c.id,
            units: c.units,
            revenue_cents: c.revenue_cents,
        })
        .collect();
    let recommendations = query::lists(db, period)
        .await
        .map_err(failed)?
        .into_iter()
        .map(|l| pb::ListStats {
            list_type: l.list_type,
            impressions: l.impressions,
            clicks: l.clicks,
            attributed_revenue_cents: l.attributed_cents,
        })
        .collect();
    Ok(pb::GetAnalyticsResponse {
        current: Some(current),
        previous: Some(previous),
        interval: interval.as_str().into(),
        top_products,
        sales_by_category,
        revenue_over_time: over_time,
        recommendations,
        currency: SHOP_CURRENCY.into(),
    })
}

/// A period's totals and funnel.
async fn numbers(db: &Db, p: Period) -> Result<pb::PeriodNumbers, Error> {
    let DaySums {
        revenue_cents,
        orders,
        sessions,
        product_views,
        add_to_carts,
        checkouts,
        purchases,
    } = query::sums(db, p).await.map_err(failed)?;
    let (customers, returning_customers) =
        super::customers::of_period(db, p).await.map_err(failed)?;
    Ok(pb::PeriodNumbers {
        from: label(p.from),
        to: label(p.to),
        totals: Some(pb::SalesTotals {
            revenue_cents,
            orders,
            customers,
            returning_customers,
        }),
        funnel: Some(pb::Funnel {
            sessions,
            product_views,
            add_to_carts,
            checkouts,
            purchases,
        }),
    })
}
