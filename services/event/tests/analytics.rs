//! The analytics projection through the service's API: order, stock and catalogue events
//! published as their services would, behaviour recorded through the service itself, and the
//! dashboard and analytics read back until they show it (the consumer is asynchronous).
use serde_json::{Value, json};
use vici_bus::CloudEvent;
use vici_bus::topics::{INVENTORY_EVENTS, ORDER_EVENTS, PRODUCT_EVENTS};
use vici_proto::event::v1 as pb;
use vici_testkit::eventually;

use crate::harness::{App, browser};

/// One order line: a demo product, its quantity and unit price.
struct Line<'a>(&'a str, i64, i64);

/// The event an order in `status` announces, as the order service writes it.
fn order_event(status: &str, order: &str, user: &str, lines: &[Line], extra: Value) -> CloudEvent {
    let items: Vec<Value> = lines
        .iter()
        .map(|Line(p, q, c)| json!({"productId": p, "name": "line name", "quantity": q, "unitPriceCents": c}))
        .collect();
    let total: i64 = lines.iter().map(|Line(_, q, c)| q * c).sum::<i64>() + 599;
    let mut data = json!({"orderId": order, "orderNumber": format!("VS-{order}"), "userId": user,
        "status": status, "totalCents": total, "currency": "USD", "items": items});
    if let (Some(d), Value::Object(e)) = (data.as_object_mut(), extra) {
        d.extend(e);
    }
    let kind = match status {
        "PENDING" => "order.created".to_string(),
        other => format!("order.{}", other.to_lowercase()),
    };
    CloudEvent::new("order", &kind, order, data)
}

impl App {
    async fn dashboard(&self) -> pb::GetDashboardResponse {
        let request = pb::GetDashboardRequest { recent: 50 };
        let found = self.events().get_dashboard(request).await;
        found.expect("the dashboard answers").into_inner()
    }

    async fn analytics(
        &self,
        request: pb::GetAnalyticsRequest,
    ) -> Result<pb::GetAnalyticsResponse, tonic::Status> {
        self.events()
            .get_analytics(request)
            .await
            .map(|r| r.into_inner())
    }

    async fn today(&self) -> pb::GetAnalyticsResponse {
        self.analytics(pb::GetAnalyticsRequest::default())
            .await
            .expect("the analytics answer")
    }

    fn product(&self, index: usize) -> (String, String, i64) {
        let p = &self.services.catalog().products[index];
        (p.id().to_string(), p.name.clone(), p.price_cents)
    }
}

fn totals(p: &Option<pb::PeriodNumbers>) -> pb::SalesTotals {
    p.clone().unwrap_or_default().totals.unwrap_or_default()
}

