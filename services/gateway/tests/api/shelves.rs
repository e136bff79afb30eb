//! Categories, price ranges, curated shelves, reviews and the micro-cache.
use std::sync::atomic::Ordering;
use vici_proto::vocabulary::Spelled;

use serde_json::json;

use crate::fake::HEADPHONES_ID;
use crate::{gateway, gateway_with, get};

#[tokio::test]
async fn categories_list_tree_and_detail() {
    let gw = gateway().await;
    let flat = get(&gw.app, "/api/products/categories")
        .await
        .data()
        .clone();
    assert_eq!(flat.as_array().unwrap().len(), 2);
    assert!(
        flat[0].get("children").is_none(),
        "children only when present"
    );
    assert_eq!(flat[0]["productCount"], 2);
    assert_eq!(flat[0]["isActive"], true);
    let tree = get(&gw.app, "/api/products/categories?tree=true")
        .await
        .data()
        .clone();
    assert_eq!(tree[0]["children"][0]["slug"], "headphones");
    let one = get(&gw.app, "/api/products/categories/audio")
        .await
        .data()
        .clone();
    assert_eq!(one["children"][0]["id"], "c2");
    get(&gw.app, "/api/products/categories/nope")
        .await
        .assert_error(404, "NOT_FOUND");
    get(&gw.app, "/api/products/categories?tree=sure")
        .await
        .assert_error(400, "VALIDATION_ERROR");
}

#[tokio::test]
async fn price_range_is_in_dollars() {
    let gw = gateway().await;
    let data = get(&gw.app, "/api/products/price-range?category=audio")
        .await
        .data()
        .clone();
    assert_eq!(
        data,
        json!({"minPrice": 10.0, "maxPrice": 129.99, "avgPrice": 69.99, "productCount": 2})
    );
}

#[tokio::test]
async fn curated_shelves_ask_for_their_kind_with_default_limit_ten() {
    let gw = gateway().await;
    for (path, kind) in [
        ("/api/products/recommended", "recommended"),
        ("/api/products/trending?category=audio", "trending"),
        ("/api/products/new-arrivals", "new-arrivals"),
    ] {
        let answer = get(&gw.app, path).await;
        assert_eq!(answer.data().clone().as_array().unwrap().len(), 2, "{path}");
        let sent = gw.fake.last_curated();
        assert_eq!((sent.kind().spelling(), sent.limit), (kind, 10), "{path}");
    }
    assert_eq!(gw.fake.last_curated().category, None);
    get(&gw.app, "/api/products/trending?category=audio&limit=3")
        .await
        .data();
    let sent = gw.fake.last_curated();
    assert_eq!((sent.category.as_deref(), sent.limit), (Some("audio"), 3));

    for (suffix, kind) in [
        ("related", "related"),
        ("frequently-bought-together", "frequently-bought-together"),
    ] {
        let data = get(&gw.app, &format!("/api/products/{HEADPHONES_ID}/{suffix}"))
            .await
            .data()
            .clone();
        assert!(
            data.as_array()
                .unwrap()
                .iter()
                .all(|p| p["id"] != HEADPHONES_ID),
            "never the product itself"
        );
        // The product's own category first, then (the fake's shelf being short) the shop's
        // best, neither with the product itself.
        let sent = gw.fake.curated_requests.lock().unwrap().clone();
        let [.., about, best] = &sent[..] else {
            panic!("two ListCurated calls: {sent:?}")
        };
        assert_eq!(
            (about.kind().spelling(), about.product_id.as_deref()),
            (kind, Some(HEADPHONES_ID))
        );
        assert_eq!(
            (best.kind().spelling(), best.product_id.as_deref()),
            ("recommended", None)
        );
        assert!(
            best.exclude_ids.iter().any(|id| id == HEADPHONES_ID),
            "{best:?}"
        );
        get(&gw.app, &format!("/api/products/bogus/{suffix}"))
            .await
            .assert_error(404, "NOT_FOUND");
    }
    get(&gw.app, "/api/products/trending?limit=0")
        .await
        .assert_error(400, "VALIDATION_ERROR");
}

#[tokio::test]
async fn reviews_are_paged_with_a_summary() {
    let gw = gateway().await;
    let answer = get(
        &gw.app,
        &format!("/api/products/{HEADPHONES_ID}/reviews?sort=rating_desc&limit=5"),
    )
    .await;
    let data = answer.data();
    assert_eq!(data[0]["userName"], "Jane D.");
    assert_eq!(data[0]["rating"], 5);
    assert_eq!(data[0]["verified"], true);
    let body = answer.json();
    assert_eq!(
        body["summary"],
        json!({"average": 4.5, "count": 12, "distribution": {"1": 0, "2": 1, "3": 1, "4": 3, "5": 7}})
    );
    assert_eq!(
        body["pagination"],
        json!({"page": 1, "limit": 5, "pageSize": 5, "total": 12, "totalPages": 3})
    );
    assert_eq!(answer.header("x-total-count"), Some("12"));
    let sent = gw
        .fake
        .review_requests
        .lock()
        .unwrap()
        .last()
        .cloned()
        .unwrap();
    assert_eq!(sent.sort().spelling(), "rating-desc");
}

#[tokio::test]
async fn the_micro_cache_serves_repeated_reads_once_per_ttl() {
    let gw = gateway_with(&[("VICI_GATEWAY_CACHE_TTL_MS", "60000")]).await;
    let first = get(&gw.app, "/api/products?sort=name").await;
    let second = get(&gw.app, "/api/products?sort=name").await;
    assert_eq!(first.body, second.body);
    assert_eq!(second.header("x-total-count"), Some("2"));
    assert_eq!(gw.fake.calls.load(Ordering::SeqCst), 1);
    get(&gw.app, "/api/products?sort=newest").await.data();
    assert_eq!(gw.fake.calls.load(Ordering::SeqCst), 2, "keyed by query");
    get(&gw.app, "/api/products/recommended").await.data();
    get(&gw.app, "/api/products/recommended").await.data();
    assert_eq!(
        gw.fake.calls.load(Ordering::SeqCst),
        4,
        "personalised shelves are never cached"
    );
}

#[tokio::test]
async fn a_zero_ttl_turns_the_cache_off() {
    let gw = gateway_with(&[("VICI_GATEWAY_CACHE_TTL_MS", "0")]).await;
    get(&gw.app, "/api/products").await.data();
    get(&gw.app, "/api/products").await.data();
    assert_eq!(gw.fake.calls.load(Ordering::SeqCst), 2);
}
