//! The admin's stock and coupons through the gateway: reading and adjusting a product's stock
//! (seen on its product page at once), the movement history, low-stock thresholds, and coupon
//! CRUD as shoppers then meet it.
use reqwest::Method;
use serde_json::json;
use vici_testkit::system::{DEMO_PASSWORD, Visitor, shop};

use crate::account::product_id;
use crate::cart::{add, shopper};

async fn admin() -> Visitor<'static> {
    let mut a = shop().visitor();
    a.login("admin@example.com", DEMO_PASSWORD).await.data();
    a
}

#[tokio::test]
async fn admin_stock_changes_show_on_the_product_page_at_once() {
    let admin = admin().await;
    // Only this test touches this product's stock.
    let id = product_id(&admin, "north-face-backpack").await;
    let path = format!("/api/admin/inventory/{id}");
    let shopper = shop().visitor();
    let before = admin.get(&path).await.data().clone();
    assert_eq!(before["productId"], id.as_str());
    assert_eq!(before["lowStockThreshold"], 10);
    let start = before["available"].as_i64().unwrap();
    assert_eq!(
        before["total"],
        start + before["reserved"].as_i64().unwrap()
    );
    // Warm the public micro-cache, then change the stock.
    let page = format!("/api/products/{id}");
    assert_eq!(shopper.get(&page).await.data()["stock"], start);

    let set = admin
        .put(
            &path,
            &json!({"operation": "SET", "quantity": 0, "reason": "stocktake"}),
        )
        .await
        .data()
        .clone();
    assert_eq!(
        (set["available"].as_i64(), set["inStock"].as_bool()),
        (Some(0), Some(false))
    );
    let shown = shopper.get(&page).await.data().clone();
    assert_eq!(
        (shown["stock"].as_i64(), shown["inStock"].as_bool()),
        (Some(0), Some(false))
    );
    let buyer = shopper_with_cart(&id).await;
    assert_eq!(buyer.error(409), "OUT_OF_STOCK");

    let added = admin
        .put(&path, &json!({"operation": "add", "quantity": start, "reason": "delivery", "lowStockThreshold": 5}))
        .await
        .data()
        .clone();
    assert_eq!(
        (
            added["available"].as_i64(),
            added["lowStockThreshold"].as_i64()
        ),
        (Some(start), Some(5))
    );
    assert_eq!(shopper.get(&page).await.data()["stock"], start);

    let history = admin.get(&format!("{path}/movements?limit=2")).await;
    let moves = history.data().as_array().unwrap().clone();
    assert_eq!(history.body["pagination"]["limit"], 2);
    assert_eq!(
        (moves[0]["reason"].as_str(), moves[0]["delta"].as_i64()),
        (Some("delivery"), Some(start))
    );
    assert_eq!(
        (moves[1]["reason"].as_str(), moves[1]["after"].as_i64()),
        (Some("stocktake"), Some(0))
    );
    assert_eq!(moves[0]["actor"], admin.user["id"]);
    assert_eq!(moves[0]["kind"], "ADJUST");
}

async fn shopper_with_cart(product: &str) -> vici_testkit::system::Reply {
    let v = shopper("soldout").await;
    add(&v, product, 1).await
}

#[tokio::test]
async fn stock_adjustments_refuse_bad_input_and_non_admins() {
    let admin = admin().await;
    let id = product_id(&admin, "gaming-keyboard-rgb").await;
    let path = format!("/api/admin/inventory/{id}");
    let before = admin.get(&path).await.data().clone();
    let available = before["available"].as_i64().unwrap();
    for body in [
        json!({"operation": "SUBTRACT", "quantity": available + 1, "reason": "loss"}),
        json!({"operation": "REMOVE", "quantity": 1, "reason": "x"}),
        json!({"operation": "ADD", "quantity": -1, "reason": "x"}),
        json!({"operation": "ADD", "quantity": 1.5, "reason": "x"}),
        json!({"operation": "ADD", "quantity": 1}),
        json!({"quantity": 1, "reason": "x"}),
        json!({"lowStockThreshold": -1}),
        // Refused as a whole: the threshold stays as it was.
        json!({"operation": "SUBTRACT", "quantity": available + 1, "reason": "loss", "lowStockThreshold": 99}),
        json!({"operation": "ADD", "quantity": 1, "reason": "", "lowStockThreshold": 99}),
    ] {
        let r = admin.put(&path, &body).await;
        assert_eq!(r.error(400), "VALIDATION_ERROR", "{body}: {}", r.body);
    }
    let too_much = admin
        .put(
            &path,
            &json!({"operation": "SUBTRACT", "quantity": available + 1, "reason": "loss"}),
        )
        .await;
    assert_eq!(too_much.body["details"]["available"], available);
    assert_eq!(
        admin.get(&path).await.data()["available"],
        available,
        "nothing changed"
    );
    assert_eq!(
        admin
            .get("/api/admin/inventory/0190a4c2-0000-7000-8000-000000000000")
            .await
            .error(404),
        "NOT_FOUND"
    );
    let customer = shopper("notadmin").await;
    assert_eq!(customer.get(&path).await.error(403), "FORBIDDEN");
    assert_eq!(
        customer
            .put(
                &path,
                &json!({"operation": "SET", "quantity": 0, "reason": "x"})
            )
            .await
            .error(403),
        "FORBIDDEN"
    );
    assert_eq!(
        customer.get("/api/admin/coupons").await.error(403),
        "FORBIDDEN"
    );
}