/// Orders placed, confirmed, cancelled and refunded: the numbers equal the orders' sum to the
/// cent, whatever happened to each order.
pub async fn sales_reconcile_with_the_orders_to_the_cent(app: App) {
    let (mug, mug_name, _) = app.product(0);
    let (lamp, _, _) = app.product(1);
    let kept = [Line(&mug, 2, 1_999), Line(&lamp, 1, 4_550)];
    let order_total = 2 * 1_999 + 4_550 + 599;
    let refund = json!({"amountCents": order_total});
    // o1 confirmed, shipped; o2 confirmed by u1 again; o3 never paid; o4 cancelled after
    // payment; o5 delivered and refunded in full.
    let story = [
        ("o1", "u1", "PENDING"),
        ("o2", "u1", "PENDING"),
        ("o3", "u2", "PENDING"),
        ("o4", "u3", "PENDING"),
        ("o5", "u4", "PENDING"),
        ("o1", "u1", "CONFIRMED"),
        ("o2", "u1", "CONFIRMED"),
        ("o1", "u1", "SHIPPED"),
        ("o3", "u2", "CANCELLED"),
        ("o4", "u3", "CONFIRMED"),
        ("o4", "u3", "CANCELLED"),
        ("o5", "u4", "CONFIRMED"),
        ("o5", "u4", "DELIVERED"),
        ("o5", "u4", "REFUNDED"),
    ];
    let mut refunded = None;
    for (order, user, status) in story {
        let extra = if status == "REFUNDED" {
            refund.clone()
        } else {
            json!({})
        };
        let event = order_event(status, order, user, &kept, extra);
        app.services.publish(ORDER_EVENTS, &event).await;
        refunded = Some(event);
    }
    // A redelivery of the refund changes nothing.
    let again = refunded.expect("the refund");
    app.services.publish(ORDER_EVENTS, &again).await;
    eventually("the refund in the dashboard", || async {
        app.dashboard()
            .await
            .orders_by_status
            .iter()
            .any(|s| s.status == "REFUNDED")
    })
    .await;
    let d = app.dashboard().await;
    let t = d.totals.unwrap_or_default();
    // o1 and o2 in full, o5 net of its full refund (nothing), o3 and o4 not at all.
    assert_eq!(t.revenue_cents, 2 * order_total);
    assert_eq!(t.orders, 3, "o1, o2 and the refunded o5");
    assert_eq!(t.customers, 2, "u1 and u4");
    let statuses: Vec<(String, i64)> = d
        .orders_by_status
        .iter()
        .map(|s| (s.status.clone(), s.orders))
        .collect();
    assert_eq!(
        statuses,
        [
            ("CANCELLED".into(), 2),
            ("CONFIRMED".into(), 1),
            ("REFUNDED".into(), 1),
            ("SHIPPED".into(), 1)
        ]
    );
    assert_eq!(d.recent_orders.len(), 5);
    let a = app.today().await;
    assert_eq!(totals(&a.current).revenue_cents, t.revenue_cents);
    assert_eq!(totals(&a.current).orders, 3);
    assert_eq!(totals(&a.current).returning_customers, 1, "u1 bought twice");
    assert_eq!(totals(&a.previous), pb::SalesTotals::default());
    let (lamp_row, mug_row) = (&a.top_products[0], &a.top_products[1]);
    assert_eq!(lamp_row.product_id, lamp, "the most revenue first");
    assert_eq!((lamp_row.units, lamp_row.revenue_cents), (3, 3 * 4_550));
    assert_eq!(
        (mug_row.product_id.as_str(), mug_row.name.as_str()),
        (mug.as_str(), mug_name.as_str())
    );
    assert_eq!(
        (mug_row.units, mug_row.revenue_cents),
        (6, 6 * 1_999),
        "refunds are order-level"
    );
    let by_day: i64 = a.revenue_over_time.iter().map(|p| p.revenue_cents).sum();
    assert_eq!(by_day, t.revenue_cents);
    assert_eq!(a.revenue_over_time.len(), 30);
    let by_category: i64 = a.sales_by_category.iter().map(|c| c.revenue_cents).sum();
    assert_eq!(
        by_category,
        3 * (2 * 1_999 + 4_550),
        "lines' revenue, before shipping and refunds"
    );
    assert!(a.sales_by_category.iter().all(|c| !c.name.is_empty()));
}

/// Shoppers' steps make the funnel, once per visitor and day; a list shown then clicked, and
/// the product bought, is credited to the list.
pub async fn the_funnel_and_the_lists_follow_behaviour(app: App) {
    let (mug, _, price) = app.product(0);
    let shop = |user: Option<&str>, session: &str| pb::TrackContext {
        origin: pb::Origin::Shop.into(),
        ..browser(user, Some(session))
    };
    let anonymous = shop(None, "visit-a");
    let events = [
        (
            anonymous.clone(),
            json!({"type": "behaviour.recommendation_impression", "listType": "trending", "productIds": [mug], "requestId": "list-1"}),
        ),
        (
            anonymous.clone(),
            json!({"type": "behaviour.product_click", "productId": mug, "requestId": "list-1"}),
        ),
        (
            anonymous.clone(),
            json!({"type": "behaviour.product_view", "productId": mug}),
        ),
        (
            anonymous.clone(),
            json!({"type": "behaviour.product_view", "productId": mug}),
        ),
        (
            shop(Some(USER), "visit-a"),
            json!({"type": "behaviour.add_to_cart", "productId": mug, "quantity": 1}),
        ),
        (
            shop(Some(USER), "visit-a"),
            json!({"type": "behaviour.checkout_start"}),
        ),
        (
            shop(Some(USER), "visit-a"),
            json!({"type": "behaviour.purchase", "orderId": "00000000-0000-4000-8000-000000000001", "productId": mug, "quantity": 2, "priceCents": price}),
        ),
        (
            shop(None, "visit-b"),
            json!({"type": "behaviour.page_view", "path": "/"}),
        ),
    ];
    let recorded = app.served(&events).await;
    assert_eq!(recorded.accepted, 8, "{:?}", recorded.rejected);
    eventually("the purchase in the funnel", || async {
        app.today()
            .await
            .current
            .and_then(|c| c.funnel)
            .is_some_and(|f| f.purchases == 1)
    })
    .await;
    let a = app.today().await;
    let f = a.current.clone().and_then(|c| c.funnel).unwrap_or_default();
    assert_eq!(f.sessions, 3, "visit-a anonymous, the user, visit-b");
    assert_eq!(f.product_views, 1, "two views and a click of one visitor");
    assert_eq!((f.add_to_carts, f.checkouts, f.purchases), (1, 1, 1));
    let trending = a
        .recommendations
        .iter()
        .find(|l| l.list_type == "trending")
        .expect("the list");
    assert_eq!((trending.impressions, trending.clicks), (1, 1));
    assert_eq!(
        trending.attributed_revenue_cents,
        2 * price,
        "bought after signing in"
    );
}

