//! Full-text search, facets, autocomplete, and the synthetic catalogue.
use std::collections::HashSet;
use std::time::Instant;

use vici_catalog::Catalog;
use vici_proto::product::v1::{
    ListProductsRequest, ProductFilter, SearchProductsRequest, SearchProductsResponse,
    SuggestRequest,
};

use crate::browse::{list, page};
use crate::harness::{App, Env};

pub async fn search(
    app: &App,
    query: &str,
    filter: ProductFilter,
    sort: &str,
    page_req: Option<vici_proto::common::v1::PageRequest>,
) -> SearchProductsResponse {
    let req = SearchProductsRequest {
        query: query.into(),
        filter: Some(filter),
        page: page_req,
        sort: crate::browse::spelled::<vici_proto::product::v1::ProductSort>(sort),
    };
    app.client
        .clone()
        .search_products(req)
        .await
        .expect("search_products")
        .into_inner()
}

fn slugs(r: &SearchProductsResponse) -> Vec<&str> {
    r.products.iter().map(|p| p.slug.as_str()).collect()
}

fn total(r: &SearchProductsResponse) -> u64 {
    r.page.as_ref().expect("page info").total
}

pub async fn search_tolerates_typos_and_prefixes_and_ranks_names_first(env: Env) {
    let app = env.start(Catalog::demo()).await;
    let typo = search(&app, "macbok", ProductFilter::default(), "", None).await;
    assert_eq!(
        slugs(&typo).first(),
        Some(&"macbook-pro-16-m3"),
        "typo: {:?}",
        slugs(&typo)
    );
    assert!(
        typo.suggestions.iter().any(|s| s == "macbook"),
        "did you mean: {:?}",
        typo.suggestions
    );
    assert!(typo.products[0].stock > 0, "search results carry stock");

    let prefix = search(&app, "mac", ProductFilter::default(), "", None).await;
    assert!(
        slugs(&prefix).contains(&"macbook-pro-16-m3"),
        "prefix: {:?}",
        slugs(&prefix)
    );

    let wireless = search(&app, "wireless", ProductFilter::default(), "", None).await;
    assert!(total(&wireless) >= 4, "{:?}", slugs(&wireless));
    assert_eq!(
        wireless.products[0].name,
        "Wireless Gaming Keyboard",
        "a name match ranks first: {:?}",
        slugs(&wireless)
    );

    let two_words = search(&app, "apple headphones", ProductFilter::default(), "", None).await;
    assert!(
        !two_words.products.is_empty(),
        "no product has both words, so any word matches"
    );

    let sku = search(&app, "MBP-M3-16-512", ProductFilter::default(), "", None).await;
    assert_eq!(slugs(&sku), ["macbook-pro-16-m3"]);

    // ListProducts with a query is search-backed.
    let req = ListProductsRequest {
        query: Some("macbok".into()),
        ..Default::default()
    };
    let listed = app
        .client
        .clone()
        .list_products(req)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.products[0].slug, "macbook-pro-16-m3");

    let nothing = search(&app, "zzzzqqq", ProductFilter::default(), "", None).await;
    assert_eq!((total(&nothing), nothing.products.len()), (0, 0));
}

pub async fn facets_add_up_and_filters_apply(env: Env) {
    let app = env.start(Catalog::demo()).await;
    let r = search(&app, "apple", ProductFilter::default(), "", page(1, 2)).await;
    let n = total(&r);
    assert!(n >= 3, "{:?}", slugs(&r));
    assert_eq!(r.products.len(), 2, "a page, not all matches");
    assert_eq!(
        r.price_ranges.iter().map(|b| b.count).sum::<u64>(),
        n,
        "price bands cover every match once"
    );
    assert_eq!(
        r.categories.iter().map(|c| c.count).sum::<u64>(),
        n,
        "categories cover every match once"
    );
    assert!(r.categories.iter().all(|c| !c.name.is_empty()));
    assert_eq!(r.price_ranges.len(), 6);
    assert_eq!(
        r.price_ranges.last().unwrap().max_cents,
        None,
        "the top band is open"
    );
    let ratings: Vec<u64> = r.ratings.iter().map(|x| x.count).collect();
    assert_eq!(
        r.ratings.iter().map(|x| x.rating).collect::<Vec<_>>(),
        [4, 3, 2, 1]
    );
    assert!(ratings.windows(2).all(|w| w[0] <= w[1]) && ratings[3] <= n);

    // Paging through search never repeats a product.
    let mut seen = HashSet::new();
    for p in 1..=n as u32 {
        let one = search(&app, "apple", ProductFilter::default(), "", page(p, 1)).await;
        assert_eq!(total(&one), n);
        assert!(seen.insert(one.products[0].id.clone()));
    }

    let cheap = ProductFilter {
        max_price_cents: Some(15_000),
        ..Default::default()
    };
    let r = search(&app, "wireless", cheap, "price-asc", None).await;
    assert!(!r.products.is_empty() && r.products.iter().all(|p| p.price_cents <= 15_000));
    assert!(
        r.products
            .windows(2)
            .all(|w| w[0].price_cents <= w[1].price_cents)
    );
    let audio = ProductFilter {
        category: Some("audio-video".into()),
        ..Default::default()
    };
    let r = search(&app, "wireless", audio, "", None).await;
    assert_eq!(total(&r), 2, "{:?}", slugs(&r));
    assert_eq!(r.categories.len(), 1);

    let mouse = app.id_of("logitech-mx-master-3s");
    app.inventory.set(&mouse, 0);
    let r = search(
        &app,
        "wireless",
        ProductFilter {
            in_stock: Some(true),
            ..Default::default()
        },
        "",
        None,
    )
    .await;
    assert!(r.products.iter().all(|p| p.id != mouse));
    let unknown = ProductFilter {
        category: Some("nope".into()),
        ..Default::default()
    };
    assert_eq!(total(&search(&app, "wireless", unknown, "", None).await), 0);
}

