//! The storefront's cart journeys through the gateway: adds from the product page and the shop
//! grid (double adds land), quantities, removals, coupons and the contract's totals, stock
//! limits, guest-cart merge, and bad input that leaves the cart unchanged.
use reqwest::Method;
use serde_json::{Value, json};
use vici_testkit::system::{Visitor, shop};

use crate::account::product_id;

/// A product's own catalogue price in cents (as the product page shows it).
async fn price_cents(v: &Visitor<'_>, id: &str) -> i64 {
    let p = v.get(&format!("/api/products/{id}")).await;
    (p.data()["price"].as_f64().unwrap() * 100.0).round() as i64
}

fn cents(x: &Value) -> i64 {
    (x.as_f64().expect("an amount") * 100.0).round() as i64
}

pub async fn shopper(tag: &str) -> Visitor<'static> {
    let mut v = shop().visitor();
    v.register(tag).await.data();
    v
}

pub async fn add(v: &Visitor<'_>, product: &str, quantity: i64) -> vici_testkit::system::Reply {
    v.post(
        "/api/cart/items",
        &json!({"productId": product, "quantity": quantity}),
    )
    .await
}

/// The path of line `index` of `cart`.
pub fn line_path(cart: &Value, index: usize) -> String {
    format!(
        "/api/cart/items/{}",
        cart["items"][index]["id"].as_str().unwrap()
    )
}

/// Checks the cart's totals against contract §2 from its own lines.
fn assert_totals(cart: &Value) {
    let lines = cart["items"].as_array().unwrap();
    let subtotal: i64 = lines
        .iter()
        .map(|l| {
            assert_eq!(
                cents(&l["totalPrice"]),
                cents(&l["unitPrice"]) * l["quantity"].as_i64().unwrap()
            );
            cents(&l["totalPrice"])
        })
        .sum();
    let count: i64 = lines.iter().map(|l| l["quantity"].as_i64().unwrap()).sum();
    assert_eq!(cents(&cart["subtotal"]), subtotal, "{cart}");
    assert_eq!(cart["itemCount"], count);
    assert_eq!(
        cents(&cart["total"]),
        subtotal - cents(&cart["discount"]),
        "{cart}"
    );
}

#[tokio::test]
async fn a_shopper_fills_changes_and_empties_a_cart() {
    let v = shopper("cart").await;
    let empty = v.get("/api/cart").await.data().clone();
    assert_eq!(
        (
            empty["items"].as_array().unwrap().len(),
            empty["total"].as_f64()
        ),
        (0, Some(0.0))
    );
    assert_eq!(empty["userId"], v.user["id"]);

    let mouse = product_id(&v, "logitech-mx-master-3s").await;
    let book = product_id(&v, "atomic-habits-book").await;
    // "Add both to cart" fires two adds at once; the shop grid may add one product twice.
    let (a, b, c) = tokio::join!(add(&v, &mouse, 1), add(&v, &book, 2), add(&v, &book, 1));
    for reply in [&a, &b, &c] {
        assert_eq!(reply.status, 201, "{}", reply.body);
    }
    let cart = v.get("/api/cart").await.data().clone();
    let lines = cart["items"].as_array().unwrap();
    assert_eq!(lines.len(), 2, "{cart}");
    let book_line = lines
        .iter()
        .find(|l| l["productId"] == book.as_str())
        .unwrap()
        .clone();
    assert_eq!(book_line["quantity"], 3, "both adds of the book landed");
    assert_eq!(cents(&book_line["unitPrice"]), price_cents(&v, &book).await);
    assert_eq!(book_line["name"], "Atomic Habits");
    assert!(book_line["image"].as_str().is_some_and(|i| !i.is_empty()));
    assert!(book_line["stock"].as_i64().unwrap() > 0);
    assert_totals(&cart);

    // The client's own price and name are ignored.
    let cheat = v
        .post(
            "/api/cart/items",
            &json!({"productId": mouse, "quantity": 1, "price": 0.01, "name": "Free"}),
        )
        .await
        .data()
        .clone();
    let mouse_line = cheat["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["productId"] == mouse.as_str())
        .unwrap()
        .clone();
    assert_eq!(
        (
            mouse_line["quantity"].as_i64(),
            cents(&mouse_line["unitPrice"])
        ),
        (Some(2), 9_999)
    );
    assert_ne!(mouse_line["name"], "Free");

    let path = format!("/api/cart/items/{}", book_line["id"].as_str().unwrap());
    let changed = v.put(&path, &json!({"quantity": 5})).await.data().clone();
    let same = changed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["productId"] == book.as_str())
        .unwrap();
    assert_eq!(
        (same["id"].clone(), same["quantity"].as_i64()),
        (book_line["id"].clone(), Some(5)),
        "the line id is stable"
    );
    assert_totals(&changed);

    let removed = v.bare(Method::DELETE, &path).await.data().clone();
    assert_eq!(removed["items"].as_array().unwrap().len(), 1);
    assert_totals(&removed);
    let cleared = v
        .bare(Method::DELETE, "/api/cart/clear")
        .await
        .data()
        .clone();
    assert_eq!(
        (
            cleared["items"].as_array().unwrap().len(),
            cleared["itemCount"].as_i64()
        ),
        (0, Some(0))
    );
    assert_eq!(cleared["id"], empty["id"], "one cart per user for its life");
}