const USER: &str = "0190a000-0000-7000-8000-00000000a001";

/// Stock events keep the low-stock list; a retired product leaves it; unknown products are
/// named by the events that describe them.
pub async fn low_stock_follows_stock_and_catalogue_events(app: App) {
    let (lamp, lamp_name, _) = app.product(1);
    let stock = |product: &str, available: i64| {
        CloudEvent::new(
            "inventory",
            "inventory.stock_changed",
            product,
            json!({"productId": product, "variantId": null, "available": available, "reserved": 0, "threshold": 5}),
        )
    };
    app.services
        .publish(INVENTORY_EVENTS, &stock(&lamp, 3))
        .await;
    let new = "0190a000-0000-7000-8000-0000000000ff";
    let created = CloudEvent::new(
        "product",
        "product.created",
        new,
        json!({"productId": new, "name": "Brand new kettle", "categoryId": null, "status": "ACTIVE"}),
    );
    app.services.publish(PRODUCT_EVENTS, &created).await;
    app.services.publish(INVENTORY_EVENTS, &stock(new, 0)).await;
    eventually("both products low", || async {
        let low = app.dashboard().await.low_stock;
        [&lamp, new]
            .iter()
            .all(|p| low.iter().any(|l| l.product_id == **p))
    })
    .await;
    let low: Vec<(String, String, i64)> = app
        .dashboard()
        .await
        .low_stock
        .into_iter()
        .filter(|l| l.product_id == lamp || l.product_id == new)
        .map(|l| (l.product_id, l.name, l.available))
        .collect();
    assert_eq!(
        low,
        [
            (new.to_string(), "Brand new kettle".to_string(), 0),
            (lamp.clone(), lamp_name, 3)
        ]
    );
    let retired = CloudEvent::new(
        "product",
        "product.deleted",
        new,
        json!({"productId": new, "status": "INACTIVE"}),
    );
    app.services.publish(PRODUCT_EVENTS, &retired).await;
    eventually("the retired product gone", || async {
        app.dashboard()
            .await
            .low_stock
            .iter()
            .all(|l| l.product_id != new)
    })
    .await;
}

/// A bad period is refused naming the parameter.
pub async fn bad_periods_are_refused(app: App) {
    for (request, field) in [
        (
            pb::GetAnalyticsRequest {
                from: Some("yesterday".into()),
                ..Default::default()
            },
            "from",
        ),
        (
            pb::GetAnalyticsRequest {
                from: Some("2026-02-01".into()),
                to: Some("2026-01-01".into()),
                ..Default::default()
            },
            "from",
        ),
        (
            pb::GetAnalyticsRequest {
                interval: Some("hour".into()),
                ..Default::default()
            },
            "interval",
        ),
        (
            pb::GetAnalyticsRequest {
                from: Some("2020-01-01".into()),
                to: Some("2026-01-01".into()),
                ..Default::default()
            },
            "to",
        ),
    ] {
        let refused = app.analytics(request).await.expect_err("refused");
        assert_eq!(refused.code(), tonic::Code::InvalidArgument, "{field}");
        assert!(
            refused.message().contains(field) || refused.message().contains("period"),
            "{}",
            refused.message()
        );
    }
    let weekly = app
        .analytics(pb::GetAnalyticsRequest {
            from: Some("2026-11-27".into()),
            to: Some("2026-12-09".into()),
            interval: Some("week".into()),
            top: 0,
        })
        .await
        .expect("a weekly chart");
    let dates: Vec<&str> = weekly
        .revenue_over_time
        .iter()
        .map(|p| p.date.as_str())
        .collect();
    assert_eq!(dates, ["2026-11-27", "2026-11-30", "2026-12-07"]);
    assert_eq!(
        weekly.previous.map(|p| p.from),
        Some("2026-11-14".to_string())
    );
}
