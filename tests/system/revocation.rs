//! Revoked access tokens stay revoked across restarts: a signed-out session, a deactivated
//! account and a demoted admin are still refused after the shop restarts (`vici up`: its
//! in-process cache starts empty) or, distributed, after the cache lost its keys while the auth
//! service and the gateway were down. The shop is a test's own.
use reqwest::Method;
use serde_json::json;
use vici_testkit::system::{DEMO_PASSWORD, Mode, OwnShop, Shop, Visitor};

use crate::identity::claims_of;
use crate::resilience::{signed_in, wait_healthy};

/// A visitor holding `token` and nothing else: a stale token still in someone's hands.
fn holding<'s>(shop: &'s Shop, token: &Option<String>) -> Visitor<'s> {
    let mut v = shop.visitor();
    v.access_token = token.clone();
    v
}

/// Every stale token is refused where it once worked.
async fn all_refused(shop: &Shop, stale: &[(&Option<String>, &str)]) {
    for (token, path) in stale {
        let answer = holding(shop, token).get(path).await;
        assert_eq!(answer.error(401), "UNAUTHORIZED", "{path}");
    }
}

/// What a cache without persistence loses when it restarts: the entries of `tokens` and the
/// marker that says the deny-list is loaded.
async fn lose_cache_entries(shop: &Shop, tokens: &[&Option<String>]) {
    let url = shop
        .deployment
        .cache_url()
        .expect("a distributed shop's cache");
    let client = redis::Client::open(url).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let mut keys = vec!["auth:deny:loaded".to_string()];
    for token in tokens {
        let claims = claims_of(token.as_deref().unwrap());
        let [jti, sid, sub] =
            ["jti", "sid", "sub"].map(|c| claims[c].as_str().unwrap().to_string());
        keys.extend([
            format!("auth:deny:jti:{jti}"),
            format!("auth:deny:sid:{sid}"),
            format!("auth:ver:{sub}"),
        ]);
    }
    let lost: i64 = redis::cmd("DEL")
        .arg(&keys)
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(lost > 0, "none of {keys:?} was in the shop's cache");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revocations_survive_a_restart() {
    let mode = Mode::from_env();
    let shop = OwnShop::boot(mode, &[]).await;
    let mut admin = shop.visitor();
    admin.login("admin@example.com", DEMO_PASSWORD).await.data();

    let leaver = signed_in(&shop, "leaver").await;
    let left = leaver.access_token.clone();
    leaver.bare(Method::POST, "/api/auth/logout").await.data();

    let banned = signed_in(&shop, "banned").await;
    let ban = banned.access_token.clone();
    let path = format!("/api/admin/users/{}", banned.user_id());
    admin.put(&path, &json!({"isActive": false})).await.data();

    let mut helper = signed_in(&shop, "helper").await;
    let path = format!("/api/admin/users/{}", helper.user_id());
    admin.put(&path, &json!({"role": "admin"})).await.data();
    let email = helper.user["email"].as_str().unwrap().to_string();
    helper.login(&email, "Sup3r-secret").await.data();
    helper.get("/api/admin/users").await.data();
    let demoted = helper.access_token.clone();
    admin.put(&path, &json!({"role": "customer"})).await.data();

    let stale = [
        (&left, "/api/users/profile"),
        (&ban, "/api/users/profile"),
        (&demoted, "/api/admin/users"),
    ];
    all_refused(&shop, &stale).await;

    match mode {
        Mode::Embedded => {
            shop.deployment.kill("up");
            shop.deployment.restart("up");
        }
        Mode::Distributed => {
            shop.deployment.kill("auth");
            shop.deployment.kill("gateway");
            lose_cache_entries(&shop, &[&left, &ban, &demoted]).await;
            shop.deployment.restart("auth");
            shop.deployment.restart("gateway");
        }
    }
    wait_healthy(&shop).await;
    all_refused(&shop, &stale).await;
    let mut fresh = shop.visitor();
    fresh.login(&email, "Sup3r-secret").await.data();
    assert_eq!(fresh.get("/api/admin/users").await.error(403), "FORBIDDEN");
}
