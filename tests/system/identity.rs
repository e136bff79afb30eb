//! Sign-up, sign-in, refresh, sign-out and the password flows through the gateway, with the
//! auth service's real keys, the shared deny-list and the abuse limits.
use base64::Engine as _;
use reqwest::Method;
use serde_json::{Value, json};
use vici_testkit::system::{DEMO_PASSWORD, Mode, shop, unique_email};

pub fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("a JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url");
    serde_json::from_slice(&bytes).expect("JSON claims")
}

#[tokio::test]
async fn both_demo_users_sign_in_with_their_roles() {
    for (email, role) in [
        ("jane.doe@example.com", "customer"),
        ("admin@example.com", "admin"),
    ] {
        let mut v = shop().visitor();
        let data = v.login(email, DEMO_PASSWORD).await.data().clone();
        assert_eq!(data["user"]["email"], email);
        assert_eq!(data["user"]["role"], role);
        assert_eq!(data["token"], data["accessToken"], "alias");
        assert_eq!(data["expiresIn"], 900);
        let claims = claims_of(data["accessToken"].as_str().unwrap());
        for claim in ["sub", "email", "role", "jti", "iat", "exp", "iss", "aud"] {
            assert!(!claims[claim].is_null(), "claim {claim}: {claims}");
        }
        assert_eq!(claims["role"], role);
        // The bcrypt hash was upgraded on the first login; the password still works after.
        let mut again = shop().visitor();
        again.login(email, DEMO_PASSWORD).await.data();
        let profile = again.get("/api/users/profile").await;
        assert_eq!(profile.data()["email"], email);
    }
}

