//! Checkout when things break or time runs out: the order service killed in the middle of a
//! checkout (the saga is finished or undone on restart), a reservation that expires before the
//! shopper pays (the order is cancelled, nothing is charged), and the broker down while shoppers
//! check out (orders still go through; the events follow when it is back). Each test boots a
//! shop of its own.
use std::time::Duration;

use reqwest::Method;
use serde_json::Value;
use vici_testkit::system::{Broker, DEMO_PASSWORD, Mode, OwnShop, Shop, Visitor};

use crate::behaviour::events_on_broker;
use crate::checkout::{card, cents};
use serde_json::json;

pub async fn wait_healthy(shop: &Shop) {
    for _ in 0..300 {
        let health = shop.client.get(shop.url("/health")).send().await;
        if let Ok(r) = health
            && r.json::<Value>().await.is_ok_and(|v| v["status"] == "up")
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!(
        "the shop did not come back\n{}",
        shop.deployment.logs_tail()
    );
}

/// Polls `path` until `done` holds for its data (`secs` at most); the last data seen.
async fn until(v: &Visitor<'_>, path: &str, secs: u64, done: impl Fn(&Value) -> bool) -> Value {
    let mut last = Value::Null;
    for _ in 0..secs * 10 {
        let r = v.get(path).await;
        if r.status == 200 {
            last = r.body["data"].clone();
            if done(&last) {
                return last;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{path} never got there; last: {last}");
}

pub async fn signed_in<'s>(shop: &'s Shop, tag: &str) -> Visitor<'s> {
    let mut v = shop.visitor();
    v.register(tag).await.data();
    v
}

async fn product(v: &Visitor<'_>, slug: &str) -> String {
    v.get(&format!("/api/products/slug/{slug}")).await.data()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn stock(admin: &Visitor<'_>, product: &str) -> (i64, i64) {
    let s = admin.get(&format!("/api/admin/inventory/{product}")).await;
    let s = s.data();
    (
        s["available"].as_i64().unwrap(),
        s["reserved"].as_i64().unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_checkout_cut_short_by_a_crash_is_undone_on_restart() {
    let mode = Mode::from_env();
    // A broker of its own: its services' consumer groups must not share the run's Kafka with
    // the shared shop's (they would take each other's events).
    let broker = Broker::start();
    let bus = format!("kafka://{}", broker.address);
    // Slow payments so the kill lands while the saga waits for the money; recovery looks for
    // stalled sagas every second and takes those untouched for longer than a payment can take.
    let shop = OwnShop::boot(
        mode,
        &[
            ("VICI_BUS_URL", &bus),
            ("VICI_PAYMENT_LATENCY_MS", "3000"),
            ("VICI_ORDER_RECOVERY_AFTER_SECS", "8"),
            ("VICI_ORDER_RECOVERY_SECS", "1"),
            // An authorisation and a capture of 3 s each fit in one request.
            ("VICI_GATEWAY_TIMEOUT_MS", "20000"),
        ],
    )
    .await;
    let v = signed_in(&shop, "crash").await;
    let mut admin = shop.visitor();
    admin.login("admin@example.com", DEMO_PASSWORD).await.data();
    let headphones = product(&v, "sony-wh1000xm5").await;
    let added = v
        .post(
            "/api/cart/items",
            &serde_json::json!({"productId": headphones, "quantity": 2}),
        )
        .await;
    assert_eq!(added.status, 201, "{}", added.body);
    let before = stock(&admin, &headphones).await;

    let checkout = tokio::spawn(
        v.request(Method::POST, "/api/checkout/confirm")
            .json(&card("pm_card_visa"))
            .send(),
    );
    let placed = until(&v, "/api/orders", 10, |o| {
        o.as_array().is_some_and(|a| !a.is_empty())
    })
    .await;
    let order_id = placed[0]["id"].as_str().unwrap().to_string();
    assert_eq!(
        stock(&admin, &headphones).await,
        (before.0 - 2, before.1 + 2),
        "reserved mid-saga"
    );

    let victim = if mode == Mode::Distributed {
        "order"
    } else {
        "up"
    };
    shop.deployment.kill(victim);
    let cut = checkout.await.unwrap();
    assert!(
        cut.as_ref().map_or(true, |r| r.status() != 201),
        "the checkout was cut short"
    );
    shop.deployment.restart(victim);
    wait_healthy(&shop).await;

    let path = format!("/api/orders/{order_id}");
    let undone = until(&v, &path, 60, |o| o["status"] != "PENDING").await;
    assert_eq!(undone["status"], "CANCELLED", "{undone}");
    assert_ne!(undone["paymentStatus"], "PAID", "{undone}");
    assert_eq!(
        stock(&admin, &headphones).await,
        before,
        "nothing stays reserved"
    );
    let cart = v.get("/api/cart").await.data().clone();
    assert_eq!(
        cart["items"][0]["quantity"], 2,
        "the cart is as it was: {cart}"
    );
    let history = v.get(&format!("{path}/history")).await.data().clone();
    let last = history.as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["status"].as_str(), last["by"].as_str()),
        (Some("CANCELLED"), Some("system"))
    );
    // The shopper can check out again.
    let again = v.post("/api/checkout/confirm", &card("pm_card_visa")).await;
    assert_eq!(
        again.status,
        201,
        "{}\n{}",
        again.body,
        shop.deployment.logs_tail()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checkout_goes_through_while_the_broker_is_down_and_its_events_follow() {
    let broker = Broker::start();
    let bus = format!("kafka://{}", broker.address);
    // `vici up` on the private broker in both runs: the broker is what this test takes away,
    // and one process keeps the run's PostgreSQL free for the shared shop.
    let shop = OwnShop::boot(Mode::Embedded, &[("VICI_BUS_URL", &bus)]).await;
    let v = signed_in(&shop, "no-broker").await;
    let buds = product(&v, "airpods-pro-2").await;
    v.post(
        "/api/cart/items",
        &serde_json::json!({"productId": buds, "quantity": 1}),
    )
    .await
    .data();

    broker.pause();
    let confirmed = v.post("/api/checkout/confirm", &card("pm_card_visa")).await;
    assert_eq!(confirmed.status, 201, "{}", confirmed.body);
    let order_id = confirmed.data()["orderId"].as_str().unwrap().to_string();
    assert!(cents(&confirmed.data()["total"]) > 0);
    let order = v
        .get(&format!("/api/orders/{order_id}"))
        .await
        .data()
        .clone();
    assert_eq!(order["status"], "CONFIRMED");
    broker.resume();

    let lifecycle =
        events_on_broker(&broker.address, "order-events", &order_id, &["order."], 2).await;
    assert_eq!(lifecycle[0]["type"], "order.created");
    assert_eq!(lifecycle[1]["type"], "order.confirmed");
    let bought = events_on_broker(
        &broker.address,
        "purchase-events",
        &v.user_id(),
        &["behaviour.purchase"],
        1,
    )
    .await;
    assert_eq!(bought[0]["data"]["orderId"], order_id.as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_whose_reservation_expires_before_payment_is_cancelled_uncharged() {
    let mode = Mode::from_env();
    // An order awaiting payment holds its stock for the order service's own time.
    let settings = [
        ("VICI_ORDER_UNPAID_HOLD_SECS", "2"),
        ("VICI_INVENTORY_SWEEP_SECS", "1"),
    ];
    let shop = OwnShop::boot(mode, &settings).await;
    let v = signed_in(&shop, "too-late").await;
    let mut admin = shop.visitor();
    admin.login("admin@example.com", DEMO_PASSWORD).await.data();
    let mouse = product(&v, "logitech-mx-master-3s").await;
    let before = stock(&admin, &mouse).await;
    v.post(
        "/api/cart/items",
        &json!({"productId": mouse, "quantity": 1}),
    )
    .await
    .data();
    v.post("/api/cart/coupon", &json!({"couponCode": "WELCOME10"}))
        .await
        .data();

    let placed = v.post("/api/orders", &card("pm_card_visa")).await;
    assert_eq!(placed.status, 201, "{}", placed.body);
    assert_eq!(placed.data()["status"], "PAYMENT_PENDING");
    let path = format!("/api/orders/{}", placed.data()["id"].as_str().unwrap());
    assert_eq!(stock(&admin, &mouse).await, (before.0 - 1, before.1 + 1));

    // Two seconds of hold, a sweep every second, then the order service hears of it.
    let cancelled = until(&v, &path, 30, |o| o["status"] != "PAYMENT_PENDING").await;
    assert_eq!(cancelled["status"], "CANCELLED", "{cancelled}");
    let history = v.get(&format!("{path}/history")).await.data().clone();
    let last = history.as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["status"].as_str(), last["by"].as_str()),
        (Some("CANCELLED"), Some("system")),
        "{history}"
    );
    assert_eq!(stock(&admin, &mouse).await, before, "the unit is back");

    let late = v
        .post(
            &format!("{path}/pay"),
            &json!({"paymentMethod": "pm_card_visa"}),
        )
        .await;
    assert_eq!(late.status, 409, "{}", late.body);
    let after = v.get(&path).await.data().clone();
    assert_eq!(after["status"], "CANCELLED");
    assert_ne!(
        after["paymentStatus"], "PAID",
        "nothing was charged: {after}"
    );
    assert_eq!(stock(&admin, &mouse).await, before);
    // The coupon use the order held is released (by the cancellation's compensation, which
    // follows the cancel at once): the shopper, allowed one use, can apply WELCOME10 again.
    v.post(
        "/api/cart/items",
        &json!({"productId": mouse, "quantity": 1}),
    )
    .await
    .data();
    let mut again = None;
    for _ in 0..50 {
        let r = v
            .post("/api/cart/coupon", &json!({"couponCode": "WELCOME10"}))
            .await;
        if r.status == 200 {
            again = Some(r);
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        again.is_some(),
        "WELCOME10 stayed used after the order was cancelled"
    );
}