pub async fn suggest_completes_products_and_categories(env: Env) {
    let app = env.start(Catalog::demo()).await;
    let suggest = |q: &str, limit: u32| {
        let mut client = app.client.clone();
        let req = SuggestRequest {
            query: q.into(),
            limit,
        };
        async move { client.suggest(req).await.unwrap().into_inner().suggestions }
    };
    let mac = suggest("mac", 0).await;
    assert!(mac.len() <= 5);
    assert!(
        mac[0].text.contains("MacBook") && mac[0].product_id.is_some() && mac[0].slug.is_some(),
        "{mac:?}"
    );
    let elec = suggest("elec", 0).await;
    assert!(
        elec.iter()
            .any(|s| s.text == "Electronics" && s.product_id.is_none()),
        "{elec:?}"
    );
    let apple = suggest("apple", 1).await;
    assert_eq!(apple.len(), 1);
    assert!(suggest("", 5).await.is_empty());
}

pub async fn synthetic_catalogue_seeds_and_searches(env: Env) {
    let backend = env.backend;
    let started = Instant::now();
    let app = env.start(Catalog::synthetic(5_000)).await;
    let boot = started.elapsed();
    let reseed_started = Instant::now();
    let report = vici_product::seed(&app.db, &app.catalog).await.unwrap();
    let reseed = reseed_started.elapsed();
    assert_eq!(report.products, 5_000);

    let active = |p: &&vici_catalog::SeedProduct| p.status == "ACTIVE";
    let speakers = app
        .catalog
        .products
        .iter()
        .filter(active)
        .filter(|p| p.name.contains(" Speaker "))
        .count() as u64;
    let r = search(&app, "speaker", ProductFilter::default(), "", page(1, 20)).await;
    assert_eq!(total(&r), speakers);
    assert_eq!(
        r.price_ranges.iter().map(|b| b.count).sum::<u64>(),
        speakers
    );
    assert!(r.products.iter().all(|p| p.name.contains("Speaker")));
    assert_eq!(
        total(&search(&app, "speakr", ProductFilter::default(), "", None).await),
        speakers,
        "typo"
    );

    let cheap = app
        .catalog
        .products
        .iter()
        .filter(active)
        .filter(|p| p.name.contains(" Speaker ") && p.price_cents <= 10_000)
        .count();
    let filter = ProductFilter {
        max_price_cents: Some(10_000),
        ..Default::default()
    };
    assert_eq!(
        total(&search(&app, "speaker", filter.clone(), "price-desc", None).await),
        cheap as u64
    );
    let (_, listed) = list(&app, filter, "price-desc", None).await;
    let all_cheap = app
        .catalog
        .products
        .iter()
        .filter(active)
        .filter(|p| p.price_cents <= 10_000)
        .count();
    assert_eq!(listed, all_cheap as u64);

    // A rough local timing, printed for the report; never asserted.
    let queries = [
        "speaker",
        "wireless headphones",
        "acme pro",
        "camra",
        "vint",
        "northwind jacket",
        "kettle",
        "lamp",
    ];
    let mut times = Vec::new();
    for round in 0..5 {
        for q in queries {
            let t = Instant::now();
            search(
                &app,
                q,
                ProductFilter::default(),
                if round % 2 == 0 { "" } else { "price-asc" },
                None,
            )
            .await;
            times.push(t.elapsed());
        }
    }
    times.sort();
    let pct = |p: f64| times[((times.len() as f64 - 1.0) * p) as usize];
    println!(
        "[timing {backend:?}] synthetic 5000: start (seed + index) {boot:?}, re-seed {reseed:?}, search over gRPC p50 {:?} p99 {:?}",
        pct(0.5),
        pct(0.99)
    );
}

pub async fn large_catalogue_timing(env: Env) {
    let n = std::env::var("VICI_BENCH_PRODUCTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let backend = env.backend;
    let catalog = Catalog::synthetic(n);
    let t = Instant::now();
    let app = env.start(catalog).await;
    let start = t.elapsed();
    let t = Instant::now();
    let report = vici_product::seed(&app.db, &app.catalog).await.unwrap();
    let reseed = t.elapsed();
    let t = Instant::now();
    let r = search(&app, "speaker", ProductFilter::default(), "", None).await;
    println!(
        "[timing {backend:?}] {n} products: seed and start incl. index build {start:?}; idempotent re-seed {reseed:?} ({} new); one search over gRPC {:?} ({} hits)",
        report.products,
        t.elapsed(),
        total(&r)
    );
}