#[tokio::test]
async fn parallel_adds_from_one_browser_all_land() {
    let v = shopper("burst").await;
    let headphones = product_id(&v, "sony-wh1000xm5").await;
    let adds = (0..12).map(|_| add(&v, &headphones, 1));
    for reply in futures::future::join_all(adds).await {
        assert_eq!(reply.status, 201, "{}", reply.body);
    }
    let cart = v.get("/api/cart").await.data().clone();
    assert_eq!(cart["items"].as_array().unwrap().len(), 1);
    assert_eq!(cart["items"][0]["quantity"], 12, "{cart}");
}

#[tokio::test]
async fn coupons_follow_the_contract_and_stop_applying_when_the_cart_shrinks() {
    let v = shopper("coupon").await;
    let book = product_id(&v, "atomic-habits-book").await; // 16.99
    add(&v, &book, 2).await.data();
    let below = v
        .post("/api/cart/coupon", &json!({"couponCode": "SAVE20"}))
        .await;
    assert_eq!(below.error(409), "CONFLICT");
    assert_eq!(below.body["message"], "Minimum order $50.00 required");
    assert_eq!(below.body["details"]["reason"], "minimum");
    let expired = v
        .post("/api/cart/coupon", &json!({"couponCode": "EXPIRED5"}))
        .await;
    assert_eq!(expired.error(409), "CONFLICT");
    assert_eq!(
        (
            expired.body["message"].as_str(),
            expired.body["details"]["reason"].as_str()
        ),
        (Some("This coupon has expired"), Some("expired"))
    );
    let unknown = v.post("/api/cart/coupon", &json!({"code": "NOPE"})).await;
    assert_eq!(unknown.error(404), "NOT_FOUND");
    assert_eq!(unknown.body["message"], "Invalid coupon code");

    let cart = add(&v, &book, 1).await.data().clone(); // 3 × 16.99 = 50.97
    assert_eq!(cents(&cart["subtotal"]), 5_097);
    // Lower case works; 20 % of 50.97 = 10.194 → 10.19.
    let with = v
        .post("/api/cart/coupon", &json!({"couponCode": "save20"}))
        .await
        .data()
        .clone();
    assert_eq!(
        (with["couponCode"].as_str(), cents(&with["discount"])),
        (Some("SAVE20"), 1_019)
    );
    assert_totals(&with);

    let line = line_path(&with, 0);
    let shrunk = v.put(&line, &json!({"quantity": 2})).await.data().clone();
    assert_eq!(
        (shrunk["couponCode"].as_str(), cents(&shrunk["discount"])),
        (Some("SAVE20"), 0)
    );
    assert_eq!(shrunk["couponMessage"], "Minimum order $50.00 required");
    assert_totals(&shrunk);
    let grown = v.put(&line, &json!({"quantity": 3})).await.data().clone();
    assert_eq!(cents(&grown["discount"]), 1_019, "applies again");
    assert!(grown["couponMessage"].is_null());

    let flat = v
        .post("/api/cart/coupon", &json!({"couponCode": "FLAT15"}))
        .await;
    assert_eq!(flat.body["details"]["reason"], "minimum", "{}", flat.body);
    let welcome = v
        .post("/api/cart/coupon", &json!({"couponCode": "WELCOME10"}))
        .await
        .data()
        .clone();
    assert_eq!(
        cents(&welcome["discount"]),
        510,
        "10 % of 50.97 = 5.097 → 5.10"
    );
    let none = v
        .bare(Method::DELETE, "/api/cart/coupon")
        .await
        .data()
        .clone();
    assert!(none["couponCode"].is_null());
    assert_eq!(cents(&none["discount"]), 0);
    assert_eq!(cents(&none["total"]), 5_097);
}

