//! The admin dashboard and analytics against the orders themselves: on a shop of its own (the
//! shared one takes other tests' orders meanwhile), orders paid, paid twice by one customer,
//! cancelled with a refund, declined, left unpaid, paid in cash and refunded after delivery;
//! the dashboard's and the period's totals equal the sum of the admin's order list to the cent.
//! On the shared shop, a new order reaches the dashboard's recent orders.
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use vici_testkit::eventually_every;
use vici_testkit::system::{DEMO_PASSWORD, Mode, OwnShop, Shop, Visitor};

use crate::account::product_id;
use crate::cart::add;
use crate::checkout::{admin, buyer, card, cents};
use crate::resilience::signed_in;

/// How often the dashboard is asked while waiting: within the per-address rate limit.
const POLL: Duration = Duration::from_millis(250);
/// How long the projection may trail the orders on a busy machine.
const WITHIN: Duration = Duration::from_secs(60);

/// A new customer who bought `quantity` of `slug` with `method` through checkout; the answer.
async fn bought<'s>(
    shop: &'s Shop,
    tag: &str,
    slug: &str,
    quantity: i64,
    method: &str,
) -> (Visitor<'s>, Value) {
    let v = signed_in(shop, tag).await;
    let product = product_id(&v, slug).await;
    assert_eq!(add(&v, &product, quantity).await.status, 201);
    v.post("/api/checkout/calculate", &json!({})).await.data();
    let paid = v.post("/api/checkout/confirm", &card(method)).await;
    (v, paid.body.clone())
}

/// What the orders themselves add up to, as contract "Admin" counts them: confirmed orders
/// not cancelled, revenue net of refunds (a refunded order was refunded in full).
fn expected(orders: &[Value]) -> (i64, i64, Value) {
    let counted = [
        "CONFIRMED",
        "PROCESSING",
        "SHIPPED",
        "DELIVERED",
        "REFUNDED",
    ];
    let mut revenue = 0;
    let mut count = 0;
    let mut by_status = serde_json::Map::new();
    for o in orders {
        let status = o["status"].as_str().unwrap();
        let n = by_status.entry(status).or_insert(json!(0));
        *n = json!(n.as_i64().unwrap() + 1);
        if counted.contains(&status) {
            count += 1;
            if status != "REFUNDED" {
                revenue += cents(&o["total"]);
            }
        }
    }
    (revenue, count, Value::Object(by_status))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_reconciles_with_the_orders_to_the_cent() {
    let shop = OwnShop::boot(Mode::from_env(), &[]).await;
    let mut admin = shop.visitor();
    admin.login("admin@example.com", DEMO_PASSWORD).await.data();

    let (twice, first) = bought(&shop, "twice", "sony-wh1000xm5", 1, "pm_card_visa").await;
    let product = product_id(&twice, "airpods-pro-2").await;
    add(&twice, &product, 3).await.data();
    let second = twice
        .post("/api/checkout/confirm", &card("pm_card_mastercard"))
        .await;
    assert_eq!(second.status, 201, "{}", second.body);
    let (canceller, paid) = bought(&shop, "canceller", "airpods-pro-2", 2, "pm_card_visa").await;
    let cancelled = format!(
        "/api/orders/{}/cancel",
        paid["data"]["orderId"].as_str().unwrap()
    );
    canceller.bare(Method::POST, &cancelled).await.data();
    let (_, declined) = bought(
        &shop,
        "declined",
        "sony-wh1000xm5",
        1,
        "pm_card_chargeDeclined",
    )
    .await;
    assert_eq!(declined["error"], "PAYMENT_FAILED");
    let unpaid = signed_in(&shop, "unpaid").await;
    add(&unpaid, &product, 1).await.data();
    unpaid
        .post("/api/orders", &card("pm_card_visa"))
        .await
        .data();
    let cash = signed_in(&shop, "cash").await;
    add(&cash, &product, 1).await.data();
    cash.post("/api/orders", &card("cash_on_delivery"))
        .await
        .data();

    let refunded = first["data"]["orderId"].as_str().unwrap();
    for status in ["PROCESSING", "SHIPPED", "DELIVERED", "REFUNDED"] {
        let tracking = json!({"carrier": "UPS", "trackingNumber": "1Z999"});
        let moved = admin
            .put(
                &format!("/api/admin/orders/{refunded}/status"),
                &json!({"status": status, "tracking": tracking}),
            )
            .await;
        assert_eq!(moved.status, 200, "{status}: {}", moved.body);
    }

    let orders = admin
        .get("/api/admin/orders?limit=100")
        .await
        .data()
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(orders.len(), 6);
    let (revenue, count, by_status) = expected(&orders);
    assert!(revenue > 0 && count == 3, "{by_status}");
    eventually_every(
        "the dashboard to show every order as it is",
        POLL,
        WITHIN,
        || async {
            let d = admin.get("/api/admin/dashboard").await.data().clone();
            d["ordersByStatus"] == by_status && cents(&d["totalRevenue"]) == revenue
        },
    )
    .await;
    let d = admin.get("/api/admin/dashboard").await.data().clone();
    assert_eq!(d["totalOrders"], count);
    assert_eq!(
        d["totalCustomers"], 2,
        "the customer who paid twice and the cash customer"
    );
    assert_eq!(
        cents(&d["averageOrderValue"]),
        (revenue as f64 / count as f64).round() as i64
    );
    assert_eq!(d["recentOrders"].as_array().unwrap().len(), 6);

    let a = admin.get("/api/admin/analytics").await.data().clone();
    assert_eq!(cents(&a["totalRevenue"]), revenue);
    assert_eq!(a["totalOrders"], count);
    let by_day: i64 = a["revenueOverTime"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| cents(&p["revenue"]))
        .sum();
    assert_eq!(by_day, revenue);
    assert_eq!(
        a["returningCustomerRate"], 50.0,
        "one of the two bought twice"
    );
    let top: Vec<&str> = a["topProducts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(top.iter().any(|n| n.contains("AirPods")), "{top:?}");
    assert_eq!(a["previous"]["totalOrders"], 0);
    let f = &a["funnel"];
    assert!(
        f["checkouts"].as_i64().unwrap() >= 1 && f["purchases"].as_i64().unwrap() >= 2,
        "{f}"
    );
}

/// A shopper's order is in the dashboard's recent orders soon after checkout, on the shared
/// shop (embedded and distributed through Kafka); how soon is measured in bench/analytics.sh.
#[tokio::test]
async fn a_new_order_reaches_the_dashboard() {
    let admin = admin().await;
    let (v, _) = buyer("dashboard", "airpods-pro-2", 1).await;
    let paid = v.post("/api/checkout/confirm", &card("pm_card_visa")).await;
    let order = paid.data()["orderId"].as_str().unwrap().to_string();
    let took = eventually_every("the order in the dashboard", POLL, WITHIN, || async {
        let d = admin.get("/api/admin/dashboard").await.data().clone();
        d["recentOrders"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["id"] == order.as_str())
    })
    .await;
    eprintln!("the order reached the dashboard after {took:?}");
    let customer = v.get("/api/admin/dashboard").await;
    assert_eq!(customer.error(403), "FORBIDDEN");
    let bad = admin.get("/api/admin/analytics?interval=year").await;
    assert_eq!(bad.error(400), "VALIDATION_ERROR");
    assert!(bad.body["details"]["interval"].is_string(), "{}", bad.body);
}
