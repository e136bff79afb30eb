//! The shopper's catalogue journeys through the gateway.
use serde_json::Value;
use vici_testkit::system::shop;

const PRODUCT_FIELDS: &[&str] = &[
    "id",
    "name",
    "slug",
    "description",
    "longDescription",
    "price",
    "currency",
    "categoryId",
    "categoryName",
    "category",
    "images",
    "image",
    "rating",
    "reviewCount",
    "reviews",
    "stock",
    "inStock",
    "specifications",
    "specs",
    "tags",
    "isNew",
    "isFeatured",
    "isOnSale",
    "isSale",
    "sku",
    "status",
    "variants",
    "createdAt",
    "updatedAt",
];

fn assert_product_shape(p: &Value) {
    for f in PRODUCT_FIELDS {
        assert!(p.get(*f).is_some(), "product lacks `{f}`: {p}");
    }
    assert!(p["price"].is_number(), "price must be a number: {p}");
    assert_eq!(p["image"], p["images"][0]);
    assert_eq!(p["category"], p["categoryName"]);
    assert_eq!(p["reviews"], p["reviewCount"]);
    assert_eq!(p["isSale"], p["isOnSale"]);
    assert_eq!(p["specs"], p["specifications"]);
    assert_eq!(p["inStock"], Value::Bool(p["stock"].as_i64().unwrap() > 0));
    if let Some(orig) = p.get("originalPrice").filter(|v| !v.is_null()) {
        assert!(
            orig.as_f64().unwrap() > 0.0,
            "originalPrice must be omitted rather than 0: {p}"
        );
    }
}

#[tokio::test]
async fn the_shop_page_lists_the_seven_demo_products_under_200_dollars() {
    let r = shop()
        .get("/api/products?minPrice=0&maxPrice=200&sort=featured")
        .await;
    let products = r.data().as_array().expect("array");
    assert_eq!(products.len(), 7, "{:#}", r.body);
    assert_eq!(r.body["pagination"]["total"], 7);
    assert_eq!(r.header("x-total-count"), Some("7"));
    for p in products {
        assert_product_shape(p);
        assert!(p["price"].as_f64().unwrap() <= 200.0);
    }
    // Featured first, then by rating.
    let featured: Vec<bool> = products
        .iter()
        .map(|p| p["isFeatured"].as_bool().unwrap())
        .collect();
    assert!(
        featured.windows(2).all(|w| w[0] >= w[1]),
        "featured first: {featured:?}"
    );
    let atomic = products
        .iter()
        .find(|p| p["slug"] == "atomic-habits-book")
        .expect("atomic habits listed");
    assert_eq!(atomic["price"], 16.99);
    assert_eq!(atomic["originalPrice"], 19.99);
    assert_eq!(atomic["stock"], 146, "stock comes from the inventory seed");
}

#[tokio::test]
async fn category_filters_include_sub_categories_and_pages_never_overlap() {
    let all = shop()
        .get("/api/products?category=electronics&limit=100")
        .await;
    let n = all.data().as_array().unwrap().len();
    assert_eq!(
        n, 8,
        "electronics holds its three sub-categories' products: {:#}",
        all.body
    );
    let by_id = shop()
        .get(&format!(
            "/api/products?category={}",
            all.data()[0]["categoryId"].as_str().unwrap()
        ))
        .await;
    assert!(!by_id.data().as_array().unwrap().is_empty());
    let mut seen = std::collections::HashSet::new();
    for page in 1..=4 {
        let r = shop()
            .get(&format!("/api/products?limit=2&page={page}&sort=price-asc"))
            .await;
        for p in r.data().as_array().unwrap() {
            assert!(
                seen.insert(p["id"].as_str().unwrap().to_string()),
                "pages overlap at {page}"
            );
        }
        assert_eq!(r.body["pagination"]["limit"], 2);
        assert_eq!(r.body["pagination"]["totalPages"], 8);
    }
    let none = shop().get("/api/products?category=no-such-category").await;
    assert_eq!(none.data().as_array().unwrap().len(), 0);
    assert_eq!(none.body["pagination"]["totalPages"], 0);
}

#[tokio::test]
async fn sorts_order_the_listing() {
    let asc = shop().get("/api/products?sort=price_asc&limit=100").await;
    let prices: Vec<f64> = asc
        .data()
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["price"].as_f64().unwrap())
        .collect();
    assert!(prices.windows(2).all(|w| w[0] <= w[1]), "{prices:?}");
    let newest = shop().get("/api/products?sort=newest&limit=1").await;
    assert_eq!(newest.data()[0]["slug"], "macbook-pro-16-m3");
}

