//! Single products, batches and curated rows.
use tonic::Code;
use vici_catalog::Catalog;
use vici_proto::product::v1::product_service_client::ProductServiceClient;
use vici_proto::product::v1::{
    DeleteProductRequest, GetProductRequest, GetProductsRequest, ListCuratedRequest, Product,
    ProductInput, ProductPatch, UpdateProductRequest, get_product_request::Key,
};
use vici_testkit::Channel;

use crate::harness::Env;

pub async fn products_by_id_slug_and_batch(env: Env) {
    let app = env.start(Catalog::demo()).await;
    let get = |key: Key, all: bool| {
        let mut client = app.client.clone();
        async move {
            client
                .get_product(GetProductRequest {
                    key: Some(key),
                    include_all_statuses: all,
                })
                .await
        }
    };
    let dell = get(Key::Slug("dell-xps-15".into()), false)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (dell.name.as_str(), dell.stock, dell.category_slug.as_str()),
        ("Dell XPS 15", 97, "computers-accessories")
    );
    assert_eq!(
        get(Key::Id(dell.id.clone()), false)
            .await
            .unwrap()
            .into_inner(),
        dell
    );
    assert_eq!(
        get(Key::Slug("no-such-product".into()), false)
            .await
            .unwrap_err()
            .code(),
        Code::NotFound
    );
    assert_eq!(
        get(Key::Id("not-a-uuid".into()), false)
            .await
            .unwrap_err()
            .code(),
        Code::NotFound
    );

    let delete = vici_proto::product::v1::DeleteProductRequest {
        id: dell.id.clone(),
    };
    app.client.clone().delete_product(delete).await.unwrap();
    assert_eq!(
        get(Key::Id(dell.id.clone()), false)
            .await
            .unwrap_err()
            .code(),
        Code::NotFound
    );
    assert_eq!(
        get(Key::Id(dell.id.clone()), true)
            .await
            .unwrap()
            .into_inner()
            .status(),
        vici_proto::product::v1::ProductStatus::Inactive
    );

    let iphone = app.id_of("iphone-15-pro-max");
    let ids = vec![
        iphone.clone(),
        "0190a000-0000-7000-8000-000000000000".into(),
        dell.id.clone(),
        app.id_of("dell-xps-15"),
    ];
    let batch = app
        .client
        .clone()
        .get_products(GetProductsRequest {
            ids: ids.clone(),
            include_all_statuses: false,
        })
        .await
        .unwrap();
    let got: Vec<String> = batch
        .into_inner()
        .products
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(got, [iphone], "unknown and inactive ids are left out");
    let batch = app
        .client
        .clone()
        .get_products(GetProductsRequest {
            ids,
            include_all_statuses: true,
        })
        .await
        .unwrap();
    assert_eq!(batch.into_inner().products.len(), 2);
}