#[tokio::test]
async fn stock_limits_and_unknown_products_are_refused_with_the_cart_unchanged() {
    let v = shopper("stock").await;
    let bike = product_id(&v, "peloton-bike-plus").await; // 3 in stock
    let too_many = add(&v, &bike, 4).await;
    assert_eq!(too_many.error(409), "OUT_OF_STOCK");
    assert_eq!(too_many.body["details"]["available"], 3);
    assert_eq!(too_many.body["details"]["productId"], bike.as_str());
    add(&v, &bike, 2).await.data();
    let merged_over = add(&v, &bike, 2).await;
    assert_eq!(
        merged_over.error(409),
        "OUT_OF_STOCK",
        "2 + 2 is more than 3"
    );
    let unknown = add(&v, "0190a4c2-0000-7000-8000-000000000000", 1).await;
    assert_eq!(unknown.error(404), "NOT_FOUND");
    let cart = v.get("/api/cart").await.data().clone();
    assert_eq!(cart["items"][0]["quantity"], 2);
    assert_eq!(cart["items"][0]["stock"], 3);
}

#[tokio::test]
async fn bad_input_is_a_clear_4xx_and_changes_nothing() {
    let v = shopper("cartbad").await;
    let other = shopper("cartother").await;
    let mouse = product_id(&v, "logitech-mx-master-3s").await;
    let before = add(&v, &mouse, 1).await.data().clone();
    let line = line_path(&before, 0);
    for quantity in [json!(0), json!(-1), json!(1.5), json!(100), json!("2")] {
        let r = v
            .post(
                "/api/cart/items",
                &json!({"productId": mouse, "quantity": quantity}),
            )
            .await;
        assert_eq!(r.error(400), "VALIDATION_ERROR", "quantity {quantity}");
        assert!(r.body["details"]["quantity"].is_string(), "{}", r.body);
    }
    for quantity in [json!(-1), json!(2.5), json!(100)] {
        assert_eq!(
            v.put(&line, &json!({"quantity": quantity}))
                .await
                .error(400),
            "VALIDATION_ERROR"
        );
    }
    let malformed = v
        .post(
            "/api/cart/items",
            &json!({"productId": "abc", "quantity": 1}),
        )
        .await;
    assert!(
        malformed.body["details"]["productId"].is_string(),
        "{}",
        malformed.body
    );
    assert_eq!(malformed.error(400), "VALIDATION_ERROR");
    assert_eq!(
        add(&v, &mouse, 99).await.error(400),
        "VALIDATION_ERROR",
        "1 + 99 is over 99 per line"
    );
    assert_eq!(
        v.put("/api/cart/items/not-an-id", &json!({"quantity": 2}))
            .await
            .error(404),
        "NOT_FOUND"
    );
    // Another user's line: 404 for them, and both carts unchanged.
    assert_eq!(
        other.put(&line, &json!({"quantity": 5})).await.error(404),
        "NOT_FOUND"
    );
    assert_eq!(
        other.bare(Method::DELETE, &line).await.error(404),
        "NOT_FOUND"
    );
    for code in [
        json!("DROP TABLE;"),
        json!("x".repeat(10_240)),
        json!(42),
        json!(""),
    ] {
        let r = v
            .post("/api/cart/coupon", &json!({"couponCode": code}))
            .await;
        assert_eq!(r.error(400), "VALIDATION_ERROR", "{}", r.body);
    }
    let after = v.get("/api/cart").await.data().clone();
    assert_eq!(after["items"], before["items"]);
    assert!(after["couponCode"].is_null());
    assert!(
        other.get("/api/cart").await.data()["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        shop().visitor().get("/api/cart").await.error(401),
        "UNAUTHORIZED"
    );
}

#[tokio::test]
async fn a_guest_cart_merges_on_login_with_what_could_not_be_added_listed() {
    let v = shopper("merge").await;
    let mouse = product_id(&v, "logitech-mx-master-3s").await;
    let bike = product_id(&v, "peloton-bike-plus").await; // 3 in stock
    add(&v, &mouse, 1).await.data();
    let guest = json!({"items": [
        {"productId": mouse, "quantity": 2},
        {"productId": bike, "quantity": 50},
        {"productId": "0190a4c2-0000-7000-8000-000000000000", "quantity": 1},
        {"productId": "abc", "quantity": 1},
        {"productId": mouse, "quantity": 0.5},
    ]});
    let merged = v.post("/api/cart/merge", &guest).await.data().clone();
    let qty = |id: &str| {
        merged["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["productId"] == id)
            .map(|l| l["quantity"].clone())
    };
    assert_eq!(qty(&mouse), Some(json!(3)), "{merged}");
    assert_eq!(qty(&bike), Some(json!(3)), "clamped to stock");
    let reasons: Vec<&str> = merged["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["reason"].as_str().unwrap())
        .collect();
    assert!(
        reasons.contains(&"clamped") && reasons.contains(&"not_found"),
        "{reasons:?}"
    );
    assert_eq!(
        reasons.iter().filter(|r| **r == "invalid").count(),
        2,
        "{reasons:?}"
    );
    assert_totals(&merged);
    let not_a_list = v
        .post("/api/cart/merge", &json!({"items": "everything"}))
        .await;
    assert_eq!(not_a_list.error(400), "VALIDATION_ERROR");
}
