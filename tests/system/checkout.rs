//! Checkout through the gateway: a shopper goes from cart to a paid order (payment intent,
//! confirm with an Idempotency-Key, the order and its history), a declined card changes nothing,
//! cash on delivery, and buyers racing for the last units. Each test buys products no other test
//! counts the stock of.
use reqwest::Method;
use serde_json::{Value, json};
use vici_testkit::system::{DEMO_PASSWORD, Reply, Visitor, shop};

use crate::account::product_id;
use crate::cart::{add, shopper};

pub fn cents(x: &Value) -> i64 {
    (x.as_f64().unwrap_or_else(|| panic!("an amount, got {x}")) * 100.0).round() as i64
}

pub fn ship_to() -> Value {
    json!({"firstName": "Ada", "lastName": "Lovelace", "addressLine1": "12 St James's Square",
        "city": "London", "state": "LDN", "postalCode": "SW1Y 4JH", "country": "GB",
        "phone": "+44 20 7946 0000"})
}

pub async fn admin() -> Visitor<'static> {
    let mut a = shop().visitor();
    a.login("admin@example.com", DEMO_PASSWORD).await.data();
    a
}

/// A POST with an optional `Idempotency-Key`.
pub async fn post_keyed(v: &Visitor<'_>, path: &str, key: Option<&str>, body: &Value) -> Reply {
    let mut req = v.request(Method::POST, path).json(body);
    if let Some(key) = key {
        req = req.header("idempotency-key", key);
    }
    shop().send(req).await
}

/// A new shopper with `quantity` of the product `slug` in the cart; the product's id.
pub async fn buyer(tag: &str, slug: &str, quantity: i64) -> (Visitor<'static>, String) {
    let v = shopper(tag).await;
    let id = product_id(&v, slug).await;
    assert_eq!(add(&v, &id, quantity).await.status, 201);
    (v, id)
}

/// `(available, reserved)` of a product as the admin's stock page shows it (never cached).
pub async fn stock(admin: &Visitor<'_>, product: &str) -> (i64, i64) {
    let s = admin
        .get(&format!("/api/admin/inventory/{product}"))
        .await
        .data()
        .clone();
    (
        s["available"].as_i64().unwrap(),
        s["reserved"].as_i64().unwrap(),
    )
}

pub fn card(method: &str) -> Value {
    json!({"shippingAddress": ship_to(), "paymentMethod": method})
}

