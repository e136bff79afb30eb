//! A signed-in shopper's own data (profile, addresses, preferences, wishlist, reviews), the
//! admin's user management, and the abuse cases: no token, another user's ids, injection and
//! oversized text, and the default rate limits.
use reqwest::Method;
use serde_json::{Value, json};
use vici_testkit::system::{DEMO_PASSWORD, Visitor, shop, unique_email};

fn address(first: &str) -> Value {
    json!({"firstName": first, "lastName": "Doe", "addressLine1": "1 Main St", "city": "Springfield",
        "state": "IL", "postalCode": "62701", "country": "us", "phone": "+1 555 0100"})
}

/// A product no other test counts the reviews of (tests share one shop).
pub async fn product_id(v: &Visitor<'_>, slug: &str) -> String {
    let product = v.get(&format!("/api/products/slug/{slug}")).await;
    product.data()["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_new_user_edits_profile_addresses_preferences_and_wishlist() {
    let mut v = shop().visitor();
    v.register("journey").await.data();
    let profile = v.get("/api/users/profile").await.data().clone();
    assert_eq!(profile["id"], v.user["id"]);
    assert_eq!(profile["emailVerified"], false);
    let updated = v
        .put(
            "/api/users/profile",
            &json!({"name": "Jo Journey", "phone": "+44 20 7946 0958"}),
        )
        .await
        .data()
        .clone();
    assert_eq!(updated["name"], "Jo Journey");
    assert_eq!(updated["phone"], "+44 20 7946 0958");

    let home = v.post("/api/users/addresses", &address("Home")).await;
    assert_eq!(home.status, 201, "{}", home.body);
    let home = home.data().clone();
    assert_eq!(home["isDefault"], true, "the first address is the default");
    assert_eq!(home["country"], "US");
    let mut office = address("Office");
    office["isDefault"] = json!(true);
    let office = v.post("/api/users/addresses", &office).await.data().clone();
    let list = v.get("/api/users/addresses").await.data().clone();
    let defaults: Vec<&Value> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["isDefault"] == true)
        .collect();
    assert_eq!(defaults.len(), 1);
    assert_eq!(defaults[0]["id"], office["id"]);
    let path = format!("/api/users/addresses/{}", office["id"].as_str().unwrap());
    v.bare(Method::DELETE, &path).await.data();
    let list = v.get("/api/users/addresses").await.data().clone();
    assert_eq!(list[0]["id"], home["id"]);
    assert_eq!(list[0]["isDefault"], true, "the oldest left is promoted");
    let bad = v
        .post(
            "/api/users/addresses",
            &json!({"firstName": "X", "country": "Atlantis"}),
        )
        .await;
    assert_eq!(bad.error(400), "VALIDATION_ERROR");
    assert!(bad.body["details"]["country"].is_string(), "{}", bad.body);

    let prefs = v.get("/api/users/preferences").await.data().clone();
    assert_eq!(prefs["emailNotifications"], true);
    assert_eq!(prefs["language"], "en");
    let prefs = v
        .put(
            "/api/users/preferences",
            &json!({"marketingEmails": true, "currency": "EUR"}),
        )
        .await
        .data()
        .clone();
    assert_eq!(
        (
            prefs["marketingEmails"].clone(),
            prefs["currency"].clone(),
            prefs["emailNotifications"].clone()
        ),
        (json!(true), json!("EUR"), json!(true))
    );

    let product = product_id(&v, "levis-501-jeans").await;
    let added = v
        .post("/api/users/wishlist", &json!({"productId": product}))
        .await;
    assert_eq!(added.status, 201, "{}", added.body);
    let dup = v
        .post("/api/users/wishlist", &json!({"productId": product}))
        .await;
    assert_eq!(dup.error(409), "CONFLICT");
    let unknown = v
        .post(
            "/api/users/wishlist",
            &json!({"productId": "0190a4c2-0000-7000-8000-000000000000"}),
        )
        .await;
    assert_eq!(unknown.error(404), "NOT_FOUND");
    let wishlist = v.get("/api/users/wishlist").await;
    assert_eq!(wishlist.body["pagination"]["total"], 1);
    let item = &wishlist.data()[0];
    assert_eq!(item["productId"], product.as_str());
    for field in ["id", "name", "slug", "price", "image", "rating", "stock"] {
        assert!(!item["product"][field].is_null(), "product.{field}: {item}");
    }
    v.bare(Method::DELETE, &format!("/api/users/wishlist/{product}"))
        .await
        .data();
    let gone = v
        .bare(Method::DELETE, &format!("/api/users/wishlist/{product}"))
        .await;
    assert_eq!(gone.error(404), "NOT_FOUND");
}

