//! Admin writes: validation, events in the outbox, and the search index kept in step.
use tonic::Code;
use vici_catalog::{Catalog, category_id};
use vici_proto::product::v1::{
    DeleteProductRequest, GetProductRequest, Product, ProductFilter, ProductInput, ProductPatch,
    UpdateProductRequest, get_product_request::Key,
};

use crate::harness::App;
use crate::harness::Env;
use crate::search::search;

fn grinder() -> ProductInput {
    ProductInput {
        name: "Vici Espresso Grinder".into(),
        description: "Conical burrs for a fine espresso grind".into(),
        price_cents: 8_999,
        category: "kitchen-appliances".into(),
        specifications_json: r#"{"burr": "conical"}"#.into(),
        tags: vec!["coffee".into(), "grinder".into()],
        images: vec!["https://images.example/grinder.jpg".into()],
        ..Default::default()
    }
}

async fn create(app: &App, input: ProductInput) -> Result<Product, tonic::Status> {
    app.client
        .clone()
        .create_product(input)
        .await
        .map(|r| r.into_inner())
}

async fn update(app: &App, id: &str, patch: ProductPatch) -> Result<Product, tonic::Status> {
    let req = UpdateProductRequest {
        id: id.into(),
        patch: Some(patch),
    };
    app.client
        .clone()
        .update_product(req)
        .await
        .map(|r| r.into_inner())
}

pub fn detail_fields(status: &tonic::Status) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_slice(status.details()).unwrap_or_default();
    v.as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

