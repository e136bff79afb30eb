//! Listing, single products, batches and curated rows.
use std::collections::HashSet;
use vici_proto::product::v1::{ProductSort, ProductStatus};
use vici_proto::vocabulary::Spelled;

use tonic::Code;
use vici_catalog::{Catalog, category_id};
use vici_proto::common::v1::PageRequest;
use vici_proto::product::v1::{
    GetProductRequest, ListProductsRequest, Product, ProductFilter, SearchProductsRequest,
    get_product_request::Key,
};

use crate::harness::{App, Env};

pub fn page(page: u32, limit: u32) -> Option<PageRequest> {
    Some(PageRequest { page, limit })
}

/// An enum value no contract defines (sent by a newer caller).
pub const UNKNOWN_VALUE: i32 = 99;

/// The wire value of a vocabulary's REST spelling; `""` is UNSPECIFIED.
pub fn spelled<T: Spelled + Into<i32>>(spelling: &str) -> i32 {
    if spelling.is_empty() {
        return 0;
    }
    T::parse(spelling)
        .unwrap_or_else(|| panic!("no value spelled {spelling}"))
        .into()
}

pub async fn list(
    app: &App,
    filter: ProductFilter,
    sort: &str,
    page_req: Option<PageRequest>,
) -> (Vec<Product>, u64) {
    let req = ListProductsRequest {
        filter: Some(filter),
        sort: spelled::<ProductSort>(sort),
        page: page_req,
        query: None,
    };
    let reply = app
        .client
        .clone()
        .list_products(req)
        .await
        .expect("list_products")
        .into_inner();
    (reply.products, reply.page.expect("page info").total)
}

/// Slugs of the demo's ACTIVE products whose category is one of `category_slugs`.
fn demo_slugs_in(app: &App, category_slugs: &[&str]) -> HashSet<String> {
    app.catalog
        .products
        .iter()
        .filter(|p| p.status == "ACTIVE" && category_slugs.contains(&p.category.as_str()))
        .map(|p| p.slug.clone())
        .collect()
}

pub async fn demo_shop_page_lists_the_seven_active_products_under_200_with_stock(env: Env) {
    let app = env.start(Catalog::demo()).await;
    let calls = app.inventory.level_calls();
    let filter = ProductFilter {
        min_price_cents: Some(0),
        max_price_cents: Some(20_000),
        ..Default::default()
    };
    let (products, total) = list(&app, filter, "featured", None).await;
    assert_eq!(
        app.inventory.level_calls() - calls,
        1,
        "one GetStockLevels call for the whole page"
    );
    assert_eq!((total, products.len()), (7, 7));
    for p in &products {
        let seed = app.seed_product(&p.slug);
        assert!(
            p.price_cents <= 20_000 && p.status() == ProductStatus::Active,
            "{}",
            p.slug
        );
        assert_eq!(p.stock, seed.stock, "{} stock comes from inventory", p.slug);
        assert_eq!((p.currency.as_str(), p.images.is_empty()), ("USD", false));
        for v in &p.variants {
            let sv = seed.variants.iter().find(|s| s.sku == v.sku).unwrap();
            assert_eq!(v.stock, sv.stock, "variant {} stock", v.sku);
        }
    }
    let featured: Vec<bool> = products.iter().map(|p| p.is_featured).collect();
    assert!(
        featured.windows(2).all(|w| w[0] >= w[1]),
        "featured first: {featured:?}"
    );
    for group in [true, false] {
        let ratings: Vec<f64> = products
            .iter()
            .filter(|p| p.is_featured == group)
            .map(|p| p.rating)
            .collect();
        assert!(
            ratings.windows(2).all(|w| w[0] >= w[1]),
            "then by rating: {ratings:?}"
        );
    }
    let nike = products
        .iter()
        .find(|p| p.slug == "nike-air-max-90")
        .expect("Nike is under $200");
    assert_eq!(nike.variants.len(), 3);
}

pub async fn category_filter_by_slug_or_id_includes_descendants(env: Env) {
    let app = env.start(Catalog::demo()).await;
    let electronics = demo_slugs_in(
        &app,
        &[
            "electronics",
            "computers-accessories",
            "mobile-phones",
            "audio-video",
        ],
    );
    assert_eq!(electronics.len(), 8);
    for key in [
        "electronics".to_string(),
        category_id("electronics").to_string(),
    ] {
        let filter = ProductFilter {
            category: Some(key.clone()),
            ..Default::default()
        };
        let (products, total) = list(&app, filter, "", page(1, 100)).await;
        let got: HashSet<String> = products.into_iter().map(|p| p.slug).collect();
        assert_eq!((got, total), (electronics.clone(), 8), "category {key}");
    }
    let leaf = ProductFilter {
        category: Some("audio-video".into()),
        ..Default::default()
    };
    assert_eq!(list(&app, leaf, "", None).await.1, 2);
    let unknown = ProductFilter {
        category: Some("no-such-category".into()),
        ..Default::default()
    };
    assert_eq!(
        list(&app, unknown, "", None).await,
        (vec![], 0),
        "an unknown category is an empty list"
    );
}