#[tokio::test]
async fn a_shopper_reviews_once_and_others_vote_it_helpful() {
    let mut author = shop().visitor();
    author.register("reviewer").await.data();
    let product = product_id(&author, "kitchenaid-stand-mixer").await;
    let path = format!("/api/products/{product}/reviews");
    let body = json!({"rating": 4, "title": "Solid", "comment": "Does what it says"});
    let review = author.post(&path, &body).await;
    assert_eq!(review.status, 201, "{}", review.body);
    let review = review.data().clone();
    assert_eq!(review["userName"], "Test reviewer");
    assert_eq!(review["verified"], false);
    assert_eq!(author.post(&path, &body).await.error(409), "CONFLICT");
    let bad = author
        .post(&path, &json!({"rating": 9, "title": "x", "comment": "y"}))
        .await;
    assert_eq!(bad.error(400), "VALIDATION_ERROR");
    let mut fan = shop().visitor();
    fan.register("fan").await.data();
    let helpful = format!(
        "/api/products/reviews/{}/helpful",
        review["id"].as_str().unwrap()
    );
    let voted = fan.bare(Method::POST, &helpful).await.data().clone();
    assert_eq!(voted["helpful"], 1);
    // Reviews are public reading; the product's aggregate includes the new one.
    let listed = shop().get(&format!("{path}?sort=newest&limit=100")).await;
    assert!(
        listed
            .data()
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == review["id"])
    );
}

#[tokio::test]
async fn private_routes_need_a_token_and_admin_routes_an_admin() {
    let anonymous = shop().visitor();
    for (method, path) in [
        (Method::GET, "/api/users/profile"),
        (Method::PUT, "/api/users/profile"),
        (Method::GET, "/api/users/addresses"),
        (Method::POST, "/api/users/addresses"),
        (
            Method::PUT,
            "/api/users/addresses/0190a4c2-0000-7000-8000-000000000000",
        ),
        (
            Method::DELETE,
            "/api/users/addresses/0190a4c2-0000-7000-8000-000000000000",
        ),
        (Method::GET, "/api/users/preferences"),
        (Method::PUT, "/api/users/preferences"),
        (Method::GET, "/api/users/wishlist"),
        (Method::POST, "/api/users/wishlist"),
        (
            Method::DELETE,
            "/api/users/wishlist/0190a4c2-0000-7000-8000-000000000000",
        ),
        (Method::POST, "/api/users/avatar"),
        (Method::POST, "/api/auth/logout"),
        (Method::POST, "/api/auth/change-password"),
        (
            Method::POST,
            "/api/products/reviews/0190a4c2-0000-7000-8000-000000000000/helpful",
        ),
        (Method::GET, "/api/admin/users"),
    ] {
        let r = anonymous.bare(method.clone(), path).await;
        assert_eq!(r.error(401), "UNAUTHORIZED", "{method} {path}");
    }
    let mut customer = shop().visitor();
    customer
        .login("jane.doe@example.com", DEMO_PASSWORD)
        .await
        .data();
    assert_eq!(
        customer.get("/api/admin/users").await.error(403),
        "FORBIDDEN"
    );
    let r = customer
        .put(
            "/api/admin/users/0190a4c2-0000-7000-8000-000000000000",
            &json!({"role": "admin"}),
        )
        .await;
    assert_eq!(r.error(403), "FORBIDDEN");
}

#[tokio::test]
async fn another_users_address_is_not_found_and_unchanged() {
    let mut owner = shop().visitor();
    owner.register("owner").await.data();
    let mine = owner
        .post("/api/users/addresses", &address("Mine"))
        .await
        .data()
        .clone();
    let path = format!("/api/users/addresses/{}", mine["id"].as_str().unwrap());
    let mut intruder = shop().visitor();
    intruder.register("intruder").await.data();
    assert_eq!(
        intruder
            .put(&path, &json!({"city": "Elsewhere"}))
            .await
            .error(404),
        "NOT_FOUND"
    );
    assert_eq!(
        intruder.bare(Method::DELETE, &path).await.error(404),
        "NOT_FOUND"
    );
    assert_eq!(
        intruder.get("/api/users/addresses").await.data(),
        &json!([])
    );
    let still = owner.get("/api/users/addresses").await.data().clone();
    assert_eq!(still[0]["city"], "Springfield");
    let malformed = owner
        .put("/api/users/addresses/not-a-uuid", &json!({"city": "X"}))
        .await;
    assert_eq!(malformed.error(404), "NOT_FOUND");
}

