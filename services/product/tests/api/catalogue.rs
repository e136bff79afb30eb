//! Categories, price ranges, reviews and seeding.
use tonic::Code;
use vici_catalog::{Catalog, category_id};
use vici_proto::product::v1::{
    CategoryInput, CategoryPatch, DeleteCategoryRequest, GetCategoryRequest, ListCategoriesRequest,
    PriceRangeRequest, ProductFilter, UpdateCategoryRequest,
};

use crate::browse::{list, page};
use crate::harness::{App, Env};

fn details(status: &tonic::Status) -> serde_json::Value {
    serde_json::from_slice(status.details()).unwrap_or_default()
}

pub async fn categories_count_their_subtrees_and_nest(env: Env) {
    let app = env.start(Catalog::demo()).await;
    let top = app
        .client
        .clone()
        .list_categories(ListCategoriesRequest::default())
        .await
        .unwrap()
        .into_inner()
        .categories;
    let slugs: Vec<&str> = top.iter().map(|c| c.slug.as_str()).collect();
    assert_eq!(
        slugs,
        [
            "electronics",
            "fashion",
            "home-kitchen",
            "sports-outdoors",
            "books-media"
        ]
    );
    let counts: Vec<u64> = top.iter().map(|c| c.product_count).collect();
    assert_eq!(counts, [8, 3, 2, 2, 1], "ACTIVE products of each subtree");
    assert!(
        top.iter()
            .all(|c| c.children.is_empty() && c.parent_id.is_none())
    );

    let tree = ListCategoriesRequest {
        tree: true,
        include_inactive: false,
    };
    let tree = app
        .client
        .clone()
        .list_categories(tree)
        .await
        .unwrap()
        .into_inner()
        .categories;
    let electronics = &tree[0];
    let children: Vec<(&str, u64)> = electronics
        .children
        .iter()
        .map(|c| (c.slug.as_str(), c.product_count))
        .collect();
    assert_eq!(
        children,
        [
            ("computers-accessories", 4),
            ("mobile-phones", 2),
            ("audio-video", 2)
        ]
    );
    assert_eq!(
        electronics.children[0].parent_id.as_deref(),
        Some(electronics.id.as_str())
    );

    let one = GetCategoryRequest {
        id_or_slug: "fashion".into(),
    };
    let fashion = app
        .client
        .clone()
        .get_category(one)
        .await
        .unwrap()
        .into_inner();
    assert_eq!((fashion.children.len(), fashion.product_count), (3, 3));
    let by_id = GetCategoryRequest {
        id_or_slug: category_id("shoes").to_string(),
    };
    assert_eq!(
        app.client
            .clone()
            .get_category(by_id)
            .await
            .unwrap()
            .into_inner()
            .slug,
        "shoes"
    );
    let missing = GetCategoryRequest {
        id_or_slug: "nope".into(),
    };
    assert_eq!(
        app.client
            .clone()
            .get_category(missing)
            .await
            .unwrap_err()
            .code(),
        Code::NotFound
    );
}