pub async fn pages_never_overlap_in_any_sort(env: Env) {
    let app = env.start(Catalog::demo()).await;
    for sort in [
        "featured",
        "price-asc",
        "price_desc",
        "rating",
        "newest",
        "name",
        "relevance",
    ] {
        let mut seen = Vec::new();
        for n in 1..=6 {
            let (products, total) = list(&app, ProductFilter::default(), sort, page(n, 3)).await;
            assert_eq!(total, 16);
            assert!(products.len() <= 3);
            seen.extend(products);
        }
        let ids: HashSet<&str> = seen.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(
            (ids.len(), seen.len()),
            (16, 16),
            "sort {sort}: every product once"
        );
        let prices: Vec<i64> = seen.iter().map(|p| p.price_cents).collect();
        match sort {
            "price-asc" => assert!(prices.windows(2).all(|w| w[0] <= w[1])),
            "price_desc" => assert!(prices.windows(2).all(|w| w[0] >= w[1])),
            "newest" => assert!(seen.windows(2).all(|w| w[0].created_at >= w[1].created_at)),
            "name" => assert!(seen.windows(2).all(|w| w[0].name <= w[1].name)),
            _ => {}
        }
    }
    let (beyond, total) = list(&app, ProductFilter::default(), "name", page(99, 20)).await;
    assert_eq!((beyond.len(), total), (0, 16));
    let (clamped, _) = list(&app, ProductFilter::default(), "name", page(1, 1000)).await;
    assert_eq!(
        clamped.len(),
        16,
        "a limit above 100 is clamped, not refused"
    );
}

pub async fn in_stock_filter_asks_inventory_once(env: Env) {
    let app = env.start(Catalog::demo()).await;
    let mouse = app.id_of("logitech-mx-master-3s");
    app.inventory.set(&mouse, 0);
    let (before_lists, before_levels) = (
        app.inventory.unavailable_calls(),
        app.inventory.level_calls(),
    );
    let (products, total) = list(
        &app,
        ProductFilter {
            in_stock: Some(true),
            ..Default::default()
        },
        "",
        page(1, 100),
    )
    .await;
    assert_eq!(app.inventory.unavailable_calls() - before_lists, 1);
    assert_eq!(app.inventory.level_calls() - before_levels, 1);
    assert_eq!((total, products.len()), (15, 15));
    assert!(products.iter().all(|p| p.id != mouse && p.stock > 0));
    let (out, total) = list(
        &app,
        ProductFilter {
            in_stock: Some(false),
            ..Default::default()
        },
        "",
        None,
    )
    .await;
    assert_eq!(
        (total, out[0].id.as_str(), out[0].stock),
        (1, mouse.as_str(), 0)
    );
    let (all, total) = list(&app, ProductFilter::default(), "", page(1, 100)).await;
    assert_eq!(
        total, 16,
        "without the filter an ACTIVE product at zero stock still lists"
    );
    assert!(all.iter().any(|p| p.id == mouse && p.stock == 0));
}

pub async fn unknown_sort_is_invalid_argument(env: Env) {
    let app = env.start(Catalog::demo()).await;
    let req = ListProductsRequest {
        sort: UNKNOWN_VALUE,
        ..Default::default()
    };
    let err = app.client.clone().list_products(req).await.unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(err.message().contains("sort"), "{}", err.message());
    let req = SearchProductsRequest {
        query: "mac".into(),
        sort: UNKNOWN_VALUE,
        ..Default::default()
    };
    assert_eq!(
        app.client
            .clone()
            .search_products(req)
            .await
            .unwrap_err()
            .code(),
        Code::InvalidArgument
    );
}

/// A tag filter is bounded as the gateway bounds it (one rule, `vici_types::tags`): 31 distinct
/// tags are refused on `tags` in lists and searches alike; 30, with duplicates in other cases,
/// list what the lower-case tags match.
pub async fn tag_filters_are_bounded(env: Env) {
    let app = env.start(Catalog::demo()).await;
    let filter = |n: usize| ProductFilter {
        tags: (0..n).map(|i| format!("tag-{i}")).collect(),
        ..Default::default()
    };
    let list_req = ListProductsRequest {
        filter: Some(filter(31)),
        ..Default::default()
    };
    vici_testkit::invalid(app.client.clone().list_products(list_req).await, "tags");
    let search_req = SearchProductsRequest {
        query: "mac".into(),
        filter: Some(filter(31)),
        ..Default::default()
    };
    vici_testkit::invalid(app.client.clone().search_products(search_req).await, "tags");
    let mut thirty = filter(29);
    thirty
        .tags
        .extend(["WIRELESS".to_string(), "wireless".to_string()]);
    let (wireless, _) = list(&app, thirty, "", None).await;
    let (lower, _) = list(
        &app,
        ProductFilter {
            tags: vec!["wireless".into()],
            ..Default::default()
        },
        "",
        None,
    )
    .await;
    assert!(!lower.is_empty());
    assert_eq!(wireless, lower);
}

pub async fn inventory_down_is_unavailable_not_zero(env: Env) {
    let app = env.start_without_inventory(Catalog::demo()).await;
    let err = app
        .client
        .clone()
        .list_products(ListProductsRequest::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unavailable, "{err:?}");
    let get = GetProductRequest {
        key: Some(Key::Slug("dell-xps-15".into())),
        include_all_statuses: false,
    };
    assert_eq!(
        app.client
            .clone()
            .get_product(get)
            .await
            .unwrap_err()
            .code(),
        Code::Unavailable
    );
    let search = SearchProductsRequest {
        query: "dell".into(),
        ..Default::default()
    };
    assert_eq!(
        app.client
            .clone()
            .search_products(search)
            .await
            .unwrap_err()
            .code(),
        Code::Unavailable
    );
}