#[tokio::test]
async fn a_shopper_pays_for_a_cart_and_finds_the_order_with_its_history() {
    let admin = admin().await;
    let (v, headphones) = buyer("checkout", "sony-wh1000xm5", 1).await;
    let buds = product_id(&v, "airpods-pro-2").await;
    add(&v, &buds, 2).await.data();
    let before = (stock(&admin, &headphones).await, stock(&admin, &buds).await);
    let saved = v
        .post("/api/users/addresses", &ship_to())
        .await
        .data()
        .clone();

    let quote = v
        .post("/api/checkout/calculate", &json!({}))
        .await
        .data()
        .clone();
    let subtotal: i64 = quote["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| cents(&l["unitPrice"]) * l["quantity"].as_i64().unwrap())
        .sum();
    assert_eq!(cents(&quote["subtotal"]), subtotal, "{quote}");
    let taxable = subtotal - cents(&quote["discount"]);
    assert_eq!(
        cents(&quote["shipping"]),
        if taxable > 5_000 { 0 } else { 599 }
    );
    assert_eq!(cents(&quote["tax"]), (taxable * 8 + 50) / 100, "{quote}");
    let total = taxable + cents(&quote["shipping"]) + cents(&quote["tax"]);
    assert_eq!(cents(&quote["total"]), total);

    let wrong = v
        .post("/api/checkout/payment-intent", &json!({"amount": 1.0}))
        .await;
    assert_eq!(wrong.error(409), "CONFLICT");
    let intent = v
        .post(
            "/api/checkout/payment-intent",
            &json!({"amount": quote["total"]}),
        )
        .await;
    assert_eq!(intent.status, 201, "{}", intent.body);
    let intent = intent.data().clone();
    assert_eq!(cents(&intent["amount"]), total);
    assert!(
        intent["id"].as_str().unwrap().starts_with("pi_"),
        "{intent}"
    );
    assert!(
        intent["clientSecret"]
            .as_str()
            .is_some_and(|s| !s.is_empty())
    );

    let body = json!({"paymentIntentId": intent["id"], "shippingAddressId": saved["id"],
        "paymentMethod": "pm_card_visa"});
    let key = format!("confirm-{}", uuid::Uuid::new_v4());
    let confirmed = post_keyed(&v, "/api/checkout/confirm", Some(&key), &body).await;
    assert_eq!(confirmed.status, 201, "{}", confirmed.body);
    let confirmed = confirmed.data().clone();
    assert_eq!(confirmed["status"], "success");
    assert_eq!(cents(&confirmed["total"]), total);
    let order_id = confirmed["orderId"].as_str().unwrap().to_string();

    // A retry with the same key replays; another body under that key is refused.
    let again = post_keyed(&v, "/api/checkout/confirm", Some(&key), &body).await;
    assert_eq!(again.status, 201, "{}", again.body);
    assert_eq!(again.data()["orderId"], order_id.as_str());
    let other = json!({"shippingAddressId": saved["id"], "paymentMethod": "pm_card_mastercard"});
    let clash = post_keyed(&v, "/api/checkout/confirm", Some(&key), &other).await;
    assert_eq!(clash.error(409), "CONFLICT");

    let cart = v.get("/api/cart").await.data().clone();
    assert_eq!(cart["items"].as_array().unwrap().len(), 0, "{cart}");
    let orders = v.get("/api/orders").await;
    assert_eq!(
        orders.data().as_array().unwrap().len(),
        1,
        "{}",
        orders.body
    );
    let order = orders.data()[0].clone();
    assert_eq!(order["id"], order_id.as_str());
    assert_eq!(
        (order["status"].as_str(), order["paymentStatus"].as_str()),
        (Some("CONFIRMED"), Some("PAID"))
    );
    assert!(order["orderNumber"].as_str().unwrap().starts_with("VS-"));
    assert_eq!(order["date"], order["createdAt"]);
    assert_eq!(order["paymentId"], confirmed["paymentId"]);
    assert_eq!(order["shippingAddress"]["city"], "London");
    assert_eq!(cents(&order["total"]), total);
    for item in order["items"].as_array().unwrap() {
        assert_eq!(item["price"], item["unitPrice"]);
    }
    let history = v
        .get(&format!("/api/orders/{order_id}/history"))
        .await
        .data()
        .clone();
    let moves: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["status"].as_str().unwrap())
        .collect();
    assert_eq!(moves.first(), Some(&"PENDING"), "{history}");
    assert_eq!(moves.last(), Some(&"CONFIRMED"), "{history}");
    assert!(history[0]["at"].as_str().is_some() && history[0]["by"].as_str().is_some());

    let after = (stock(&admin, &headphones).await, stock(&admin, &buds).await);
    assert_eq!(
        after.0,
        (before.0.0 - 1, before.0.1),
        "headphones left for good"
    );
    assert_eq!(
        after.1,
        (before.1.0 - 2, before.1.1),
        "two earbuds left for good"
    );
    // Another shopper cannot see it.
    let stranger = shopper("stranger").await;
    assert_eq!(
        stranger
            .get(&format!("/api/orders/{order_id}"))
            .await
            .error(404),
        "NOT_FOUND"
    );
}

#[tokio::test]
async fn a_declined_card_charges_nothing_and_keeps_the_cart_and_the_stock() {
    let admin = admin().await;
    let (v, dress) = buyer("declined", "zara-floral-dress", 2).await;
    v.post("/api/cart/coupon", &json!({"couponCode": "WELCOME10"}))
        .await
        .data();
    let cart_before = v.get("/api/cart").await.data().clone();
    let stock_before = stock(&admin, &dress).await;
    let declined = v
        .post("/api/checkout/confirm", &card("pm_card_chargeDeclined"))
        .await;
    assert_eq!(declined.error(402), "PAYMENT_FAILED");
    let order_id = declined.body["details"]["orderId"]
        .as_str()
        .unwrap()
        .to_string();
    let order = v
        .get(&format!("/api/orders/{order_id}"))
        .await
        .data()
        .clone();
    assert_eq!(
        (order["status"].as_str(), order["paymentStatus"].as_str()),
        (Some("CANCELLED"), Some("FAILED"))
    );
    assert_eq!(stock(&admin, &dress).await, stock_before, "stock released");
    let cart_after = v.get("/api/cart").await.data().clone();
    assert_eq!(cart_after["items"], cart_before["items"]);
    assert_eq!(cart_after["couponCode"], cart_before["couponCode"]);
    assert_eq!(cart_after["discount"], cart_before["discount"]);
    // The same cart then goes through with a good card (the coupon was given back).
    let paid = v
        .post("/api/checkout/confirm", &card("pm_card_mastercard"))
        .await;
    assert_eq!(paid.status, 201, "{}", paid.body);
    let insufficient = buyer("poor", "zara-floral-dress", 1).await.0;
    let refused = insufficient
        .post(
            "/api/checkout/confirm",
            &card("pm_card_chargeDeclinedInsufficientFunds"),
        )
        .await;
    assert_eq!(refused.error(402), "PAYMENT_FAILED");
    assert!(
        refused.body["message"]
            .as_str()
            .unwrap()
            .contains("insufficient"),
        "{}",
        refused.body
    );
}