#[tokio::test]
async fn injection_is_stored_verbatim_and_oversized_text_refused() {
    let mut v = shop().visitor();
    v.register("inject").await.data();
    let evil = "Robert'); DROP TABLE addresses; --";
    let mut body = address(evil);
    body["city"] = json!("' OR '1'='1");
    let stored = v.post("/api/users/addresses", &body).await.data().clone();
    assert_eq!(stored["firstName"], evil);
    assert_eq!(stored["city"], "' OR '1'='1");
    let renamed = v
        .put("/api/users/profile", &json!({"name": evil}))
        .await
        .data()
        .clone();
    assert_eq!(renamed["name"], evil);
    assert_eq!(
        v.get("/api/users/addresses")
            .await
            .data()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let huge = "x".repeat(10_000);
    let before = v.get("/api/users/profile").await.data().clone();
    for (path, body) in [
        ("/api/users/profile", json!({"name": huge})),
        ("/api/users/profile", json!({"phone": huge})),
        ("/api/users/preferences", json!({"language": huge})),
    ] {
        assert_eq!(
            v.put(path, &body).await.error(400),
            "VALIDATION_ERROR",
            "{path}"
        );
    }
    let mut long_address = address("Long");
    long_address["addressLine1"] = json!(huge);
    assert_eq!(
        v.post("/api/users/addresses", &long_address)
            .await
            .error(400),
        "VALIDATION_ERROR"
    );
    let register = v
        .post("/api/auth/register", &json!({"email": format!("{huge}@example.com"), "password": "Sup3r-secret", "name": huge}))
        .await;
    assert_eq!(register.error(400), "VALIDATION_ERROR");
    assert_eq!(
        v.get("/api/users/profile").await.data(),
        &before,
        "nothing changed"
    );
}

#[tokio::test]
async fn admins_find_users_change_roles_and_deactivate() {
    let mut admin = shop().visitor();
    admin.login("admin@example.com", DEMO_PASSWORD).await.data();
    let mut target = shop().visitor();
    target.register("managed").await.data();
    let email = target.user["email"].as_str().unwrap().to_string();
    let found = admin.get(&format!("/api/admin/users?search={email}")).await;
    assert_eq!(found.body["pagination"]["total"], 1, "{}", found.body);
    assert_eq!(found.data()[0]["isActive"], true);
    let path = format!("/api/admin/users/{}", target.user_id());
    let off = admin
        .put(&path, &json!({"isActive": false}))
        .await
        .data()
        .clone();
    assert_eq!(off["isActive"], false);
    assert_eq!(
        target.get("/api/users/profile").await.error(401),
        "UNAUTHORIZED"
    );
    assert_eq!(target.refresh().await.error(401), "UNAUTHORIZED");
    let mut again = shop().visitor();
    assert_eq!(
        again.login(&email, "Sup3r-secret").await.error(403),
        "FORBIDDEN"
    );
    let me = format!("/api/admin/users/{}", admin.user_id());
    assert_eq!(
        admin
            .put(&me, &json!({"role": "customer"}))
            .await
            .error(400),
        "VALIDATION_ERROR"
    );
    let bad_role = admin.put(&path, &json!({"role": "root"})).await;
    assert_eq!(bad_role.error(400), "VALIDATION_ERROR");
}

#[tokio::test]
async fn the_login_budget_and_the_account_lockout_answer_429() {
    // The default strict budget: 10 logins a minute per address, in windows of the clock's
    // minutes. Eleven attempts that straddle a minute's end fall in two windows: then they
    // are made again from a new address, in one.
    let minute = || {
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis();
        ms / 60_000
    };
    let mut tries = 0;
    let statuses = loop {
        tries += 1;
        assert!(tries <= 5, "every try straddled a minute's end");
        let v = shop().visitor();
        let began = minute();
        let mut statuses = Vec::new();
        for _ in 0..11 {
            let r = v
                .post(
                    "/api/auth/login",
                    &json!({"email": unique_email("x"), "password": "Whatever1"}),
                )
                .await;
            statuses.push(r.status);
        }
        if minute() == began {
            break statuses;
        }
    };
    assert_eq!(statuses[..10], [401; 10]);
    assert_eq!(statuses[10], 429);
    // Five failures on one account, from five addresses, lock it: even the right password.
    let mut victim = shop().visitor();
    victim.register("victim").await.data();
    let email = victim.user["email"].as_str().unwrap().to_string();
    for _ in 0..5 {
        let r = shop()
            .visitor()
            .post(
                "/api/auth/login",
                &json!({"email": email, "password": "Wrong-pass1"}),
            )
            .await;
        assert_eq!(r.error(401), "UNAUTHORIZED");
    }
    let mut locked = shop().visitor();
    let r = locked.login(&email, "Sup3r-secret").await;
    assert_eq!(r.error(429), "RATE_LIMITED");
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!(retry > 60 && retry <= 900, "{retry}");
}
