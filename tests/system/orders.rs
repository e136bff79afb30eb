//! Orders after checkout: pay later, cancel with a refund, the admin's list and moves with
//! tracking, the state machine's refusals, bad input, and the events the order leaves behind.
use reqwest::Method;
use serde_json::json;
use vici_testkit::system::{Mode, shop};

use crate::behaviour::events_on_kafka;
use crate::cart::shopper;
use crate::checkout::{admin, buyer, card, post_keyed, stock};

#[tokio::test]
async fn a_shopper_cancels_a_paid_order_and_is_refunded() {
    let admin = admin().await;
    let (v, jeans) = buyer("canceller", "samsung-s24-ultra", 2).await;
    let before = stock(&admin, &jeans).await;
    let paid = v.post("/api/checkout/confirm", &card("pm_card_visa")).await;
    let order_id = paid.data()["orderId"].as_str().unwrap().to_string();
    assert_eq!(stock(&admin, &jeans).await.0, before.0 - 2);
    let cancelled = v
        .bare(Method::POST, &format!("/api/orders/{order_id}/cancel"))
        .await
        .data()
        .clone();
    assert_eq!(
        (
            cancelled["status"].as_str(),
            cancelled["paymentStatus"].as_str()
        ),
        (Some("CANCELLED"), Some("REFUNDED"))
    );
    assert_eq!(stock(&admin, &jeans).await, before, "restocked");
    let again = v
        .bare(Method::POST, &format!("/api/orders/{order_id}/cancel"))
        .await;
    assert_eq!(again.error(409), "CONFLICT");
    let history = v
        .get(&format!("/api/orders/{order_id}/history"))
        .await
        .data()
        .clone();
    let last = history.as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["status"].as_str(), last["by"].as_str()),
        (Some("CANCELLED"), Some(v.user_id().as_str()))
    );
}

#[tokio::test]
async fn an_admin_ships_and_delivers_an_order_with_tracking() {
    let admin = admin().await;
    let (v, _) = buyer("shipped", "macbook-pro-16-m3", 1).await;
    let pending = v.post("/api/orders", &card("pm_card_visa")).await;
    assert_eq!(pending.status, 201, "{}", pending.body);
    let pending = pending.data().clone();
    assert_eq!(pending["status"], "PAYMENT_PENDING");
    let id = pending["id"].as_str().unwrap().to_string();
    let declined = v
        .post(
            &format!("/api/orders/{id}/pay"),
            &json!({"paymentMethod": "pm_card_chargeDeclined"}),
        )
        .await;
    assert_eq!(declined.error(402), "PAYMENT_FAILED");
    assert_eq!(
        v.get(&format!("/api/orders/{id}")).await.data()["status"],
        "PAYMENT_PENDING"
    );
    let paid = v
        .post(
            &format!("/api/orders/{id}/pay"),
            &json!({"paymentMethod": "pm_card_visa"}),
        )
        .await
        .data()
        .clone();
    assert_eq!(
        (paid["status"].as_str(), paid["paymentStatus"].as_str()),
        (Some("CONFIRMED"), Some("PAID"))
    );

    let status = format!("/api/admin/orders/{id}/status");
    assert_eq!(
        v.put(&status, &json!({"status": "PROCESSING"}))
            .await
            .error(403),
        "FORBIDDEN"
    );
    admin
        .put(&status, &json!({"status": "PROCESSING", "note": "picking"}))
        .await
        .data();
    let no_tracking = admin.put(&status, &json!({"status": "SHIPPED"})).await;
    assert_eq!(no_tracking.error(400), "VALIDATION_ERROR");
    let shipped = admin
        .put(
            &status,
            &json!({"status": "SHIPPED", "note": "on its way",
            "tracking": {"carrier": "UPS", "trackingNumber": "1Z999AA10123456784",
                "url": "https://ups.test/1Z999AA10123456784", "estimatedDelivery": "2026-12-01"}}),
        )
        .await
        .data()
        .clone();
    assert_eq!(shipped["tracking"]["number"], "1Z999AA10123456784");
    assert_eq!(
        shipped["tracking"]["trackingNumber"],
        shipped["tracking"]["number"]
    );
    assert!(
        shipped["tracking"]["shippedAt"].as_str().is_some(),
        "{shipped}"
    );
    let late = v
        .bare(Method::POST, &format!("/api/orders/{id}/cancel"))
        .await;
    assert_eq!(late.error(409), "CONFLICT");
    let illegal = admin.put(&status, &json!({"status": "CANCELLED"})).await;
    assert_eq!(illegal.error(409), "CONFLICT");
    admin
        .put(&status, &json!({"status": "delivered"}))
        .await
        .data();
    let seen = v.get(&format!("/api/orders/{id}")).await.data().clone();
    assert_eq!(seen["status"], "DELIVERED");
    let moves: Vec<String> = v
        .get(&format!("/api/orders/{id}/history"))
        .await
        .data()
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["status"].as_str().unwrap().to_string())
        .collect();
    for wanted in [
        "PAYMENT_PENDING",
        "CONFIRMED",
        "PROCESSING",
        "SHIPPED",
        "DELIVERED",
    ] {
        assert!(moves.iter().any(|m| m == wanted), "{wanted} in {moves:?}");
    }
    // The admin finds it among everyone's orders by customer and status.
    let email = v.user["email"].as_str().unwrap().to_string();
    let found = admin
        .get(&format!(
            "/api/admin/orders?status=delivered&customer={email}"
        ))
        .await;
    let rows = found.data().as_array().unwrap();
    assert!(
        rows.iter().any(|o| o["id"] == id.as_str()),
        "{}",
        found.body
    );
    assert!(rows.iter().all(|o| o["status"] == "DELIVERED"));
    assert_eq!(
        admin.get("/api/admin/orders?status=lost").await.error(400),
        "VALIDATION_ERROR"
    );
    assert_eq!(v.get("/api/admin/orders").await.error(403), "FORBIDDEN");
}

