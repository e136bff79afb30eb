//! The admin catalogue end to end: an admin builds a category and a product through the REST
//! API, uploads its image, edits it, renames its category and retires it, and an anonymous
//! shopper sees each change at once in the listing, on the product page and in search. Customers
//! are refused on every admin route the API document lists.
use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use vici_testkit::system::{DEMO_PASSWORD, Mode, OwnShop, Visitor, shop};

#[tokio::test]
async fn a_customer_is_refused_on_every_admin_route_of_the_document() {
    let s = shop();
    let mut customer = s.visitor();
    customer.register("not-an-admin").await.data();
    let anonymous = s.visitor();
    let doc = s.get("/api/openapi.json").await.body;
    let mut admin_routes = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("operations") {
            if op["responses"].get("403").is_none() {
                continue;
            }
            admin_routes += 1;
            let method: Method = method.to_ascii_uppercase().parse().unwrap();
            let uri = path.replace("{id}", &uuid::Uuid::now_v7().to_string());
            let uri = uri.replace("{productId}", &uuid::Uuid::now_v7().to_string());
            let refused = customer.bare(method.clone(), &uri).await;
            assert_eq!(refused.error(403), "FORBIDDEN", "{method} {uri}");
            let refused = anonymous.bare(method.clone(), &uri).await;
            assert_eq!(refused.error(401), "UNAUTHORIZED", "{method} {uri}");
        }
    }
    assert!(admin_routes > 20, "{admin_routes} admin routes documented");
}

fn ids(list: &Value) -> Vec<&str> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect()
}

/// The admin leaves one unit, every view shows (and caches) it, a customer buys it: at once,
/// every view shows the product sold out.
async fn buy_the_last_unit(
    shop: &OwnShop,
    admin: &Visitor<'_>,
    shopper: &Visitor<'_>,
    listing: &str,
    id: &str,
) {
    let one = json!({"operation": "SET", "quantity": 1, "reason": "last one"});
    admin
        .put(&format!("/api/admin/inventory/{id}"), &one)
        .await
        .data();
    for p in seen(shopper, listing, id, "glowreader").await {
        let p = p.expect("shown everywhere");
        assert_eq!((&p["stock"], &p["inStock"]), (&json!(1), &json!(true)));
    }
    let mut buyer = shop.visitor();
    buyer.register("last-unit").await.data();
    let added = buyer
        .post("/api/cart/items", &json!({"productId": id, "quantity": 1}))
        .await;
    assert_eq!(added.status, 201, "{}", added.body);
    let confirm = buyer
        .request(Method::POST, "/api/checkout/confirm")
        .header("idempotency-key", uuid::Uuid::new_v4().to_string())
        .json(&json!({"shippingAddress": crate::checkout::ship_to(), "paymentMethod": "pm_card_visa"}));
    let confirmed = shop.send(confirm).await;
    assert_eq!(confirmed.status, 201, "{}", confirmed.body);
    for p in seen(shopper, listing, id, "glowreader").await {
        let p = p.expect("still shown, sold out");
        assert_eq!(
            (&p["stock"], &p["inStock"]),
            (&json!(0), &json!(false)),
            "read right after the sale"
        );
    }
}

/// What an anonymous shopper sees of the product: in the listing, on its page, in search.
async fn seen(shopper: &Visitor<'_>, listing: &str, id: &str, words: &str) -> [Option<Value>; 3] {
    let find = |list: &Value| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == id)
            .cloned()
    };
    let listed = find(shopper.get(listing).await.data());
    let page = shopper.get(&format!("/api/products/{id}")).await;
    let page = (page.status == 200).then(|| page.data().clone());
    let search = shopper
        .get(&format!("/api/products/search?q={words}"))
        .await;
    let found = find(&search.data()["products"]);
    [listed, page, found]
}