pub async fn created_products_emit_events_and_become_searchable(env: Env) {
    let app = env.start(Catalog::demo()).await;
    let p = create(&app, grinder()).await.unwrap();
    assert_eq!(
        (p.slug.as_str(), p.status(), p.stock),
        (
            "vici-espresso-grinder",
            vici_proto::product::v1::ProductStatus::Active,
            0
        )
    );
    assert_eq!(
        (p.category_id, p.category_name.as_str()),
        (
            category_id("kitchen-appliances").to_string(),
            "Kitchen Appliances"
        )
    );
    assert_eq!(
        (p.specifications_json.as_str(), p.currency.as_str()),
        (r#"{"burr":"conical"}"#, "USD")
    );
    assert!(p.sku.starts_with("VICI-"), "a SKU is generated: {}", p.sku);
    assert!(
        app.inventory.initialised().contains(&p.id),
        "InitStock was called"
    );

    let event = app.next_event().await;
    assert_eq!(
        (
            event.event_type.as_str(),
            event.subject.as_str(),
            event.source.as_str()
        ),
        ("product.created", p.id.as_str(), "/vici/product")
    );
    assert_eq!(
        (
            event.data["priceCents"].as_i64(),
            event.data["currency"].as_str()
        ),
        (Some(8_999), Some("USD"))
    );

    let found = search(&app, "espresso", ProductFilter::default(), "", None).await;
    assert_eq!(
        found.products.first().map(|f| f.id.as_str()),
        Some(p.id.as_str()),
        "searchable at once"
    );

    let twin = create(&app, grinder()).await.unwrap();
    assert_eq!(
        twin.slug, "vici-espresso-grinder-2",
        "a taken slug gets the next number"
    );
}

pub async fn updates_and_deletes_emit_events_and_reach_search(env: Env) {
    let app = env.start(Catalog::demo()).await;
    let p = create(&app, grinder()).await.unwrap();
    app.next_event().await;

    let patch = ProductPatch {
        name: Some("Vici Barista Mill".into()),
        price_cents: Some(7_999),
        ..Default::default()
    };
    let updated = update(&app, &p.id, patch).await.unwrap();
    assert_eq!(
        (
            updated.name.as_str(),
            updated.price_cents,
            updated.slug.as_str()
        ),
        ("Vici Barista Mill", 7_999, p.slug.as_str())
    );
    let changed = app.next_event().await;
    assert_eq!(changed.event_type, "product.updated");
    assert_eq!(
        changed.data["fields"],
        serde_json::json!(["name", "priceCents"])
    );
    assert_eq!(changed.data["name"], "Vici Barista Mill");
    let price = app.next_event().await;
    assert_eq!(price.event_type, "product.price_changed");
    assert_eq!(
        (
            price.data["oldPriceCents"].as_i64(),
            price.data["newPriceCents"].as_i64()
        ),
        (Some(8_999), Some(7_999))
    );
    let found = search(&app, "barista", ProductFilter::default(), "", None).await;
    assert_eq!(
        found.products.first().map(|f| f.id.as_str()),
        Some(p.id.as_str())
    );

    let same = ProductPatch {
        name: Some("Vici Barista Mill".into()),
        ..Default::default()
    };
    update(&app, &p.id, same).await.unwrap();
    let tags = ProductPatch {
        tags: vec!["burr".into()],
        ..Default::default()
    };
    assert_eq!(
        update(&app, &p.id, tags).await.unwrap().tags,
        ["coffee", "grinder", "burr"],
        "appended"
    );
    let tag_event = app.next_event().await;
    assert_eq!(
        tag_event.data["fields"],
        serde_json::json!(["tags"]),
        "a no-op patch emits nothing"
    );
    let moved = ProductPatch {
        category: Some("furniture".into()),
        ..Default::default()
    };
    assert_eq!(
        update(&app, &p.id, moved).await.unwrap().category_slug,
        "furniture"
    );
    app.next_event().await;

    app.client
        .clone()
        .delete_product(DeleteProductRequest { id: p.id.clone() })
        .await
        .unwrap();
    let deleted = app.next_event().await;
    assert_eq!(
        (deleted.event_type.as_str(), deleted.subject.as_str()),
        ("product.deleted", p.id.as_str())
    );
    let gone = search(&app, "barista", ProductFilter::default(), "", None).await;
    assert!(
        gone.products.is_empty(),
        "an inactive product leaves the shop's search"
    );
    let admin = ProductFilter {
        include_all_statuses: true,
        ..Default::default()
    };
    assert_eq!(
        search(&app, "barista", admin, "", None)
            .await
            .products
            .len(),
        1,
        "admins still find it"
    );
    let get = GetProductRequest {
        key: Some(Key::Id(p.id.clone())),
        include_all_statuses: false,
    };
    assert_eq!(
        app.client
            .clone()
            .get_product(get)
            .await
            .unwrap_err()
            .code(),
        Code::NotFound
    );
    app.client
        .clone()
        .delete_product(DeleteProductRequest { id: p.id.clone() })
        .await
        .unwrap();
    app.no_more_events().await;
    let missing = DeleteProductRequest {
        id: "0190a000-0000-7000-8000-000000000000".into(),
    };
    assert_eq!(
        app.client
            .clone()
            .delete_product(missing)
            .await
            .unwrap_err()
            .code(),
        Code::NotFound
    );
}

pub async fn admin_input_is_validated_field_by_field(env: Env) {
    let app = env.start(Catalog::demo()).await;
    let cases: Vec<(&str, ProductInput)> = vec![
        (
            "name",
            ProductInput {
                name: " ".into(),
                ..grinder()
            },
        ),
        (
            "name",
            ProductInput {
                name: "x".repeat(201),
                ..grinder()
            },
        ),
        (
            "price",
            ProductInput {
                price_cents: -1,
                ..grinder()
            },
        ),
        (
            "category",
            ProductInput {
                category: "no-such-category".into(),
                ..grinder()
            },
        ),
        (
            "specifications",
            ProductInput {
                specifications_json: "[1, 2]".into(),
                ..grinder()
            },
        ),
        (
            "images",
            ProductInput {
                images: vec!["https://images.example/a.jpg".into(); 21],
                ..grinder()
            },
        ),
        (
            "status",
            ProductInput {
                status: crate::browse::UNKNOWN_VALUE,
                ..grinder()
            },
        ),
        (
            "slug",
            ProductInput {
                slug: Some("Bad Slug".into()),
                ..grinder()
            },
        ),
    ];
    for (field, input) in cases {
        let err = create(&app, input).await.unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument, "{field}: {err:?}");
        assert_eq!(detail_fields(&err), [field], "{}", err.message());
    }
    for (field, input) in [
        (
            "slug",
            ProductInput {
                slug: Some("dell-xps-15".into()),
                ..grinder()
            },
        ),
        (
            "sku",
            ProductInput {
                sku: "MBP-M3-16-512".into(),
                ..grinder()
            },
        ),
    ] {
        let err = create(&app, input).await.unwrap_err();
        assert_eq!(err.code(), Code::AlreadyExists, "{field}: {err:?}");
        assert_eq!(detail_fields(&err), [field]);
    }
    let dell = app.id_of("dell-xps-15");
    let err = update(
        &app,
        &dell,
        ProductPatch {
            price_cents: Some(-5),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(
        (err.code(), detail_fields(&err)),
        (Code::InvalidArgument, vec!["price".to_string()])
    );
    let err = update(
        &app,
        &dell,
        ProductPatch {
            slug: Some("macbook-pro-16-m3".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(
        (err.code(), detail_fields(&err)),
        (Code::AlreadyExists, vec!["slug".to_string()])
    );
    let err = update(
        &app,
        "0190a000-0000-7000-8000-000000000000",
        ProductPatch::default(),
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    app.no_more_events().await;
}

/// Another replica learns of writes from `product-events` and re-indexes from the database.
pub async fn replicas_follow_product_events(env: Env) {
    let app = env.start(Catalog::demo()).await;
    let mut other = app.replica().await;
    let p = create(&app, grinder()).await.unwrap();
    let find =
        |client: &mut vici_proto::product::v1::product_service_client::ProductServiceClient<_>,
         q: &str| {
            let req = vici_proto::product::v1::SearchProductsRequest {
                query: q.into(),
                ..Default::default()
            };
            let mut client = client.clone();
            async move {
                client
                    .search_products(req)
                    .await
                    .unwrap()
                    .into_inner()
                    .products
            }
        };
    let mut seen = false;
    for _ in 0..50 {
        if find(&mut other, "espresso")
            .await
            .iter()
            .any(|f| f.id == p.id)
        {
            seen = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        seen,
        "the other replica indexed the new product from its event"
    );
    app.client
        .clone()
        .delete_product(DeleteProductRequest { id: p.id.clone() })
        .await
        .unwrap();
    let mut gone = false;
    for _ in 0..50 {
        if find(&mut other, "espresso").await.is_empty() {
            gone = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(gone, "the other replica saw the delete");
}