pub async fn category_admin_refuses_deleting_non_empty_ones(env: Env) {
    let app = env.start(Catalog::demo()).await;
    let input = CategoryInput {
        name: "Smart Home".into(),
        parent: Some("electronics".into()),
        sort_order: 4,
        is_active: true,
        ..Default::default()
    };
    let created = app
        .client
        .clone()
        .create_category(input.clone())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (created.slug.as_str(), created.parent_id),
        ("smart-home", Some(category_id("electronics").to_string()))
    );
    let again = app
        .client
        .clone()
        .create_category(input.clone())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        again.slug, "smart-home-2",
        "generated slugs are made unique"
    );
    let clash = CategoryInput {
        slug: Some("shoes".into()),
        ..input
    };
    let err = app.client.clone().create_category(clash).await.unwrap_err();
    assert_eq!(err.code(), Code::AlreadyExists);
    assert!(details(&err).get("slug").is_some(), "{err:?}");

    let rename = UpdateCategoryRequest {
        id: created.id.clone(),
        patch: Some(CategoryPatch {
            name: Some("Connected Home".into()),
            ..Default::default()
        }),
    };
    assert_eq!(
        app.client
            .clone()
            .update_category(rename)
            .await
            .unwrap()
            .into_inner()
            .name,
        "Connected Home"
    );
    let cycle = UpdateCategoryRequest {
        id: category_id("electronics").to_string(),
        patch: Some(CategoryPatch {
            parent: Some(created.id.clone()),
            ..Default::default()
        }),
    };
    assert_eq!(
        app.client
            .clone()
            .update_category(cycle)
            .await
            .unwrap_err()
            .code(),
        Code::InvalidArgument
    );

    let delete = |id: String| {
        let mut client = app.client.clone();
        async move { client.delete_category(DeleteCategoryRequest { id }).await }
    };
    let err = delete(category_id("books").to_string()).await.unwrap_err();
    assert_eq!(
        err.code(),
        Code::AlreadyExists,
        "a category with products stays"
    );
    assert!(details(&err).get("products").is_some());
    let err = delete(category_id("electronics").to_string())
        .await
        .unwrap_err();
    assert!(
        details(&err).get("children").is_some(),
        "a category with children stays: {err:?}"
    );
    delete(created.id.clone()).await.unwrap();
    let gone = GetCategoryRequest {
        id_or_slug: created.id.clone(),
    };
    assert_eq!(
        app.client
            .clone()
            .get_category(gone)
            .await
            .unwrap_err()
            .code(),
        Code::NotFound
    );
    assert_eq!(delete(created.id).await.unwrap_err().code(), Code::NotFound);
}

pub async fn price_range_covers_descendants(env: Env) {
    let app = env.start(Catalog::demo()).await;
    let range = |category: Option<&str>| {
        let mut client = app.client.clone();
        let req = PriceRangeRequest {
            category: category.map(String::from),
        };
        async move { client.get_price_range(req).await.unwrap().into_inner() }
    };
    let e = range(Some("electronics")).await;
    assert_eq!(
        (e.min_cents, e.max_cents, e.product_count),
        (9_999, 249_900, 8)
    );
    let all: Vec<i64> = app.catalog.products.iter().map(|p| p.price_cents).collect();
    let whole = range(None).await;
    assert_eq!(whole.product_count, 16);
    assert_eq!(
        whole.avg_cents,
        (all.iter().sum::<i64>() as f64 / 16.0).round() as i64
    );
    let none = range(Some("nope")).await;
    assert_eq!(
        (
            none.min_cents,
            none.max_cents,
            none.avg_cents,
            none.product_count
        ),
        (0, 0, 0, 0)
    );
}

async fn row_counts(app: &App) -> Vec<i64> {
    let mut counts = Vec::new();
    for table in [
        "categories",
        "products",
        "product_tags",
        "product_variants",
        "outbox",
    ] {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(app.db.reader())
            .await
            .unwrap();
        counts.push(n);
    }
    counts
}

pub async fn seeding_twice_changes_nothing(env: Env) {
    let app = env.start(Catalog::demo()).await;
    let before = row_counts(&app).await;
    assert_eq!(
        before,
        [17, 16, 64, 8, 0],
        "categories, products, tags, variants, no events"
    );
    let (first_page, _) = list(&app, ProductFilter::default(), "name", page(1, 100)).await;
    let report = vici_product::seed(&app.db, &app.catalog).await.unwrap();
    assert_eq!(
        (report.categories, report.products, report.variants),
        (17, 16, 8)
    );
    assert_eq!(row_counts(&app).await, before);
    let (second_page, _) = list(&app, ProductFilter::default(), "name", page(1, 100)).await;
    assert_eq!(first_page, second_page, "the same products, unchanged");
    app.no_more_events().await;
}
