//! Recommendation shelves end to end: the shop records what a shopper browses, the pipeline
//! learns it from the bus, and the shelves the storefront shows change with it; every shelf is
//! full on the demo shop and says where each product came from.
use std::collections::HashSet;
use std::time::Duration;

use serde_json::{Value, json};

use vici_testkit::eventually_every;
use vici_testkit::system::{Mode, Visitor, shop, vici_bin};

use crate::account::product_id;

/// How often a test asks the shop again: well within the per-address rate limit.
const POLL: Duration = Duration::from_millis(200);
/// How long the pipeline may take. Beyond a busy machine's delays, on a Kafka broker that
/// outlived an earlier shop (a developer's repeated runs) the group can stall until the bus
/// adapter notices and rejoins (30 s, see `vici_bus::kafka::progress`).
const PIPELINE_WAIT: Duration = Duration::from_secs(90);

/// Waits for `check` through the shop's front door; prints how long the fact took (the
/// pipeline's lag is measured in bench/, never asserted here).
pub async fn eventually<F, Fut>(what: &str, check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let took = eventually_every(what, POLL, PIPELINE_WAIT, check).await;
    println!("{what}: {took:?}");
}

const SOURCES: [&str; 8] = [
    "personalized",
    "similar",
    "bought_together",
    "trending",
    "popular",
    "category",
    "new_arrivals",
    "history",
];

/// A shelf's products and the source of each, checked against the contract's shape.
pub async fn shelf(v: &Visitor<'_>, path: &str) -> Vec<(String, String)> {
    shelf_of(path, &v.get(path).await)
}

/// [`shelf`] of a visit named by its `X-Session-Id`.
pub async fn session_shelf(session: &str, path: &str) -> Vec<(String, String)> {
    let req = shop()
        .visitor()
        .request(reqwest::Method::GET, path)
        .header("x-session-id", session);
    shelf_of(path, &shop().send(req).await)
}

fn shelf_of(path: &str, answer: &vici_testkit::Reply) -> Vec<(String, String)> {
    let products = answer.data().as_array().unwrap().clone();
    let meta = &answer.body["meta"];
    let sources = meta["sources"].as_array().unwrap();
    assert_eq!(sources.len(), products.len(), "{path}: {meta}");
    assert!(!meta["requestId"].as_str().unwrap().is_empty(), "{meta}");
    assert!(
        meta["gen"].is_string() && meta["modelVersion"].is_string(),
        "{meta}"
    );
    products
        .iter()
        .zip(sources)
        .map(|(p, s)| {
            let source = s.as_str().unwrap();
            assert!(SOURCES.contains(&source), "{path}: unknown source {source}");
            (p["id"].as_str().unwrap().to_string(), source.to_string())
        })
        .collect()
}

#[tokio::test]
async fn every_shelf_is_full_on_the_demo_shop() {
    let v = shop().visitor();
    for path in [
        "/api/products/recommended?limit=6",
        "/api/products/trending?limit=6",
        "/api/products/new-arrivals?limit=6",
    ] {
        assert_eq!(shelf(&v, path).await.len(), 6, "{path}");
    }
    // A book is the only one of its category: its similar products come from elsewhere.
    for slug in ["atomic-habits-book", "macbook-pro-16-m3", "nike-air-max-90"] {
        let id = product_id(&v, slug).await;
        for list in ["related", "frequently-bought-together"] {
            let path = format!("/api/products/{id}/{list}?limit=6");
            let shown = shelf(&v, &path).await;
            assert_eq!(shown.len(), 6, "{path}");
            assert!(
                shown.iter().all(|(p, _)| *p != id),
                "never the product itself"
            );
            let distinct: HashSet<&String> = shown.iter().map(|(p, _)| p).collect();
            assert_eq!(distinct.len(), 6, "each product once: {shown:?}");
        }
    }
    let macbook = product_id(&v, "macbook-pro-16-m3").await;
    let related = shelf(&v, &format!("/api/products/{macbook}/related?limit=6")).await;
    let sources: Vec<&str> = related.iter().map(|(_, s)| s.as_str()).collect();
    assert!(
        sources.contains(&"category") || sources.contains(&"similar"),
        "{related:?}"
    );
}

/// Three shoppers look at the sneakers, then the laptop: the two go together.
async fn sneakers_then_laptop(sneakers: &str, laptop: &str) {
    for i in 0..3 {
        let mut other = shop().visitor();
        other.register(&format!("co-viewer-{i}")).await.data();
        viewed(&other, sneakers).await;
        viewed(&other, laptop).await;
    }
}

async fn viewed(v: &Visitor<'_>, product: &str) {
    v.get(&format!("/api/products/{product}")).await.data();
}

pub fn has(shown: &[(String, String)], product: &str, source: &str) -> bool {
    shown.iter().any(|(p, s)| p == product && s == source)
}