#[tokio::test]
async fn checkout_refuses_bad_input_and_changes_nothing() {
    let v = shopper("checkout-bad").await;
    for path in ["/api/checkout/calculate", "/api/checkout/payment-intent"] {
        let empty = v.post(path, &json!({})).await;
        assert_eq!(empty.error(400), "VALIDATION_ERROR", "{path}");
        assert!(empty.body["details"]["cart"].is_string(), "{}", empty.body);
    }
    let empty = v.post("/api/checkout/confirm", &card("pm_card_visa")).await;
    assert_eq!(empty.error(400), "VALIDATION_ERROR");
    assert!(empty.body["details"]["cart"].is_string(), "{}", empty.body);

    let (v, _) = buyer("checkout-bad2", "airpods-pro-2", 1).await;
    let cart = v.get("/api/cart").await.data().clone();
    let cases = [
        (
            json!({"paymentMethod": "pm_card_visa"}),
            400,
            "shippingAddress",
        ),
        (
            json!({"shippingAddressId": "not-an-id", "paymentMethod": "pm_card_visa"}),
            400,
            "shippingAddressId",
        ),
        (
            json!({"shippingAddress": crate::checkout::ship_to()}),
            400,
            "paymentMethod",
        ),
        (
            json!({"shippingAddress": crate::checkout::ship_to(), "paymentMethod": "bitcoin"}),
            400,
            "paymentMethod",
        ),
        (
            json!({"shippingAddress": {"city": "x"}, "paymentMethod": "pm_card_visa"}),
            400,
            "",
        ),
        (
            json!({"shippingAddress": crate::checkout::ship_to(), "paymentMethod": "pm_card_visa", "expectedTotal": "cheap"}),
            400,
            "expectedTotal",
        ),
        (
            json!({"shippingAddress": crate::checkout::ship_to(), "paymentMethod": "pm_card_visa", "expectedTotal": 0.01}),
            409,
            "expectedTotal",
        ),
    ];
    for (body, status, field) in cases {
        let refused = v.post("/api/checkout/confirm", &body).await;
        assert_eq!(refused.status, status, "{body} → {}", refused.body);
        if !field.is_empty() {
            assert!(
                refused.body["details"][field].is_string(),
                "{field}: {}",
                refused.body
            );
        }
    }
    let unknown_address =
        json!({"shippingAddressId": uuid::Uuid::now_v7(), "paymentMethod": "pm_card_visa"});
    assert_eq!(
        v.post("/api/checkout/confirm", &unknown_address)
            .await
            .error(404),
        "NOT_FOUND"
    );
    let bad_key = post_keyed(
        &v,
        "/api/checkout/confirm",
        Some("has space"),
        &card("pm_card_visa"),
    )
    .await;
    assert_eq!(bad_key.error(400), "VALIDATION_ERROR");
    assert_eq!(
        v.get("/api/orders?status=LOST").await.error(400),
        "VALIDATION_ERROR"
    );
    assert_eq!(v.get("/api/orders/not-an-id").await.error(404), "NOT_FOUND");
    let nobody = format!("/api/orders/{}", uuid::Uuid::now_v7());
    assert_eq!(v.get(&nobody).await.error(404), "NOT_FOUND");
    assert_eq!(
        v.get("/api/cart").await.data()["items"],
        cart["items"],
        "cart unchanged"
    );
    assert!(
        v.get("/api/orders")
            .await
            .data()
            .as_array()
            .unwrap()
            .is_empty()
    );

    let webhook = shop().visitor();
    let unsigned = webhook
        .post("/api/payments/webhook", &json!({"id": "evt_1"}))
        .await;
    assert_eq!(unsigned.error(400), "VALIDATION_ERROR");
    let forged = shop()
        .send(
            webhook
                .request(Method::POST, "/api/payments/webhook")
                .header("stripe-signature", "t=1,v1=deadbeef")
                .body(r#"{"id":"evt_1","type":"payment_intent.succeeded"}"#),
        )
        .await;
    assert_eq!(forged.error(400), "VALIDATION_ERROR");
}

#[tokio::test]
async fn a_purchase_reaches_the_ml_team_and_the_order_topic() {
    let (v, buds) = buyer("purchase-events", "airpods-pro-2", 2).await;
    let confirmed = v.post("/api/checkout/confirm", &card("pm_card_visa")).await;
    let order_id = confirmed.data()["orderId"].as_str().unwrap().to_string();
    // The buyer's review says so (the product service learns of the purchase from its event).
    let reviews = format!("/api/products/{buds}/reviews");
    let posted = v
        .post(
            &reviews,
            &json!({"rating": 5, "title": "Great", "comment": "Bought two"}),
        )
        .await;
    assert_eq!(posted.status, 201, "{}", posted.body);
    let user = v.user_id();
    let mut verified = false;
    for _ in 0..100 {
        let page = v.get(&format!("{reviews}?limit=100&sort=newest")).await;
        let mine = page
            .data()
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["userId"] == user.as_str())
            .cloned();
        if mine.is_some_and(|r| r["verified"] == true) {
            verified = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(
        verified,
        "the buyer's review is verified\n{}",
        shop().deployment.logs_tail()
    );
    if shop().deployment.mode != Mode::Distributed {
        // `vici up` keeps its bus in the process; the crate tests read it there.
        return;
    }
    for topic in ["purchase-events", "user-events"] {
        let bought = events_on_kafka(topic, &user, &["behaviour.purchase"], 1).await;
        let data = &bought[0]["data"];
        assert_eq!(data["orderId"], order_id.as_str(), "{topic}");
        assert_eq!(
            (data["productId"].as_str(), data["quantity"].as_i64()),
            (Some(buds.as_str()), Some(2))
        );
    }
    let lifecycle = events_on_kafka("order-events", &order_id, &["order."], 2).await;
    assert_eq!(lifecycle[0]["type"], "order.created");
    assert_eq!(lifecycle[1]["type"], "order.confirmed");
    assert_eq!(lifecycle[1]["data"]["userId"], user.as_str());
    let paid = events_on_kafka("payment-events", &order_id, &["payment."], 1).await;
    assert_eq!(paid[0]["type"], "payment.succeeded");
}