#[tokio::test]
async fn registration_answers_the_contract_and_refuses_bad_or_duplicate_input() {
    let v = shop().visitor();
    let email = unique_email("Reg");
    let body = json!({"email": format!("  {}  ", email.to_uppercase()), "password": "Sup3r-secret",
        "firstName": "Ada", "lastName": "Ada"});
    let r = v.post("/api/auth/register", &body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let data = r.data();
    assert_eq!(
        data["user"]["email"],
        email.to_lowercase(),
        "trimmed and lower-cased"
    );
    assert_eq!(data["user"]["name"], "Ada", "a repeated one-word name");
    assert_eq!(data["user"]["role"], "customer");
    for field in ["accessToken", "token", "refreshToken"] {
        assert!(
            data[field].as_str().is_some_and(|t| !t.is_empty()),
            "{field}"
        );
    }
    let dup = v.post("/api/auth/register", &body).await;
    assert_eq!(dup.error(409), "CONFLICT");
    for (password, why) in [
        ("short1A", "too short"),
        ("alllowercase1", "no upper case"),
        ("ALLUPPERCASE1", "no lower case"),
        ("NoDigitsHere", "no digit"),
    ] {
        let body = json!({"email": unique_email("pw"), "password": password, "name": "X"});
        let r = v.post("/api/auth/register", &body).await;
        assert_eq!(r.error(400), "VALIDATION_ERROR", "{why}");
        assert!(
            r.body["details"]["password"].is_string(),
            "{why}: {}",
            r.body
        );
    }
    let r = v
        .post(
            "/api/auth/register",
            &json!({"email": "not-an-email", "password": "Sup3r-secret", "name": "X"}),
        )
        .await;
    assert!(r.body["details"]["email"].is_string(), "{}", r.body);
    let r = v.post("/api/auth/register", &json!({})).await;
    assert_eq!(r.error(400), "VALIDATION_ERROR");
}

#[tokio::test]
async fn wrong_credentials_get_one_answer() {
    let v = shop().visitor();
    let unknown = v
        .post(
            "/api/auth/login",
            &json!({"email": unique_email("nobody"), "password": "Whatever1"}),
        )
        .await;
    let wrong = v
        .post(
            "/api/auth/login",
            &json!({"email": "jane.doe@example.com", "password": "Wrong-pass1"}),
        )
        .await;
    assert_eq!(unknown.error(401), "UNAUTHORIZED");
    assert_eq!(wrong.error(401), "UNAUTHORIZED");
    assert_eq!(unknown.body["message"], "Invalid email or password");
    assert_eq!(wrong.body["message"], unknown.body["message"]);
}

#[tokio::test]
async fn two_refreshes_at_once_both_succeed_with_the_same_pair() {
    let mut v = shop().visitor();
    v.register("refresh").await.data();
    let old = v.refresh_token.clone().unwrap();
    let body = json!({"refreshToken": old});
    let (a, b) = tokio::join!(
        v.post("/api/auth/refresh", &body),
        v.post("/api/auth/refresh", &body)
    );
    let (a, b) = (a.data().clone(), b.data().clone());
    assert_eq!(a["refreshToken"], b["refreshToken"]);
    assert_eq!(a["accessToken"], b["accessToken"]);
    assert_eq!(a["token"], a["accessToken"]);
    assert_ne!(a["refreshToken"], old.as_str());
    v.access_token = a["accessToken"].as_str().map(String::from);
    v.refresh_token = a["refreshToken"].as_str().map(String::from);
    v.get("/api/users/profile").await.data();
    // The new pair rotates on.
    v.refresh().await.data();
    v.get("/api/users/profile").await.data();
    let garbage = v
        .post("/api/auth/refresh", &json!({"refreshToken": "garbage"}))
        .await;
    assert_eq!(garbage.error(401), "UNAUTHORIZED");
}

#[tokio::test]
async fn logout_stops_the_access_token_at_once_and_ends_the_session() {
    let mut v = shop().visitor();
    v.register("logout").await.data();
    let token = v.access_token.clone().unwrap();
    v.get("/api/users/profile").await.data();
    v.bare(Method::POST, "/api/auth/logout").await.data();
    let after = v.get("/api/users/profile").await;
    assert_eq!(after.error(401), "UNAUTHORIZED");
    let refresh = v.refresh().await;
    assert_eq!(refresh.error(401), "UNAUTHORIZED");
    // Public routes still serve the stale token, anonymously.
    v.get("/api/products").await.data();
    if shop().deployment.mode == Mode::Distributed {
        // The deny-list lives in Redis, where every gateway replica reads it.
        let jti = claims_of(&token)["jti"].as_str().unwrap().to_string();
        let url = shop()
            .deployment
            .cache_url()
            .expect("a distributed shop's cache");
        let mut conn = redis::Client::open(url)
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .unwrap();
        let exists: bool = redis::cmd("EXISTS")
            .arg(format!("auth:deny:jti:{jti}"))
            .query_async(&mut conn)
            .await
            .unwrap();
        assert!(exists, "the revoked token's jti is in Redis");
    }
}

#[tokio::test]
async fn logout_on_all_devices_ends_every_session() {
    let mut laptop = shop().visitor();
    laptop.register("devices").await.data();
    let email = laptop.user["email"].as_str().unwrap().to_string();
    let mut phone = shop().visitor();
    phone.login(&email, "Sup3r-secret").await.data();
    laptop
        .post("/api/auth/logout", &json!({"allDevices": true}))
        .await
        .data();
    assert_eq!(
        phone.get("/api/users/profile").await.error(401),
        "UNAUTHORIZED"
    );
    assert_eq!(phone.refresh().await.error(401), "UNAUTHORIZED");
}

#[tokio::test]
async fn changing_the_password_checks_the_current_one_without_a_401() {
    let mut v = shop().visitor();
    v.register("chpw").await.data();
    let email = v.user["email"].as_str().unwrap().to_string();
    let wrong = v
        .post(
            "/api/auth/change-password",
            &json!({"currentPassword": "Nope-nope1", "newPassword": "An0ther-secret"}),
        )
        .await;
    assert_eq!(wrong.error(400), "VALIDATION_ERROR");
    assert!(
        wrong.body["details"]["currentPassword"].is_string(),
        "{}",
        wrong.body
    );
    v.post(
        "/api/auth/change-password",
        &json!({"currentPassword": "Sup3r-secret", "newPassword": "An0ther-secret"}),
    )
    .await
    .data();
    // This session stays signed in; the new password works, the old one does not.
    v.get("/api/users/profile").await.data();
    let mut other = shop().visitor();
    assert_eq!(
        other.login(&email, "Sup3r-secret").await.error(401),
        "UNAUTHORIZED"
    );
    other.login(&email, "An0ther-secret").await.data();
}

#[tokio::test]
async fn forgot_password_answers_the_same_for_anyone_and_reset_tokens_are_checked() {
    let v = shop().visitor();
    let known = v
        .post(
            "/api/auth/forgot-password",
            &json!({"email": "jane.doe@example.com"}),
        )
        .await;
    let unknown = v
        .post(
            "/api/auth/forgot-password",
            &json!({"email": unique_email("ghost")}),
        )
        .await;
    assert_eq!(known.status, 200, "{}", known.body);
    assert_eq!(known.body["message"], unknown.body["message"]);
    assert_eq!(known.body["data"], unknown.body["data"]);
    let bad = v
        .post(
            "/api/auth/reset-password",
            &json!({"token": "made-up", "password": "Val1d-password"}),
        )
        .await;
    assert_eq!(bad.error(400), "VALIDATION_ERROR");
    let verify = v
        .post("/api/auth/verify-email", &json!({"token": "made-up"}))
        .await;
    assert_eq!(verify.error(400), "VALIDATION_ERROR");
}

#[tokio::test]
async fn the_jwks_verifies_issued_tokens() {
    let r = shop().get("/api/auth/jwks").await;
    assert_eq!(r.status, 200);
    let keys = r.body["keys"].as_array().expect("bare JWKS keys").clone();
    let mut v = shop().visitor();
    v.register("jwks").await.data();
    let token = v.access_token.unwrap();
    let header: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(token.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(header["alg"], "EdDSA");
    assert!(
        keys.iter()
            .any(|k| k["kid"] == header["kid"] && k["crv"] == "Ed25519")
    );
}