#[tokio::test]
async fn browsing_changes_the_shoppers_recommendations() {
    let v = shop().visitor();
    let sneakers = product_id(&v, "nike-air-max-90").await;
    let laptop = product_id(&v, "dell-xps-15").await;
    sneakers_then_laptop(&sneakers, &laptop).await;

    let mut shopper = shop().visitor();
    shopper.register("recommended").await.data();
    viewed(&shopper, &sneakers).await;
    eventually(
        "the laptop among the shopper's personalised picks",
        || async {
            let mine = shelf(&shopper, "/api/products/recommended?limit=10").await;
            has(&mine, &laptop, "personalized")
        },
    )
    .await;
    let mine = shelf(&shopper, "/api/products/recommended?limit=10").await;
    assert!(
        !mine.iter().any(|(p, _)| *p == sneakers),
        "not what was just seen: {mine:?}"
    );

    // An anonymous visitor (no session header, as the storefront) is recognised by the visit.
    let visitor = shop().visitor();
    viewed(&visitor, &sneakers).await;
    eventually("the laptop among the visitor's picks", || async {
        let theirs = shelf(&visitor, "/api/products/recommended?limit=10").await;
        has(&theirs, &laptop, "personalized")
    })
    .await;
    let related = shelf(&visitor, &format!("/api/products/{sneakers}/related")).await;
    assert!(has(&related, &laptop, "similar"), "{related:?}");
}

#[tokio::test]
async fn recently_viewed_follows_the_visitor() {
    let lookup = shop().visitor();
    let first = product_id(&lookup, "levis-501-jeans").await;
    let second = product_id(&lookup, "zara-floral-dress").await;
    let v = shop().visitor();
    let shown = shelf(&v, "/api/products/recently-viewed").await;
    assert!(
        shown.is_empty(),
        "a new visitor has seen nothing: {shown:?}"
    );
    viewed(&v, &first).await;
    viewed(&v, &second).await;
    let expected = [
        (second.clone(), "history".to_string()),
        (first.clone(), "history".to_string()),
    ];
    eventually("both views in recently viewed, newest first", || async {
        shelf(&v, "/api/products/recently-viewed").await == expected
    })
    .await;
    let bad: Value = v.get("/api/products/recently-viewed?limit=0").await.body;
    assert_eq!(bad["statusCode"], 400, "{bad}");
}

/// The store the shop writes keeps the format the ML team builds against, by the check their
/// CI runs (`vici recs check-store`); `vici up`'s in-process store cannot be checked from
/// outside, and the command says so.
#[tokio::test]
async fn the_store_keeps_format_v1_by_the_ml_teams_check() {
    let v = shop().visitor();
    eventually("the pipeline's generation to be served", || async {
        let answer = v.get("/api/products/trending").await;
        answer.body["meta"]["gen"] == "1"
    })
    .await;
    let check = |args: &[&str]| {
        let out = std::process::Command::new(vici_bin())
            .args(["recs", "check-store"])
            .args(args)
            .env_remove("VICI_CACHE_URL")
            .output()
            .expect("vici runs");
        let text = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        (out.status.code(), text)
    };
    match shop().deployment.mode {
        Mode::Distributed => {
            let redis = shop()
                .deployment
                .cache_url()
                .expect("a distributed shop's cache");
            let (code, text) = check(&["--cache-url", &redis]);
            assert_eq!(code, Some(0), "{text}");
            assert!(text.contains("format v1: no problem found"), "{text}");
        }
        Mode::Embedded => {
            let (code, text) = check(&[]);
            assert_eq!(code, Some(1), "{text}");
            assert!(text.contains("--cache-url"), "{text}");
        }
    }
}

/// A product an admin adds is among the new arrivals at once and, before any shopper has seen
/// it, has similar items by what it is (its category, name and tags: here the demo phones).
#[tokio::test]
async fn a_new_product_arrives_with_similar_items() {
    let admin = crate::checkout::admin().await;
    // A category of its own (under one no test counts): the catalogue tests count the demo
    // categories and their products.
    let name = format!("Lab {}", uuid::Uuid::new_v4().simple());
    let category = json!({"name": name, "parentId": "books-media"});
    let category = admin.post("/api/admin/categories", &category).await;
    assert_eq!(category.status, 201, "{}", category.body);
    let body = json!({"name": "Zephyr Z9 Pro", "description": "A prototype handset",
        "price": 899.0, "categoryId": category.data()["id"], "stock": 5,
        "tags": ["smartphone", "android", "5G"]});
    let created = admin.post("/api/admin/products", &body).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.data()["id"].as_str().unwrap().to_string();
    let v = shop().visitor();
    eventually("the new product among the newest arrivals", || async {
        let arrivals = shelf(&v, "/api/products/new-arrivals?limit=3").await;
        arrivals.iter().any(|(p, _)| *p == id)
    })
    .await;
    let related = format!("/api/products/{id}/related?limit=4");
    eventually("the new product's similar items", || async {
        let shown = shelf(&v, &related).await;
        shown
            .iter()
            .filter(|(_, source)| source == "similar")
            .count()
            >= 2
    })
    .await;
}

/// A category's trending shelf holds what shoppers look at in it and its sub-categories; a
/// category the shop does not have is an empty shelf.
#[tokio::test]
async fn a_categorys_trending_follows_its_shoppers() {
    let lookup = shop().visitor();
    let samsung = product_id(&lookup, "samsung-s24-ultra").await;
    for i in 0..2 {
        let mut v = shop().visitor();
        v.register(&format!("phone-fan-{i}")).await.data();
        viewed(&v, &samsung).await;
    }
    let v = shop().visitor();
    // The whole subtree's shelf: other tests buy electronics in the shared shop meanwhile, and a
    // purchase outweighs two views, so the phone's rank is theirs to decide; that it is trending
    // there at all (not filled in from the catalogue) is this test's.
    eventually("the phone trending in electronics", || async {
        let shown = shelf(&v, "/api/products/trending?category=electronics&limit=20").await;
        has(&shown, &samsung, "trending")
    })
    .await;
    let none = shelf(&v, "/api/products/trending?category=no-such-category").await;
    assert!(none.is_empty(), "{none:?}");
}
