//! `vici-bench checkout` against a fake gateway selling the stockroom's item, read back through
//! the fake inventory: exact counts when the shop is right, a failed check when it is not.
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{delete, post};
use serde_json::{Value, json};
use vici_bench::checkout::{CheckoutConfig, run};

use crate::fake::{Shared, serve_inventory, stockroom};

struct Gateway {
    stock: Shared,
    /// Units in each shopper's cart, by bearer token.
    carts: Mutex<HashMap<String, i64>>,
    keys: Mutex<HashSet<String>>,
    /// A correct shop takes 1; a broken one more.
    units_per_checkout: i64,
}

type Answer = (StatusCode, Json<Value>);

fn answer(status: StatusCode, code: &str) -> Answer {
    let body = json!({"success": false, "error": {"code": code, "message": code}});
    (status, Json(body))
}

fn header(h: &HeaderMap, name: &str) -> String {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

async fn add(State(g): State<Arc<Gateway>>, h: HeaderMap, Json(body): Json<Value>) -> Answer {
    assert_eq!(
        (&body["productId"], &body["quantity"]),
        (&json!("p-1"), &json!(1))
    );
    let mut carts = g.carts.lock().unwrap();
    let line = carts.entry(header(&h, "authorization")).or_default();
    if g.stock.lock().unwrap().available < *line + 1 {
        return answer(StatusCode::CONFLICT, "OUT_OF_STOCK");
    }
    *line += 1;
    (StatusCode::CREATED, Json(json!({"success": true})))
}

async fn empty(State(g): State<Arc<Gateway>>, h: HeaderMap) -> Answer {
    g.carts.lock().unwrap().remove(&header(&h, "authorization"));
    (StatusCode::OK, Json(json!({"success": true})))
}

async fn confirm(State(g): State<Arc<Gateway>>, h: HeaderMap, Json(body): Json<Value>) -> Answer {
    assert_eq!(body["paymentMethod"], "pm_card_visa");
    assert!(body["shippingAddress"]["addressLine1"].is_string());
    let key = header(&h, "idempotency-key");
    if key.is_empty() || !g.keys.lock().unwrap().insert(key) {
        return answer(StatusCode::CONFLICT, "IDEMPOTENCY_KEY_REUSED");
    }
    let mut carts = g.carts.lock().unwrap();
    let line = carts.entry(header(&h, "authorization")).or_default();
    if *line != 1 {
        return answer(StatusCode::BAD_REQUEST, "CART_NOT_ONE_UNIT");
    }
    let mut stock = g.stock.lock().unwrap();
    if stock.available < 1 {
        return answer(StatusCode::CONFLICT, "OUT_OF_STOCK");
    }
    stock.available -= g.units_per_checkout;
    *line = 0;
    (
        StatusCode::CREATED,
        Json(json!({"success": true, "data": {"status": "success"}})),
    )
}

/// A fake gateway and inventory over `available` units; the config for `shoppers` shoppers.
async fn shop(available: i64, units_per_checkout: i64, shoppers: usize) -> CheckoutConfig {
    let stock = stockroom(available, 0, false);
    let gateway = Arc::new(Gateway {
        stock: stock.clone(),
        carts: Mutex::default(),
        keys: Mutex::default(),
        units_per_checkout,
    });
    let app = axum::Router::new()
        .route("/api/cart/items", post(add))
        .route("/api/cart", delete(empty))
        .route("/api/checkout/confirm", post(confirm))
        .with_state(gateway);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    CheckoutConfig {
        api: format!("http://{addr}/api"),
        shoppers: (0..shoppers)
            .map(|i| ("Authorization".into(), format!("Bearer shopper-{i}")))
            .collect(),
        products: vec!["p-1".into()],
        payment_method: "pm_card_visa".into(),
        inventory: Some(serve_inventory(stock).await),
        until_sold_out: false,
        duration: Duration::from_millis(300),
        warmup: Duration::from_millis(100),
        timeout: Duration::from_secs(5),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shoppers_sell_out_exactly_the_stock() {
    let config = CheckoutConfig {
        until_sold_out: true,
        duration: Duration::from_secs(20),
        warmup: Duration::ZERO,
        ..shop(40, 1, 4).await
    };
    let r = run(&config).await.unwrap();
    assert_eq!((r.checkouts_total, r.load.errors), (40, 0), "{r:?}");
    // Each shopper stops at its first out-of-stock answer.
    assert_eq!(r.out_of_stock, 4, "{r:?}");
    let s = &r.stock[0];
    assert_eq!((s.before.available, s.after.available, s.sold), (40, 0, 40));
    assert!(!r.oversold && r.violations.is_empty(), "{r:?}");
    assert!(r.load.latency_ms.p50 <= r.load.latency_ms.p99);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shop_that_takes_two_units_per_checkout_is_caught() {
    let r = run(&shop(100_000, 2, 2).await).await.unwrap();
    assert!(r.checkouts_total > 0 && r.oversold, "{r:?}");
    let fell = format!("available fell by {}", 2 * r.checkouts_total);
    assert!(r.violations[0].contains(&fell), "{:?}", r.violations);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn measured_checkouts_are_those_inside_the_window() {
    let config = CheckoutConfig {
        inventory: None,
        ..shop(100_000, 1, 3).await
    };
    let r = run(&config).await.unwrap();
    assert_eq!(r.load.errors, 0, "{r:?}");
    assert!(
        r.load.requests > 0 && r.load.requests < r.checkouts_total,
        "{r:?}"
    );
    assert_eq!(r.load.requests_per_sec, r.load.requests as f64 / 0.3);
    assert!(r.stock.is_empty() && !r.oversold, "{r:?}");
}
