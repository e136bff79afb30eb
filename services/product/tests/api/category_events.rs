//! Category edits are announced on `product-events`, and every replica re-indexes a renamed
//! category's products from the announcement, so search finds them by the new name everywhere.
use vici_catalog::Catalog;
use vici_proto::product::v1::product_service_client::ProductServiceClient;
use vici_proto::product::v1::{
    CategoryInput, CategoryPatch, DeleteCategoryRequest, ProductInput, SearchProductsRequest,
    UpdateCategoryRequest,
};
use vici_testkit::Channel;

use crate::harness::{App, Env};

async fn found_by(client: &ProductServiceClient<Channel>, words: &str) -> Vec<String> {
    let req = SearchProductsRequest {
        query: words.into(),
        ..Default::default()
    };
    let found = client.clone().search_products(req).await.unwrap();
    found
        .into_inner()
        .products
        .into_iter()
        .map(|p| p.id)
        .collect()
}

async fn rename(app: &App, id: &str, name: &str) {
    let req = UpdateCategoryRequest {
        id: id.into(),
        patch: Some(CategoryPatch {
            name: Some(name.into()),
            ..Default::default()
        }),
    };
    app.client.clone().update_category(req).await.unwrap();
}

pub async fn category_edits_are_announced_and_renames_reach_every_replica(env: Env) {
    let app = env.start(Catalog::demo()).await;
    let other = app.replica().await;
    let category = app
        .client
        .clone()
        .create_category(CategoryInput {
            name: "Smart Home".into(),
            parent: Some("electronics".into()),
            is_active: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let created = app.next_event().await;
    assert_eq!(
        (created.event_type.as_str(), created.subject.as_str()),
        ("product.category_created", category.id.as_str())
    );
    assert_eq!(created.data["name"], "Smart Home");
    let input = ProductInput {
        name: "Hub Controller".into(),
        price_cents: 4_999,
        category: category.slug.clone(),
        ..Default::default()
    };
    let product = app.client.clone().create_product(input).await.unwrap();
    let product = product.into_inner();
    assert_eq!(app.next_event().await.event_type, "product.created");

    rename(&app, &category.id, "Zephyrine Gear").await;
    let renamed = app.next_event().await;
    assert_eq!(
        (renamed.event_type.as_str(), renamed.subject.as_str()),
        ("product.category_updated", category.id.as_str())
    );
    assert_eq!(
        (renamed.data["name"].clone(), renamed.data["fields"].clone()),
        ("Zephyrine Gear".into(), serde_json::json!(["name"]))
    );
    assert_eq!(
        found_by(&app.client, "zephyrine").await,
        [product.id.as_str()],
        "this process re-indexed at once"
    );
    vici_testkit::eventually(
        "the other replica finds the product by its new category",
        || {
            let (other, id) = (&other, &product.id);
            async move { found_by(other, "zephyrine").await == [id.as_str()] }
        },
    )
    .await;
    rename(&app, &category.id, "Zephyrine Gear").await;
    app.no_more_events().await;

    let empty = app
        .client
        .clone()
        .create_category(CategoryInput {
            name: "Short-lived".into(),
            is_active: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        app.next_event().await.event_type,
        "product.category_created"
    );
    let delete = DeleteCategoryRequest {
        id: empty.id.clone(),
    };
    app.client.clone().delete_category(delete).await.unwrap();
    let deleted = app.next_event().await;
    assert_eq!(
        (deleted.event_type.as_str(), deleted.subject.as_str()),
        ("product.category_deleted", empty.id.as_str())
    );
}

pub async fn new_products_start_with_the_stock_the_admin_gave(env: Env) {
    let app = env.start(Catalog::demo()).await;
    let input = |units: i64| ProductInput {
        name: format!("Counted Lamp {units}"),
        price_cents: 2_500,
        category: "kitchen-appliances".into(),
        initial_stock: units,
        ..Default::default()
    };
    let lamp = app.client.clone().create_product(input(7)).await.unwrap();
    assert_eq!(lamp.into_inner().stock, 7);
    for bad in [-1, 1_000_001] {
        let err = app.client.clone().create_product(input(bad)).await;
        let err = err.unwrap_err();
        assert_eq!(err.code(), tonic::Code::InvalidArgument, "{bad}");
        assert_eq!(crate::admin::detail_fields(&err), ["stock"], "{bad}");
    }
}
