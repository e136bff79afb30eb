//! The admin catalogue through the gateway, in front of the real product and inventory
//! services: products and categories written as the contract shapes them, each change seen by
//! shoppers at once — through this gateway's micro-cache and, from `product-events`, through
//! every other gateway's.
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, header};
use serde_json::{Value, json};
use vici_gateway::Deps;
use vici_testkit::{Backend, ServiceName, Services};

use crate::fake::FakeCatalogue;
use crate::fake_auth::{FakeAuth, claims};
use crate::{Reply, get, send, serve_fakes};

/// Long enough that only a forgotten cache, never an expired one, shows a change.
const CACHE_FOR_TEN_MINUTES: (&str, &str) = ("VICI_GATEWAY_CACHE_TTL_MS", "600000");

struct Shop {
    app: Router,
    admin: String,
    services: Services,
}

async fn shop() -> Shop {
    let auth = Arc::new(FakeAuth::default());
    let fakes = serve_fakes(Arc::new(FakeCatalogue::default()), auth.clone()).await;
    let services = Services::builder(Backend::Sqlite)
        .service(vici_inventory::service())
        .service(vici_product::service())
        .configure(vici_gateway::service())
        .elsewhere(ServiceName::Auth, format!("http://{fakes}"))
        .setting(CACHE_FOR_TEN_MINUTES.0, CACHE_FOR_TEN_MINUTES.1)
        .start()
        .await;
    crate::deny_list_loaded(&services.platform().cache).await;
    let app = vici_gateway::router(Deps::from_platform(services.platform()).unwrap());
    Shop {
        app,
        admin: auth.sign(&claims("admin")),
        services,
    }
}

impl Shop {
    async fn admin(&self, method: Method, uri: &str, body: Option<Value>) -> Reply {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::AUTHORIZATION, format!("Bearer {}", self.admin));
        let request = match body {
            Some(body) => request
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string())),
            None => request.body(Body::empty()),
        };
        send(&self.app, request.unwrap()).await
    }

    /// `data` of a shopper's (anonymous, cacheable) GET.
    async fn shopper(&self, uri: &str) -> Value {
        get(&self.app, uri).await.data().clone()
    }
}

fn ids(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect()
}

