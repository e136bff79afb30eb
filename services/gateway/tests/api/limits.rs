//! Budgets run out and come back: a window's requests are refused past the limit and served
//! again once the window has passed.
use axum::body::Body;
use axum::http::Request;

use crate::{gateway_with, send};

#[tokio::test]
async fn a_spent_budget_resets_with_the_next_window() {
    let gw = gateway_with(&[
        ("VICI_RATE_LIMITS", "ip=2/1s"),
        ("VICI_TRUST_FORWARDED_FOR", "true"),
    ])
    .await;
    let status = || async {
        let request = Request::get("/api/products")
            .header("x-forwarded-for", "198.51.100.20")
            .body(Body::empty())
            .unwrap();
        send(&gw.app, request).await.status
    };
    // Start at the beginning of a window so all three land in the same one.
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_millis();
    tokio::time::sleep(std::time::Duration::from_millis(u64::from(1000 - ms))).await;
    assert_eq!(
        (status().await, status().await, status().await),
        (200, 200, 429)
    );
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(status().await, 200, "the next window has a fresh budget");
}