#[tokio::test]
async fn products_are_found_by_id_and_slug() {
    let by_slug = shop().get("/api/products/slug/iphone-15-pro-max").await;
    let p = by_slug.data();
    assert_product_shape(p);
    assert_eq!(p["variants"].as_array().unwrap().len(), 3);
    assert!(
        p["variants"][0]["stock"].as_i64().unwrap() > 0,
        "variant stock from inventory"
    );
    let by_id = shop()
        .get(&format!("/api/products/{}", p["id"].as_str().unwrap()))
        .await;
    assert_eq!(by_id.data()["slug"], "iphone-15-pro-max");
    assert_eq!(
        shop()
            .get("/api/products/slug/no-such-thing")
            .await
            .error(404),
        "NOT_FOUND"
    );
    assert_eq!(
        shop()
            .get(&format!("/api/products/{}", uuid::Uuid::now_v7()))
            .await
            .error(404),
        "NOT_FOUND"
    );
}

#[tokio::test]
async fn search_ranks_tolerates_typos_and_prefixes_and_counts_facets() {
    let r = shop().get("/api/products/search?q=macbok").await;
    let data = r.data();
    assert_eq!(data["products"][0]["slug"], "macbook-pro-16-m3", "{data:#}");
    assert!(r.body["pagination"].is_object());
    let facets = &data["facets"];
    for f in ["categories", "priceRanges", "ratings"] {
        assert!(facets[f].is_array(), "facet {f}: {facets}");
    }
    let prefix = shop().get("/api/products/search?q=head").await;
    assert!(
        prefix.data()["products"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["slug"] == "sony-wh1000xm5"),
        "word prefix finds headphones: {:#}",
        prefix.body
    );
    let suggest = shop().get("/api/products/suggest?q=iph").await;
    let items = suggest.data().as_array().unwrap();
    assert!(
        items
            .iter()
            .any(|s| s["text"].as_str().unwrap().contains("iPhone")),
        "{items:?}"
    );
    assert_eq!(
        shop().get("/api/products/search").await.error(400),
        "VALIDATION_ERROR"
    );
}

#[tokio::test]
async fn categories_form_a_tree_with_counts_and_price_ranges() {
    let top = shop().get("/api/products/categories").await;
    let cats = top.data().as_array().unwrap();
    assert_eq!(cats.len(), 5, "five top-level categories");
    let electronics = cats.iter().find(|c| c["slug"] == "electronics").unwrap();
    assert_eq!(electronics["productCount"], 8);
    let tree = shop().get("/api/products/categories?tree=true").await;
    let e = tree
        .data()
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["slug"] == "electronics")
        .unwrap()
        .clone();
    assert_eq!(e["children"].as_array().unwrap().len(), 3);
    let one = shop().get("/api/products/categories/mobile-phones").await;
    assert_eq!(one.data()["productCount"], 2);
    let range = shop()
        .get("/api/products/price-range?category=mobile-phones")
        .await;
    assert_eq!(range.data()["minPrice"], 1199.0);
    assert_eq!(range.data()["productCount"], 2);
    let none = shop()
        .get("/api/products/price-range?category=nothing-here")
        .await;
    assert_eq!(none.data()["productCount"], 0);
}

#[tokio::test]
async fn curated_lists_and_reviews_answer_with_fallbacks() {
    for path in [
        "/api/products/recommended",
        "/api/products/trending",
        "/api/products/new-arrivals",
    ] {
        let r = shop().get(path).await;
        assert!(
            !r.data().as_array().unwrap().is_empty(),
            "{path}: {:#}",
            r.body
        );
    }
    let mac = shop().get("/api/products/slug/macbook-pro-16-m3").await;
    let id = mac.data()["id"].as_str().unwrap().to_string();
    let related = shop().get(&format!("/api/products/{id}/related")).await;
    let related = related.data().as_array().unwrap();
    assert!(!related.is_empty());
    assert!(
        related.iter().all(|p| p["id"] != id.as_str()),
        "never the product itself"
    );
    let reviews = shop().get(&format!("/api/products/{id}/reviews")).await;
    assert!(reviews.data().is_array());
    assert_eq!(reviews.body["summary"]["count"], 245);
    assert_eq!(reviews.body["summary"]["average"], 4.8);
}