#[tokio::test]
async fn buyers_racing_for_the_last_units_make_exactly_that_many_orders() {
    const BUYERS: usize = 8;
    const LEFT: i64 = 3;
    let admin = admin().await;
    let mut buyers = Vec::new();
    for i in 0..BUYERS {
        buyers.push(buyer(&format!("racer{i}"), "dyson-v15-detect", 1).await.0);
    }
    // Only this test buys this product.
    let vacuum = product_id(&admin, "dyson-v15-detect").await;
    admin
        .put(
            &format!("/api/admin/inventory/{vacuum}"),
            &json!({"operation": "SET", "quantity": LEFT, "reason": "last units"}),
        )
        .await
        .data();
    let body = card("pm_card_visa");
    let answers = futures::future::join_all(
        buyers
            .iter()
            .map(|v| v.post("/api/checkout/confirm", &body)),
    )
    .await;
    let won = answers.iter().filter(|a| a.status == 201).count();
    let lost: Vec<&Reply> = answers.iter().filter(|a| a.status != 201).collect();
    assert_eq!(
        won as i64,
        LEFT,
        "{:?}",
        answers.iter().map(|a| &a.body).collect::<Vec<_>>()
    );
    for loser in &lost {
        assert_eq!(loser.error(409), "OUT_OF_STOCK", "{}", loser.body);
    }
    assert_eq!(stock(&admin, &vacuum).await, (0, 0));
    // Losers were not charged: they have no order at all, and keep their cart.
    for (v, a) in buyers.iter().zip(&answers) {
        let orders = v.get("/api/orders").await.data().as_array().unwrap().len();
        assert_eq!(orders, usize::from(a.status == 201));
        let lines = v.get("/api/cart").await.data()["items"]
            .as_array()
            .unwrap()
            .len();
        assert_eq!(lines, usize::from(a.status != 201));
    }
}

#[tokio::test]
async fn concurrent_confirms_of_one_cart_make_one_order() {
    let (v, _) = buyer("twice", "levis-501-jeans", 1).await;
    let key = format!("double-click-{}", uuid::Uuid::new_v4());
    let body = card("pm_card_visa");
    let same_key = futures::future::join_all(
        (0..4).map(|_| post_keyed(&v, "/api/checkout/confirm", Some(&key), &body)),
    )
    .await;
    let ids: Vec<&Value> = same_key
        .iter()
        .filter(|a| a.status == 201)
        .map(|a| &a.body["data"]["orderId"])
        .collect();
    assert!(
        !ids.is_empty(),
        "{:?}",
        same_key.iter().map(|a| &a.body).collect::<Vec<_>>()
    );
    assert!(
        ids.iter().all(|id| *id == ids[0]),
        "one order replayed: {ids:?}"
    );
    assert_eq!(
        v.get("/api/orders").await.data().as_array().unwrap().len(),
        1
    );

    // Two confirms with different keys on one refilled cart: still one order.
    let jeans = product_id(&v, "levis-501-jeans").await;
    add(&v, &jeans, 1).await.data();
    let (a, b) = tokio::join!(
        post_keyed(&v, "/api/checkout/confirm", Some("k-a"), &body),
        post_keyed(&v, "/api/checkout/confirm", Some("k-b"), &body),
    );
    let created = [&a, &b].iter().filter(|r| r.status == 201).count();
    assert_eq!(created, 1, "{} / {}", a.body, b.body);
    let refused = if a.status == 201 { &b } else { &a };
    assert!([400, 409].contains(&refused.status), "{}", refused.body);
    assert_eq!(
        v.get("/api/orders").await.data().as_array().unwrap().len(),
        2
    );
}

#[tokio::test]
async fn cash_on_delivery_confirms_without_a_charge() {
    let admin = admin().await;
    let (v, mixer) = buyer("cod", "kitchenaid-stand-mixer", 1).await;
    let before = stock(&admin, &mixer).await;
    let order = v.post("/api/orders", &card("cash_on_delivery")).await;
    assert_eq!(order.status, 201, "{}", order.body);
    let order = order.data().clone();
    assert_eq!(
        (order["status"].as_str(), order["paymentStatus"].as_str()),
        (Some("CONFIRMED"), Some("PENDING"))
    );
    assert_eq!(order["paymentMethod"], "cash_on_delivery");
    assert_eq!(stock(&admin, &mixer).await, (before.0 - 1, before.1));
    assert_eq!(
        v.get("/api/cart").await.data()["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
}
