//! The admin dashboard and analytics of contract "Admin", from the event service's projection:
//! dollars rendered here, rates as percentages with two decimals (3.25 means 3.25 %).
use serde::Serialize;
use utoipa::ToSchema;
use vici_proto::event::v1 as pb;

use super::dollars;

/// `part` of `whole` in percent, two decimals; 0 when there is no whole.
fn percent(part: i64, whole: i64) -> f64 {
    if whole <= 0 {
        return 0.0;
    }
    (part as f64 * 10_000.0 / whole as f64).round() / 100.0
}

/// Revenue per order, to the cent.
fn average_cents(revenue_cents: i64, orders: i64) -> i64 {
    if orders <= 0 {
        return 0;
    }
    (revenue_cents as f64 / orders as f64).round() as i64
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LowStockDto {
    product_id: String,
    name: String,
    available: i64,
    threshold: i64,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecentOrderDto {
    id: String,
    order_number: String,
    user_id: String,
    status: String,
    total: f64,
    item_count: i64,
    created_at: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DashboardDto {
    /// Revenue of every confirmed order not cancelled, net of refunds, since the shop opened.
    total_revenue: f64,
    /// Confirmed orders not cancelled (a refunded order still counts).
    total_orders: i64,
    /// Customers with at least one such order.
    total_customers: i64,
    average_order_value: f64,
    /// Orders per status, every status with at least one order.
    #[schema(value_type = Object)]
    orders_by_status: serde_json::Map<String, serde_json::Value>,
    low_stock: Vec<LowStockDto>,
    recent_orders: Vec<RecentOrderDto>,
    currency: String,
}

impl From<pb::GetDashboardResponse> for DashboardDto {
    fn from(d: pb::GetDashboardResponse) -> Self {
        let t = d.totals.unwrap_or_default();
        Self {
            total_revenue: dollars(t.revenue_cents),
            total_orders: t.orders,
            total_customers: t.customers,
            average_order_value: dollars(average_cents(t.revenue_cents, t.orders)),
            orders_by_status: d
                .orders_by_status
                .into_iter()
                .map(|s| (s.status, s.orders.into()))
                .collect(),
            low_stock: d
                .low_stock
                .into_iter()
                .map(|l| LowStockDto {
                    product_id: l.product_id,
                    name: l.name,
                    available: l.available,
                    threshold: l.threshold,
                })
                .collect(),
            recent_orders: d
                .recent_orders
                .into_iter()
                .map(|o| RecentOrderDto {
                    id: o.order_id,
                    order_number: o.order_number,
                    user_id: o.user_id,
                    status: o.status,
                    total: dollars(o.total_cents),
                    item_count: o.item_count,
                    created_at: o.placed_at,
                })
                .collect(),
            currency: d.currency,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProductSalesDto {
    product_id: String,
    name: String,
    /// Units sold.
    sales: i64,
    revenue: f64,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CategorySalesDto {
    category_id: String,
    category: String,
    /// Units sold.
    sales: i64,
    revenue: f64,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RevenuePointDto {
    /// The first day of the bucket within the period.
    date: String,
    revenue: f64,
    orders: i64,
}

#[derive(Serialize, ToSchema, Default)]
#[serde(rename_all = "camelCase")]
pub struct FunnelDto {
    /// Visitor-days: a signed-in user's day, or an anonymous session's.
    sessions: i64,
    product_views: i64,
    add_to_carts: i64,
    checkouts: i64,
    purchases: i64,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListStatsDto {
    list_type: String,
    impressions: i64,
    clicks: i64,
    /// Clicks per impression, in percent.
    ctr: f64,
    /// Purchases within 7 days of a click on the list.
    attributed_revenue: f64,
}

/// A period's totals.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PeriodDto {
    from: String,
    to: String,
    total_revenue: f64,
    total_orders: i64,
    total_customers: i64,
    average_order_value: f64,
    /// Sessions that purchased, in percent.
    conversion_rate: f64,
    /// Customers of the period who had bought before it or bought twice in it, in percent.
    returning_customer_rate: f64,
    funnel: FunnelDto,
}

impl From<pb::PeriodNumbers> for PeriodDto {
    fn from(p: pb::PeriodNumbers) -> Self {
        let t = p.totals.unwrap_or_default();
        let f = p.funnel.unwrap_or_default();
        Self {
            from: p.from,
            to: p.to,
            total_revenue: dollars(t.revenue_cents),
            total_orders: t.orders,
            total_customers: t.customers,
            average_order_value: dollars(average_cents(t.revenue_cents, t.orders)),
            conversion_rate: percent(f.purchases, f.sessions),
            returning_customer_rate: percent(t.returning_customers, t.customers),
            funnel: FunnelDto {
                sessions: f.sessions,
                product_views: f.product_views,
                add_to_carts: f.add_to_carts,
                checkouts: f.checkouts,
                purchases: f.purchases,
            },
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AnalyticsDto {
    /// The current period's totals, flattened as the contract lists them.
    #[serde(flatten)]
    current: PeriodDto,
    interval: String,
    top_products: Vec<ProductSalesDto>,
    sales_by_category: Vec<CategorySalesDto>,
    revenue_over_time: Vec<RevenuePointDto>,
    recommendations: Vec<ListStatsDto>,
    /// The same totals for the period of equal length just before.
    previous: PeriodDto,
    currency: String,
}

impl From<pb::GetAnalyticsResponse> for AnalyticsDto {
    fn from(a: pb::GetAnalyticsResponse) -> Self {
        Self {
            current: a.current.unwrap_or_default().into(),
            previous: a.previous.unwrap_or_default().into(),
            interval: a.interval,
            top_products: a
                .top_products
                .into_iter()
                .map(|p| ProductSalesDto {
                    product_id: p.product_id,
                    name: p.name,
                    sales: p.units,
                    revenue: dollars(p.revenue_cents),
                })
                .collect(),
            sales_by_category: a
                .sales_by_category
                .into_iter()
                .map(|c| CategorySalesDto {
                    category_id: c.category_id,
                    category: c.name,
                    sales: c.units,
                    revenue: dollars(c.revenue_cents),
                })
                .collect(),
            revenue_over_time: a
                .revenue_over_time
                .into_iter()
                .map(|p| RevenuePointDto {
                    date: p.date,
                    revenue: dollars(p.revenue_cents),
                    orders: p.orders,
                })
                .collect(),
            recommendations: a
                .recommendations
                .into_iter()
                .map(|l| ListStatsDto {
                    ctr: percent(l.clicks, l.impressions),
                    list_type: l.list_type,
                    impressions: l.impressions,
                    clicks: l.clicks,
                    attributed_revenue: dollars(l.attributed_revenue_cents),
                })
                .collect(),
            currency: a.currency,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_percentages_and_nothing_divides_by_zero() {
        assert_eq!(percent(1, 3), 33.33);
        assert_eq!(percent(5, 0), 0.0);
        assert_eq!(average_cents(1_000, 3), 333);
        assert_eq!(average_cents(1_000, 0), 0);
    }
}