pub async fn curated_rows_follow_their_fallbacks(env: Env) {
    let app = env.start(Catalog::demo()).await;
    let curated = |kind: &str,
                   product: Option<String>,
                   category: Option<&str>,
                   limit: u32,
                   exclude: Vec<String>| {
        let req = ListCuratedRequest {
            kind: crate::browse::spelled::<vici_proto::product::v1::CuratedKind>(kind),
            product_id: product,
            category: category.map(String::from),
            limit,
            exclude_ids: exclude,
        };
        let mut client = app.client.clone();
        async move {
            client
                .list_curated(req)
                .await
                .map(|r| r.into_inner().products)
        }
    };
    let recommended = curated("recommended", None, None, 0, vec![]).await.unwrap();
    assert_eq!(recommended.len(), 10, "default limit");
    assert!(recommended[0].is_featured);

    let macbook = app.id_of("macbook-pro-16-m3");
    let related = curated(
        "related",
        Some(macbook.clone()),
        None,
        20,
        vec![app.id_of("dell-xps-15")],
    )
    .await
    .unwrap();
    let slugs: Vec<&str> = related.iter().map(|p| p.slug.as_str()).collect();
    assert!(
        !slugs.contains(&"macbook-pro-16-m3") && !slugs.contains(&"dell-xps-15"),
        "{slugs:?}"
    );
    assert_eq!(related.len(), 6, "the rest of Electronics: {slugs:?}");
    assert!(
        related[..2]
            .iter()
            .all(|p| p.category_slug == "computers-accessories"),
        "own category first: {slugs:?}"
    );
    let fbt = curated("frequently_bought_together", Some(macbook), None, 3, vec![])
        .await
        .unwrap();
    assert_eq!(fbt.len(), 3);
    let missing = curated("related", None, None, 5, vec![]).await.unwrap_err();
    assert_eq!(missing.code(), Code::InvalidArgument);

    let trending = curated("trending", None, Some("fashion"), 10, vec![])
        .await
        .unwrap();
    assert_eq!(trending.len(), 3);
    assert!(trending.iter().all(|p| {
        ["mens-clothing", "womens-clothing", "shoes"].contains(&p.category_slug.as_str())
    }));
    let score = |p: &Product| p.rating * p.review_count as f64;
    assert!(trending.windows(2).all(|w| score(&w[0]) >= score(&w[1])));
    let newest = curated("new-arrivals", None, None, 5, vec![])
        .await
        .unwrap();
    assert_eq!(newest[0].slug, "macbook-pro-16-m3");
    assert!(
        newest
            .windows(2)
            .all(|w| w[0].created_at >= w[1].created_at)
    );
    let unknown = ListCuratedRequest {
        kind: crate::browse::UNKNOWN_VALUE,
        limit: 5,
        ..Default::default()
    };
    let err = app.client.clone().list_curated(unknown).await.unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
}

/// Batches by id are answered from the catalogue each replica keeps in memory: the replica that
/// wrote a change answers it at once, another one once the change's event arrives, and one that
/// has not yet heard of a new product still finds it (in the database).
pub async fn batches_follow_writes_on_every_replica(env: Env) {
    let app = env.start(Catalog::demo()).await;
    let other = app.replica().await;
    let batch = |client: &ProductServiceClient<Channel>, id: &str| {
        let (mut client, ids) = (client.clone(), vec![id.to_string()]);
        async move {
            let req = GetProductsRequest {
                ids,
                include_all_statuses: false,
            };
            client
                .get_products(req)
                .await
                .unwrap()
                .into_inner()
                .products
        }
    };
    let input = ProductInput {
        name: "Batch Kettle".into(),
        price_cents: 2_500,
        category: "kitchen-appliances".into(),
        ..Default::default()
    };
    let kettle = app.client.clone().create_product(input).await.unwrap();
    let id = kettle.into_inner().id;
    let on_other = batch(&other, &id).await;
    assert_eq!(on_other.len(), 1, "found whether or not its event arrived");

    // A product each replica held in memory from its start.
    let phone = app.id_of("iphone-15-pro-max");
    let patch = ProductPatch {
        price_cents: Some(1_999),
        ..Default::default()
    };
    let req = UpdateProductRequest {
        id: phone.clone(),
        patch: Some(patch),
    };
    let before = batch(&other, &phone).await;
    assert_eq!(before[0].variants.len(), 3, "with its variants: {before:?}");
    app.client.clone().update_product(req).await.unwrap();
    let here = batch(&app.client, &phone).await;
    assert_eq!(
        here[0].price_cents, 1_999,
        "the writer answers its own write"
    );
    assert_eq!(here[0].variants.len(), 3, "with its variants: {here:?}");
    vici_testkit::eventually("the other replica to show the new price", || async {
        batch(&other, &phone).await.first().map(|p| p.price_cents) == Some(1_999)
    })
    .await;

    let delete = DeleteProductRequest { id: id.clone() };
    app.client.clone().delete_product(delete).await.unwrap();
    assert!(batch(&app.client, &id).await.is_empty(), "retired at once");
    vici_testkit::eventually("the other replica to leave it out", || async {
        batch(&other, &id).await.is_empty()
    })
    .await;
}