#[tokio::test]
async fn admins_manage_coupons_and_shoppers_meet_the_changes() {
    let admin = admin().await;
    let code = format!("T{}", &uuid::Uuid::new_v4().simple().to_string()[..10]).to_uppercase();
    let created = admin
        .post("/api/admin/coupons", &json!({"code": code.to_lowercase(), "kind": "fixed", "value": 5, "minSubtotal": 20, "description": "test"}))
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let coupon = created.data().clone();
    assert_eq!(
        (
            coupon["code"].as_str(),
            coupon["value"].as_f64(),
            coupon["minSubtotal"].as_f64()
        ),
        (Some(code.as_str()), Some(5.0), Some(20.0))
    );
    let duplicate = admin
        .post(
            "/api/admin/coupons",
            &json!({"code": code, "kind": "percent", "value": 10}),
        )
        .await;
    assert_eq!(duplicate.error(409), "CONFLICT");
    for bad in [
        json!({"code": "BAD CODE!", "kind": "percent", "value": 10}),
        json!({"code": "OK1", "kind": "percent", "value": 101}),
        json!({"code": "OK2", "kind": "bogus", "value": 1}),
        json!({"code": "OK3", "kind": "fixed", "value": 1.999}),
        json!({"code": "OK4", "kind": "percent", "value": 5, "expiresAt": "tomorrow"}),
    ] {
        let r = admin.post("/api/admin/coupons", &bad).await;
        assert_eq!(r.error(400), "VALIDATION_ERROR", "{bad}: {}", r.body);
    }
    let listed = admin
        .get("/api/admin/coupons?limit=100")
        .await
        .data()
        .clone();
    let codes: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"SAVE20") && codes.contains(&code.as_str()),
        "{codes:?}"
    );

    let v = shopper("couponadmin").await;
    let book = product_id(&v, "atomic-habits-book").await; // 16.99
    add(&v, &book, 2).await.data();
    let applied = v
        .post("/api/cart/coupon", &json!({"couponCode": code}))
        .await
        .data()
        .clone();
    assert_eq!(applied["discount"], 5.0);
    let path = format!("/api/admin/coupons/{}", coupon["id"].as_str().unwrap());
    let updated = admin
        .put(&path, &json!({"value": 7.5}))
        .await
        .data()
        .clone();
    assert_eq!(
        (updated["value"].as_f64(), updated["kind"].as_str()),
        (Some(7.5), Some("fixed"))
    );
    assert_eq!(
        v.get("/api/cart").await.data()["discount"],
        7.5,
        "re-evaluated on read"
    );
    admin.bare(Method::DELETE, &path).await.data();
    let after = v.get("/api/cart").await.data().clone();
    assert_eq!(
        (after["discount"].as_f64(), after["couponCode"].as_str()),
        (Some(0.0), Some(code.as_str()))
    );
    assert!(after["couponMessage"].is_string(), "{after}");
    let again = v
        .post("/api/cart/coupon", &json!({"couponCode": code}))
        .await;
    assert_eq!(again.error(404), "NOT_FOUND");
    assert_eq!(
        admin
            .put("/api/admin/coupons/not-an-id", &json!({"value": 1}))
            .await
            .error(404),
        "NOT_FOUND"
    );
}
