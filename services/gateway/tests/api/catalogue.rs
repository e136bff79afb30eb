//! Product routes: shapes, money, aliases, search, and query handling at the gRPC boundary.
use std::sync::atomic::Ordering;
use vici_proto::vocabulary::Spelled;

use serde_json::json;

use crate::fake::{HEADPHONES_ID, MUG_ID, UNKNOWN_CATEGORY};
use crate::{gateway, get};

#[tokio::test]
async fn product_list_is_enveloped_with_pagination_and_total_header() {
    let gw = gateway().await;
    let answer = get(&gw.app, "/api/products").await;
    let data = answer.data();
    assert_eq!(data.as_array().unwrap().len(), 2);
    assert_eq!(
        answer.json()["pagination"],
        json!({"page": 1, "limit": 20, "pageSize": 20, "total": 2, "totalPages": 1})
    );
    assert_eq!(answer.header("x-total-count"), Some("2"));
    assert!(
        answer
            .header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
}

#[tokio::test]
async fn money_is_rendered_as_dollar_numbers() {
    let gw = gateway().await;
    let answer = get(&gw.app, "/api/products").await;
    let text = answer.text();
    assert!(text.contains(r#""price":129.99"#), "{text}");
    assert!(!text.contains(r#""129.99""#), "never a string: {text}");
    let data = answer.data();
    let (headphones, mug) = (&data[0], &data[1]);
    assert_eq!(headphones["originalPrice"], json!(159.99));
    assert!(
        mug.get("originalPrice").is_none_or(|v| v.is_null()),
        "absent, never 0: {mug}"
    );
    assert_eq!(headphones["variants"][0]["price"], json!(139.99));
    assert_eq!(mug["price"].as_f64(), Some(10.0));
}

#[tokio::test]
async fn products_carry_every_alias() {
    let gw = gateway().await;
    let data = get(&gw.app, &format!("/api/products/{HEADPHONES_ID}"))
        .await
        .data()
        .clone();
    assert_eq!(data["id"], HEADPHONES_ID);
    assert_eq!(data["category"], data["categoryName"]);
    assert_eq!(data["category"], "Audio");
    assert_eq!(data["image"], data["images"][0]);
    assert_eq!(data["reviews"], data["reviewCount"]);
    assert_eq!(data["specs"], data["specifications"]);
    assert_eq!(data["specs"]["battery"], "30 h");
    assert_eq!(data["isSale"], data["isOnSale"]);
    assert_eq!(
        (data["stock"].clone(), data["inStock"].clone()),
        (json!(5), json!(true))
    );
    assert_eq!(data["rating"], json!(4.5));
    for field in [
        "slug",
        "description",
        "longDescription",
        "currency",
        "categoryId",
        "tags",
        "isNew",
        "isFeatured",
        "sku",
        "status",
        "variants",
        "createdAt",
        "updatedAt",
    ] {
        assert!(data.get(field).is_some(), "{field} missing: {data}");
    }
    let mug = get(&gw.app, &format!("/api/products/{MUG_ID}"))
        .await
        .data()
        .clone();
    assert_eq!(
        mug["inStock"], false,
        "stock 0 stays listed, just not in stock"
    );
}

#[tokio::test]
async fn product_lookups_404_for_unknown_or_malformed_ids() {
    let gw = gateway().await;
    get(&gw.app, "/api/products/not-a-uuid")
        .await
        .assert_error(404, "NOT_FOUND");
    get(
        &gw.app,
        "/api/products/0191e3c1-7a2b-7c3d-8e4f-ffffffffffff",
    )
    .await
    .assert_error(404, "NOT_FOUND");
    let by_slug = get(&gw.app, "/api/products/slug/wireless-headphones")
        .await
        .data()
        .clone();
    assert_eq!(by_slug["id"], HEADPHONES_ID);
    get(&gw.app, "/api/products/slug/nothing-here")
        .await
        .assert_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn the_storefront_first_request_reaches_the_service_in_cents() {
    let gw = gateway().await;
    get(
        &gw.app,
        "/api/products?minPrice=0&maxPrice=200&sort=featured",
    )
    .await
    .data();
    let req = gw.fake.last_list();
    let filter = req.filter.clone().unwrap();
    assert_eq!(
        (filter.min_price_cents, filter.max_price_cents),
        (None, Some(20_000))
    );
    assert_eq!(req.sort().spelling(), "featured");
    assert_eq!(req.page.map(|p| (p.page, p.limit)), Some((1, 20)));
    assert!(!filter.include_all_statuses);
}

#[tokio::test]
async fn list_parameters_are_normalised() {
    let gw = gateway().await;
    get(&gw.app, "/api/products?sort=price_asc&pageSize=5&page=2&minPrice=10.5&tags=audio,wireless&inStock=true&utm=x").await.data();
    let req = gw.fake.last_list();
    let filter = req.filter.clone().unwrap();
    assert_eq!(req.sort().spelling(), "price-asc");
    assert_eq!(req.page.map(|p| (p.page, p.limit)), Some((2, 5)));
    assert_eq!(filter.min_price_cents, Some(1_050));
    assert_eq!(filter.tags, ["audio", "wireless"]);
    assert_eq!(filter.in_stock, Some(true));

    let answer = get(&gw.app, "/api/products?limit=500").await;
    assert_eq!(answer.json()["pagination"]["limit"], 100, "clamped");
    get(&gw.app, "/api/products?q=headphones").await.data();
    let req = gw.fake.last_list();
    assert_eq!(
        (req.query.as_deref(), req.sort().spelling()),
        (Some("headphones"), "relevance")
    );
}

#[tokio::test]
async fn malformed_query_values_are_400_with_details() {
    let gw = gateway().await;
    for (query, field) in [
        ("limit=abc", "limit"),
        ("minPrice=-1", "minPrice"),
        ("page=0", "page"),
        ("rating=9", "rating"),
        ("inStock=maybe", "inStock"),
        ("sort=bogus", "sort"),
        ("maxPrice=1.999", "maxPrice"),
    ] {
        let body = get(&gw.app, &format!("/api/products?{query}"))
            .await
            .assert_error(400, "VALIDATION_ERROR");
        assert!(body["details"][field].is_string(), "{query}: {body}");
        assert!(
            body["message"].as_str().unwrap().contains(field),
            "{query}: {body}"
        );
    }
    let body = get(&gw.app, "/api/products?limit=abc&page=0")
        .await
        .assert_error(400, "VALIDATION_ERROR");
    assert_eq!(
        body["details"].as_object().unwrap().len(),
        2,
        "all problems at once"
    );
    let body = get(
        &gw.app,
        &format!("/api/products/{HEADPHONES_ID}/reviews?sort=oldest"),
    )
    .await
    .assert_error(400, "VALIDATION_ERROR");
    assert!(body["details"]["sort"].is_string());
    assert_eq!(
        gw.fake.calls.load(Ordering::SeqCst),
        0,
        "nothing reaches the service"
    );
}

#[tokio::test]
async fn an_unknown_category_is_an_empty_list() {
    let gw = gateway().await;
    let answer = get(
        &gw.app,
        &format!("/api/products?category={UNKNOWN_CATEGORY}"),
    )
    .await;
    assert_eq!(answer.data().clone(), json!([]));
    assert_eq!(
        answer.json()["pagination"],
        json!({"page": 1, "limit": 20, "pageSize": 20, "total": 0, "totalPages": 0})
    );
    assert_eq!(answer.header("x-total-count"), Some("0"));
    let range = get(
        &gw.app,
        &format!("/api/products/price-range?category={UNKNOWN_CATEGORY}"),
    )
    .await
    .data()
    .clone();
    assert_eq!(
        range,
        json!({"minPrice": 0.0, "maxPrice": 0.0, "avgPrice": 0.0, "productCount": 0})
    );
}

#[tokio::test]
async fn search_requires_q_and_returns_facets_with_pagination() {
    let gw = gateway().await;
    let body = get(&gw.app, "/api/products/search")
        .await
        .assert_error(400, "VALIDATION_ERROR");
    assert!(body["details"]["q"].is_string());
    get(&gw.app, "/api/products/search?q=%20%20")
        .await
        .assert_error(400, "VALIDATION_ERROR");

    let answer = get(&gw.app, "/api/products/search?q=headphnes&isOnSale=true").await;
    let data = answer.data();
    assert_eq!(data["products"][0]["price"], json!(129.99));
    assert_eq!(data["total"], 1);
    assert_eq!(data["suggestions"], json!(["headphones"]));
    assert_eq!(
        data["facets"]["categories"],
        json!([{"id": "c1", "name": "Audio", "count": 1}])
    );
    assert_eq!(
        data["facets"]["priceRanges"][0],
        json!({"min": 0.0, "max": 50.0, "count": 0})
    );
    assert_eq!(data["facets"]["priceRanges"][1]["max"], json!(null));
    assert_eq!(
        data["facets"]["ratings"],
        json!([{"rating": 4, "count": 1}])
    );
    assert_eq!(answer.json()["pagination"]["total"], 1);
    assert_eq!(answer.header("x-total-count"), Some("1"));
    let sent = gw
        .fake
        .search_requests
        .lock()
        .unwrap()
        .last()
        .cloned()
        .unwrap();
    assert_eq!(
        (sent.query.as_str(), sent.sort().spelling()),
        ("headphnes", "relevance")
    );
}

#[tokio::test]
async fn suggestions_default_to_five_and_blank_input_suggests_nothing() {
    let gw = gateway().await;
    let data = get(&gw.app, "/api/products/suggest?q=wire")
        .await
        .data()
        .clone();
    assert_eq!(
        data[0],
        json!({"text": "Wireless Headphones", "productId": HEADPHONES_ID, "slug": "wireless-headphones"})
    );
    assert_eq!(data[1], json!({"text": "wireless"}));
    assert_eq!(
        get(&gw.app, "/api/products/suggest?q=wire&limit=1")
            .await
            .data()
            .clone()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        get(&gw.app, "/api/products/suggest").await.data().clone(),
        json!([])
    );
}