#[tokio::test]
async fn an_admin_builds_a_product_and_shoppers_see_every_change_at_once() {
    // Cached for ten minutes: only a forgotten cache, never an expired one, shows a change.
    let shop = OwnShop::boot(Mode::from_env(), &[("VICI_GATEWAY_CACHE_TTL_MS", "600000")]).await;
    let mut admin = shop.visitor();
    admin.login("admin@example.com", DEMO_PASSWORD).await.data();
    let shopper = shop.visitor();
    let category = admin
        .post(
            "/api/admin/categories",
            &json!({"name": "Reading Lights", "parentId": "home-kitchen", "sortOrder": 9}),
        )
        .await;
    assert_eq!(category.status, 201, "{}", category.body);
    let category = category.data().clone();
    let listing = format!(
        "/api/products?category={}",
        category["slug"].as_str().unwrap()
    );
    assert_eq!(
        shopper.get(&listing).await.data(),
        &json!([]),
        "cached empty"
    );
    let search = shopper.get("/api/products/search?q=glowreader").await;
    assert_eq!(search.data()["products"], json!([]));

    let created = admin
        .post(
            "/api/admin/products",
            &json!({"name": "Glowreader Clip Light", "description": "Clips to any book",
                "price": 24.99, "categoryId": category["id"], "stock": 30, "tags": ["reading"]}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.data()["id"].as_str().unwrap().to_string();
    let [listed, page, found] = seen(&shopper, &listing, &id, "glowreader").await;
    for p in [&listed, &page, &found] {
        let p = p.as_ref().expect("listed, on its page and found at once");
        assert_eq!((&p["price"], &p["stock"]), (&json!(24.99), &json!(30)));
    }

    let form = Form::new().part(
        "file",
        Part::bytes(vici_testkit::pictures::png(20, 20)).file_name("clip.png"),
    );
    let uploaded = admin
        .shop
        .send(
            admin
                .request(Method::POST, &format!("/api/admin/products/{id}/images"))
                .multipart(form),
        )
        .await;
    let image = uploaded.data()["image"].as_str().unwrap().to_string();
    let media = &image[image.find("/api/media/").expect("served by the gateway")..];
    let served = shop.client.get(shop.url(media)).send().await.unwrap();
    assert_eq!(served.headers()["content-type"], "image/png");

    let edit = json!({"price": 19.5, "description": "Clips to any book, now dimmable"});
    admin
        .put(&format!("/api/admin/products/{id}"), &edit)
        .await
        .data();
    for p in seen(&shopper, &listing, &id, "glowreader").await {
        let p = p.expect("still shown everywhere");
        assert_eq!(
            (&p["price"], &p["description"], &p["image"]),
            (&json!(19.5), &edit["description"], &json!(image))
        );
    }

    let renamed = admin
        .put(
            &format!("/api/admin/categories/{}", category["id"].as_str().unwrap()),
            &json!({"name": "Book Lights"}),
        )
        .await;
    assert_eq!(renamed.data()["name"], "Book Lights");
    let search = shopper.get("/api/products/search?q=glowreader").await;
    let facets = &search.data()["facets"]["categories"];
    assert_eq!(
        (
            &facets[0]["name"],
            &search.data()["products"][0]["categoryName"]
        ),
        (&json!("Book Lights"), &json!("Book Lights")),
        "{facets}"
    );
    let by_new_name = shopper.get("/api/products/search?q=book%20lights").await;
    assert!(ids(&by_new_name.data()["products"]).contains(&id.as_str()));

    buy_the_last_unit(&shop, &admin, &shopper, &listing, &id).await;

    admin
        .bare(Method::DELETE, &format!("/api/admin/products/{id}"))
        .await
        .data();
    assert_eq!(
        seen(&shopper, &listing, &id, "glowreader").await,
        [None, None, None]
    );
    let retired = admin
        .get(&format!(
            "/api/admin/products?status=INACTIVE&category={}",
            category["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(ids(retired.data()), [id.as_str()]);
}
