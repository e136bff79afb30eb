//! Messages that wait and the rules that change their minds: a reminder called off by an
//! order, later shipping news superseding earlier news, low stock told to every admin, and
//! the daily limit on news.
use serde_json::json;
use vici_bus::topics::{CART_EVENTS, INVENTORY_EVENTS};
use vici_testkit::demo;

use crate::harness::{App, ended, one};

pub async fn an_order_calls_off_the_reminder_and_consent_decides_the_rest(app: App) {
    let shopper = app.register("ada@example.com", "Ada").await;
    let buyer = app.register("bob@example.com", "Bob").await;
    let quiet = app.register("cy@example.com", "Cy").await;
    app.log_until(&quiet, "the account's mails", ended(2)).await;
    for user in [&shopper, &buyer] {
        app.set_marketing(user, true).await;
    }
    let mixer = demo::product_id("kitchenaid-stand-mixer");
    for user in [&shopper, &buyer, &quiet] {
        let cart = json!({
            "userId": user, "currency": "USD", "subtotalCents": 44999,
            "items": [{"productId": mixer, "quantity": 1, "unitPriceCents": 44999}],
        });
        app.announce(CART_EVENTS, "cart.abandoned", user, cart)
            .await;
    }
    // Bob orders while his reminder waits its hour (whichever of the two is heard first).
    let created = json!({"userId": buyer, "orderId": uuid::Uuid::now_v7().to_string()});
    app.announce(
        vici_bus::topics::ORDER_EVENTS,
        "order.created",
        &buyer,
        created,
    )
    .await;
    let log = app
        .log_until(&buyer, "Bob's reminder called off", |log| {
            log.iter()
                .any(|d| d.template == "abandoned_cart" && d.status == "skipped")
        })
        .await;
    let called_off = one(&log, "abandoned_cart", "email");
    assert_eq!(
        called_off.reason.as_deref(),
        Some("the user placed an order first")
    );
    // The hour passes for the others.
    sqlx::query("UPDATE deliveries SET next_attempt_at = 0 WHERE status = 'pending'")
        .execute(app.db.writer())
        .await
        .unwrap();
    let log = app
        .log_until(&quiet, "Cy's reminder decided", ended(3))
        .await;
    let unasked = one(&log, "abandoned_cart", "email");
    assert_eq!(unasked.status, "skipped");
    assert!(unasked.reason.as_deref().unwrap().contains("marketing"));
    app.log_until(&shopper, "Ada's reminder sent", ended(3))
        .await;
    let mails = app.smtp.wait_for(3 * 2 + 1).await;
    let reminders: Vec<_> = mails
        .iter()
        .filter(|m| m.subject == "Still thinking it over?")
        .collect();
    assert_eq!(reminders.len(), 1, "only Ada's: {reminders:?}");
    assert_eq!(reminders[0].rcpt_to, ["ada@example.com"]);
    let text = reminders[0].text.clone().unwrap_or_default();
    assert!(text.contains("KitchenAid"), "the product by name: {text}");
    assert!(text.contains("$449.99"), "{text}");
}

pub async fn later_shipping_news_supersedes_news_still_waiting(app: App) {
    let user = app.register("ada@example.com", "Ada").await;
    app.log_until(&user, "the account's mails", ended(2)).await;
    let order = uuid::Uuid::now_v7().to_string();
    app.smtp.set_down(true);
    let shipped = json!({"carrier": "UPS", "trackingNumber": "1Z1"});
    app.order_event_about(&order, "order.shipped", &user, shipped)
        .await;
    app.log_until(&user, "the shipped mail waiting on the server", |log| {
        log.iter()
            .any(|d| d.template == "order_shipped" && d.channel == "email" && d.attempts >= 1)
    })
    .await;
    app.order_event_about(&order, "order.delivered", &user, json!({}))
        .await;
    app.smtp.set_down(false);
    let log = app
        .log_until(&user, "the order's news", ended(2 + 3 + 3))
        .await;
    let superseded = one(&log, "order_shipped", "email");
    assert_eq!(superseded.status, "skipped");
    assert_eq!(
        superseded.reason.as_deref(),
        Some("superseded by later news of the same order")
    );
    assert_eq!(one(&log, "order_delivered", "email").status, "sent");
    let mails = app.smtp.wait_for(3).await;
    assert!(
        mails.iter().all(|m| !m.subject.contains("on its way")),
        "{mails:?}"
    );
}

pub async fn low_stock_is_told_to_every_admin(app: App) {
    let dyson = demo::product_id("dyson-v15-detect");

    let low = json!({"productId": dyson, "available": 3, "threshold": 5});
    app.announce(INVENTORY_EVENTS, "inventory.low_stock", &dyson, low)
        .await;
    vici_testkit::eventually("the stock alert sent", || async {
        let sent = app.log("sent", "email", "").await;
        sent.iter().any(|d| d.template == "low_stock")
    })
    .await;
    let log = app.log("", "email", "").await;
    let alert = one(&log, "low_stock", "email");
    assert_eq!(alert.user_id, "admins");
    assert!(
        alert
            .recipient
            .as_deref()
            .unwrap()
            .contains("admin@example.com")
    );
    let mails = app.smtp.wait_for(1).await;
    let alert = &mails[0];
    assert!(
        alert.rcpt_to.contains(&"admin@example.com".to_string()),
        "{alert:?}"
    );
    assert!(alert.subject.contains("Dyson"), "{}", alert.subject);
    let text = alert.text.clone().unwrap_or_default();
    assert!(
        text.contains(&format!("/admin/inventory/{dyson}")),
        "{text}"
    );
}

pub async fn news_stops_at_the_daily_limit_and_receipts_do_not(app: App) {
    let user = app.register("ada@example.com", "Ada").await;
    let mut expected = 2;
    app.log_until(&user, "the account's mails", ended(expected))
        .await;
    // The welcome counted: nine deliveries more reach the limit of ten.
    for _ in 0..10 {
        app.order_event("order.delivered", &user, json!({})).await;
        expected += 3;
        app.log_until(&user, "the news", ended(expected)).await;
    }
    let news = app.log("", "email", &user).await;
    let sent = news
        .iter()
        .filter(|d| d.template == "order_delivered" && d.status == "sent");
    assert_eq!(sent.count(), 9);
    let limited = news
        .iter()
        .find(|d| d.template == "order_delivered" && d.status == "skipped")
        .expect("the tenth is skipped");
    assert!(
        limited.reason.as_deref().unwrap().contains("limit of 10"),
        "{limited:?}"
    );
    // A receipt is not news: it goes whatever the count.
    app.order_event("order.confirmed", &user, json!({})).await;
    let log = app
        .log_until(&user, "the receipt", ended(expected + 2))
        .await;
    assert_eq!(one(&log, "order_confirmation", "email").status, "sent");
}