fn multipart_png() -> (String, Vec<u8>) {
    let boundary = "vici-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"lamp.png\"\r\n\
         Content-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&vici_testkit::pictures::png(32, 24));
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn an_admin_manages_a_product_and_shoppers_see_every_change_at_once() {
    let shop = shop().await;
    let category = shop
        .admin(
            Method::POST,
            "/api/admin/categories",
            Some(json!({"name": "Desk Lamps", "parentId": "home-kitchen"})),
        )
        .await;
    assert_eq!(category.status, 201, "{}", category.text());
    let category = category.json()["data"].clone();
    let listing = format!(
        "/api/products?category={}",
        category["slug"].as_str().unwrap()
    );
    let search = "/api/products/search?q=lumen";
    assert_eq!(shop.shopper(&listing).await, json!([]), "warms the cache");
    assert_eq!(shop.shopper(search).await["products"], json!([]));

    let created = shop
        .admin(
            Method::POST,
            "/api/admin/products",
            Some(json!({
                "name": "Lumen Desk Lamp", "description": "Warm light", "price": 49.99,
                "originalPrice": 59.99, "categoryId": category["id"], "stock": 12,
                "specs": {"watts": 8}, "tags": ["lighting"], "isSale": true,
            })),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let product = created.json()["data"].clone();
    let id = product["id"].as_str().unwrap().to_string();
    assert_eq!(
        (
            &product["price"],
            &product["originalPrice"],
            &product["stock"]
        ),
        (&json!(49.99), &json!(59.99), &json!(12))
    );
    assert_eq!(
        (
            &product["categoryName"],
            &product["isOnSale"],
            &product["specs"]
        ),
        (&json!("Desk Lamps"), &json!(true), &json!({"watts": 8}))
    );
    let page = format!("/api/products/{id}");
    assert_eq!(ids(&shop.shopper(&listing).await), [id.as_str()]);
    assert_eq!(ids(&shop.shopper(search).await["products"]), [id.as_str()]);
    assert_eq!(shop.shopper(&page).await["stock"], 12);

    let (content_type, body) = multipart_png();
    let request = Request::post(format!("/api/admin/products/{id}/images"))
        .header(header::AUTHORIZATION, format!("Bearer {}", shop.admin))
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap();
    let uploaded = send(&shop.app, request).await.data().clone();
    let image = uploaded["image"].as_str().unwrap().to_string();
    let media = image.split_once("/api/media/").unwrap().1;
    let served = get(&shop.app, &format!("/api/media/{media}")).await;
    assert_eq!(served.header("content-type"), Some("image/png"));
    assert_eq!(shop.shopper(&page).await["images"], json!([image]));

    let edit = json!({"price": 44.5, "description": "Warmer light", "originalPrice": null});
    let edited = shop
        .admin(
            Method::PUT,
            &format!("/api/admin/products/{id}"),
            Some(edit),
        )
        .await
        .data()
        .clone();
    assert_eq!(
        (&edited["price"], edited.get("originalPrice")),
        (&json!(44.5), None)
    );
    for seen in [
        shop.shopper(&page).await,
        shop.shopper(&listing).await[0].clone(),
        shop.shopper(search).await["products"][0].clone(),
    ] {
        assert_eq!(
            (&seen["price"], &seen["description"]),
            (&json!(44.5), &json!("Warmer light"))
        );
    }

    shop.admin(Method::DELETE, &format!("/api/admin/products/{id}"), None)
        .await
        .data();
    assert_eq!(shop.shopper(&listing).await, json!([]));
    assert_eq!(shop.shopper(search).await["products"], json!([]));
    get(&shop.app, &page).await.assert_error(404, "NOT_FOUND");
    let retired = shop
        .admin(
            Method::GET,
            &format!(
                "{}&status=inactive",
                listing.replace("/api/", "/api/admin/")
            ),
            None,
        )
        .await
        .data()
        .clone();
    assert_eq!(ids(&retired), [id.as_str()], "the admin still sees it");
    shop.services.finish().await;
}

#[tokio::test]
async fn bad_product_input_is_refused_naming_the_contract_fields() {
    let shop = shop().await;
    let refused = |body: Value| {
        let shop = &shop;
        async move {
            let answer = shop
                .admin(Method::POST, "/api/admin/products", Some(body))
                .await;
            let body = answer.assert_error(400, "VALIDATION_ERROR");
            let mut fields: Vec<String> = body["details"]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect();
            fields.sort();
            fields
        }
    };
    assert_eq!(refused(json!({})).await, ["categoryId", "name", "price"]);
    assert_eq!(
        refused(json!({"name": "x", "price": "cheap", "category": 7, "stock": -1})).await,
        ["category", "price", "stock"]
    );
    assert_eq!(
        refused(json!({"name": "x", "price": 1.234, "categoryId": "laptops"})).await,
        ["price"]
    );
    assert_eq!(
        refused(json!({"name": "x", "price": 1, "category": "no-such-category"})).await,
        ["category"],
        "the product service's refusal under the name the client used"
    );
    assert_eq!(
        refused(
            json!({"name": "x", "price": 1, "categoryId": "laptops", "variants": [{"price": "?"}]})
        )
        .await,
        ["variants[0].price"]
    );
    assert_eq!(
        refused(json!({"name": "x", "price": 1, "categoryId": "laptops", "status": "sold"})).await,
        ["status"]
    );
    let listed = shop
        .admin(Method::GET, "/api/admin/products?status=SOLD", None)
        .await;
    assert!(listed.assert_error(400, "VALIDATION_ERROR")["details"]["status"].is_string());
    shop.admin(
        Method::PUT,
        "/api/admin/products/not-an-id",
        Some(json!({})),
    )
    .await
    .assert_error(404, "NOT_FOUND");
    let unknown = format!("/api/admin/products/{}", uuid::Uuid::now_v7());
    shop.admin(Method::DELETE, &unknown, None)
        .await
        .assert_error(404, "NOT_FOUND");
    shop.services.finish().await;
}

#[tokio::test]
async fn categories_are_listed_whole_and_renames_reach_their_products_at_once() {
    let shop = shop().await;
    let all = shop
        .admin(Method::GET, "/api/admin/categories", None)
        .await
        .data()
        .clone();
    let public = shop.shopper("/api/products/categories").await;
    assert!(
        all.as_array().unwrap().len() > public.as_array().unwrap().len(),
        "every level, flat"
    );
    let hidden = shop
        .admin(
            Method::POST,
            "/api/admin/categories",
            Some(json!({"name": "Backroom", "isActive": false})),
        )
        .await;
    assert_eq!(hidden.status, 201, "{}", hidden.text());
    let hidden = hidden.json()["data"].clone();
    let all = shop
        .admin(Method::GET, "/api/admin/categories", None)
        .await
        .data()
        .clone();
    assert!(
        ids(&all).contains(&hidden["id"].as_str().unwrap()),
        "inactive ones too"
    );
    let tree = shop
        .admin(Method::GET, "/api/admin/categories?tree=true", None)
        .await
        .data()
        .clone();
    assert!(
        tree.as_array()
            .unwrap()
            .iter()
            .any(|c| c["children"].is_array())
    );

    let page = "/api/products/slug/nike-air-max-90";
    let shoe = shop.shopper(page).await;
    let renamed = shop
        .admin(
            Method::PUT,
            &format!(
                "/api/admin/categories/{}",
                shoe["categoryId"].as_str().unwrap()
            ),
            Some(json!({"name": "Sneakers"})),
        )
        .await
        .data()
        .clone();
    assert_eq!(renamed["name"], "Sneakers");
    assert_eq!(shop.shopper(page).await["categoryName"], "Sneakers");

    let used = format!(
        "/api/admin/categories/{}",
        shoe["categoryId"].as_str().unwrap()
    );
    let conflict = shop.admin(Method::DELETE, &used, None).await;
    let body = conflict.assert_error(409, "CONFLICT");
    assert!(body["details"]["products"].as_i64().unwrap() > 0, "{body}");
    let parent = format!(
        "/api/admin/categories/{}",
        renamed["parentId"].as_str().unwrap()
    );
    let body = shop
        .admin(Method::DELETE, &parent, None)
        .await
        .assert_error(409, "CONFLICT");
    assert!(body["details"]["children"].as_i64().unwrap() > 0, "{body}");
    let empty = format!("/api/admin/categories/{}", hidden["id"].as_str().unwrap());
    shop.admin(Method::DELETE, &empty, None).await.data();
    shop.admin(Method::DELETE, &empty, None)
        .await
        .assert_error(404, "NOT_FOUND");
    let bad = shop
        .admin(
            Method::PUT,
            &used,
            Some(json!({"sortOrder": "first", "isActive": "yes"})),
        )
        .await;
    let details = bad.assert_error(400, "VALIDATION_ERROR")["details"].clone();
    assert!(
        details["sortOrder"].is_string() && details["isActive"].is_string(),
        "{details}"
    );
    shop.services.finish().await;
}

#[tokio::test]
async fn writes_and_stock_moves_through_one_gateway_reach_the_micro_cache_of_another() {
    let shop = shop().await;
    let other = vici_gateway::start(Deps::from_platform(shop.services.platform()).unwrap())
        .await
        .unwrap();
    let other_app = other.local_routes();
    let page = "/api/products/slug/atomic-habits-book";
    let book = get(&other_app, page).await.data().clone();
    let edit = json!({"description": "A book about habits, edited"});
    shop.admin(
        Method::PUT,
        &format!("/api/admin/products/{}", book["id"].as_str().unwrap()),
        Some(edit),
    )
    .await
    .data();
    vici_testkit::eventually("the other gateway forgets its cached page", || {
        let app = &other_app;
        async move {
            get(app, page).await.data().clone()["description"] == "A book about habits, edited"
        }
    })
    .await;
    // A stock move travels on `inventory-events`, not `product-events`.
    let stock = book["stock"].as_i64().unwrap();
    shop.admin(
        Method::PUT,
        &format!("/api/admin/inventory/{}", book["id"].as_str().unwrap()),
        Some(json!({"operation": "SET", "quantity": stock + 7, "reason": "delivery"})),
    )
    .await
    .data();
    vici_testkit::eventually("the other gateway forgets its cached stock", || {
        let app = &other_app;
        async move { get(app, page).await.data().clone()["stock"] == stock + 7 }
    })
    .await;
    shop.services.finish().await;
}
