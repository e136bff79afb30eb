//! Authentication at the gateway: every way a bearer token must be refused on a private route
//! (and ignored on a public one), roles, the deny-list, key rotation, and the abuse limits.
use axum::body::Body;
use axum::http::{Method, Request};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use vici_identity::revocation;
use vici_identity::{Claims, SigningKey};

use crate::fake_auth::{GOOD_PASSWORD, claims, now};
use crate::{Gateway, Reply, gateway, gateway_with, send};

/// A private GET route asked with a query it refuses: past authentication it answers 400 (the
/// handler reads the query before calling anything), so the status tells exactly whether the
/// token was accepted.
async fn private_probe(_gw: &Gateway) -> String {
    "/api/users/notifications?unread=maybe".into()
}

/// What the probe answers a caller who was let in.
const ADMITTED: (u16, &str) = (400, "VALIDATION_ERROR");

async fn private_with(gw: &Gateway, token: &str) -> Reply {
    let request = Request::get(private_probe(gw).await)
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    send(&gw.app, request).await
}

async fn call(gw: &Gateway, method: Method, uri: &str, token: &str, ip: &str) -> Reply {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", format!("Bearer {token}"))
        .header("x-forwarded-for", ip)
        .body(Body::empty())
        .unwrap();
    send(&gw.app, request).await
}

fn forge_part(token: &str, index: usize, json: serde_json::Value) -> String {
    let mut parts: Vec<String> = token.split('.').map(str::to_string).collect();
    parts[index] = B64.encode(json.to_string());
    parts.join(".")
}

#[tokio::test]
async fn a_good_token_passes_and_every_bad_one_is_401() {
    let gw = gateway().await;
    let good = gw.auth.sign(&claims("customer"));
    private_with(&gw, &good)
        .await
        .assert_error(ADMITTED.0, ADMITTED.1);

    let c = claims("customer");
    let alg_none = forge_part(&gw.auth.sign(&c), 0, serde_json::json!({"alg": "none"}));
    let unsigned = format!("{}.", &alg_none[..alg_none.rfind('.').unwrap()]);
    let other_key = SigningKey::generate().sign(&c);
    let mut promoted = serde_json::to_value(&c).unwrap();
    promoted["role"] = "admin".into();
    let tampered = forge_part(&gw.auth.sign(&c), 1, promoted);
    let expired = gw.auth.sign(&Claims {
        iat: now() - 3600,
        exp: now() - 60,
        ..claims("customer")
    });
    let wrong_aud = gw.auth.sign(&Claims {
        aud: "another-api".into(),
        ..claims("customer")
    });
    let wrong_iss = gw.auth.sign(&Claims {
        iss: "someone-else".into(),
        ..claims("customer")
    });
    for (what, token) in [
        ("alg none", alg_none),
        ("alg none, no signature", unsigned),
        ("another key", other_key),
        ("tampered payload", tampered),
        ("expired", expired),
        ("wrong audience", wrong_aud),
        ("wrong issuer", wrong_iss),
        ("garbage", "not.a.token".into()),
    ] {
        let answer = private_with(&gw, &token).await;
        assert_eq!(answer.status, 401, "{what}: {}", answer.text());
        answer.assert_error(401, "UNAUTHORIZED");
        // A public route serves a caller with the same bad token, anonymously.
        let public = Request::get("/api/products")
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap();
        assert_eq!(send(&gw.app, public).await.status, 200, "{what}");
    }
}

#[tokio::test]
async fn roles_decide_admin_routes() {
    let gw = gateway().await;
    let customer = gw.auth.sign(&claims("customer"));
    let admin = gw.auth.sign(&claims("admin"));
    let probe = "/api/admin/dashboard";
    let dashboard = |token: String| {
        let gw = &gw;
        async move {
            let request = Request::get(probe)
                .header("authorization", format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap();
            send(&gw.app, request).await
        }
    };
    dashboard(customer.clone())
        .await
        .assert_error(403, "FORBIDDEN");
    // Past the check: the event service behind it is not running here.
    dashboard(admin).await.assert_error(503, "UNAVAILABLE");
    // Unknown admin paths hide behind the same check.
    let request = Request::get("/api/admin/secret-thing")
        .header("authorization", format!("Bearer {customer}"))
        .body(Body::empty())
        .unwrap();
    send(&gw.app, request).await.assert_error(403, "FORBIDDEN");
}

#[tokio::test]
async fn deny_list_entries_stop_a_valid_token_at_once() {
    let gw = gateway().await;
    let keyed = |f: fn(&Claims) -> String| {
        let c = claims("customer");
        (f(&c), gw.auth.sign(&c))
    };
    for (key, token) in [
        keyed(|c| revocation::token_key(&c.jti)),
        keyed(|c| revocation::session_key(&c.sid)),
    ] {
        private_with(&gw, &token)
            .await
            .assert_error(ADMITTED.0, ADMITTED.1);
        gw.cache.set(&key, b"1", None).await.unwrap();
        private_with(&gw, &token)
            .await
            .assert_error(401, "UNAUTHORIZED");
    }
    // A user-wide token version denies the user's tokens of a lower version, whatever their
    // issue time: of two tokens minted in the same second around a role change, the one minted
    // before it is denied and the one minted after it passes.
    let old = Claims {
        ver: 2,
        ..claims("customer")
    };
    let fresh = Claims {
        ver: 3,
        jti: uuid::Uuid::now_v7().to_string(),
        ..old.clone()
    };
    let (old_token, fresh_token) = (gw.auth.sign(&old), gw.auth.sign(&fresh));
    private_with(&gw, &old_token)
        .await
        .assert_error(ADMITTED.0, ADMITTED.1);
    gw.cache
        .set(&revocation::user_key(&old.sub), b"3", None)
        .await
        .unwrap();
    private_with(&gw, &old_token)
        .await
        .assert_error(401, "UNAUTHORIZED");
    private_with(&gw, &fresh_token)
        .await
        .assert_error(ADMITTED.0, ADMITTED.1);
    // Version 0, which every token minted before versions existed reads as, is denied too.
    let unversioned = Claims {
        ver: 0,
        jti: uuid::Uuid::now_v7().to_string(),
        ..old
    };
    private_with(&gw, &gw.auth.sign(&unversioned))
        .await
        .assert_error(401, "UNAUTHORIZED");
}

#[tokio::test]
async fn a_rotated_key_is_fetched_once_and_unknown_ids_do_not_hammer() {
    let gw = gateway().await;
    let first = gw.auth.sign(&claims("customer"));
    private_with(&gw, &first)
        .await
        .assert_error(ADMITTED.0, ADMITTED.1);
    private_with(&gw, &first)
        .await
        .assert_error(ADMITTED.0, ADMITTED.1);
    assert_eq!(gw.auth.fetches(), 1, "keys are cached");
    gw.auth.rotate();
    // Keys are refetched at most once per pause (5 s); a rotation is seen at the first token
    // signed with the new key once the pause since the last fetch has passed.
    tokio::time::sleep(std::time::Duration::from_millis(5_100)).await;
    let rotated = gw.auth.sign(&claims("customer"));
    private_with(&gw, &rotated)
        .await
        .assert_error(ADMITTED.0, ADMITTED.1);
    private_with(&gw, &first)
        .await
        .assert_error(ADMITTED.0, ADMITTED.1);
    assert_eq!(gw.auth.fetches(), 2);
    for _ in 0..20 {
        let stranger = SigningKey::generate().sign(&claims("customer"));
        private_with(&gw, &stranger)
            .await
            .assert_error(401, "UNAUTHORIZED");
    }
    assert_eq!(
        gw.auth.fetches(),
        2,
        "made-up key ids wait for the refetch pause"
    );
}

#[tokio::test]
async fn tokens_cannot_be_checked_without_the_auth_service() {
    let gw = gateway_with(&[("VICI_AUTH_URL", &vici_testkit::refusing_url())]).await;
    let token = gw.auth.sign(&claims("customer"));
    private_with(&gw, &token)
        .await
        .assert_error(503, "UNAVAILABLE");
    assert_eq!(public_with(&gw, &token).await, 200, "served anonymously");
}

/// A cache that restarted empty holds no deny-list until the auth service has written it back
/// (and marked it loaded): until then no token is trusted, so none revoked slips through.
#[tokio::test]
async fn tokens_wait_while_the_cache_lacks_the_deny_list() {
    let gw = gateway().await;
    let token = gw.auth.sign(&claims("customer"));
    gw.cache.delete(revocation::LOADED_KEY).await.unwrap();
    private_with(&gw, &token)
        .await
        .assert_error(503, "UNAVAILABLE");
    assert_eq!(public_with(&gw, &token).await, 200, "served anonymously");
    gw.cache
        .set(revocation::LOADED_KEY, b"1", None)
        .await
        .unwrap();
    private_with(&gw, &token)
        .await
        .assert_error(ADMITTED.0, ADMITTED.1);
}

/// The status of the public product list asked for with `token`.
async fn public_with(gw: &Gateway, token: &str) -> u16 {
    let public = Request::get("/api/products")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    send(&gw.app, public).await.status
}

#[tokio::test]
async fn the_per_ip_budget_answers_429_with_retry_after() {
    let gw = gateway_with(&[
        ("VICI_RATE_LIMITS", "ip=3/1m"),
        ("VICI_TRUST_FORWARDED_FOR", "true"),
    ])
    .await;
    for _ in 0..3 {
        let a = call(&gw, Method::GET, "/api/products", "-", "198.51.100.7").await;
        assert_eq!(a.status, 200);
    }
    let refused = call(&gw, Method::GET, "/api/products", "-", "198.51.100.7").await;
    refused.assert_error(429, "RATE_LIMITED");
    let retry: u64 = refused.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    // Another address has its own budget.
    let other = call(&gw, Method::GET, "/api/products", "-", "198.51.100.8").await;
    assert_eq!(other.status, 200);
}

#[tokio::test]
async fn the_per_user_budget_follows_the_user_across_addresses() {
    let gw = gateway_with(&[
        ("VICI_RATE_LIMITS", "user=2/1m"),
        ("VICI_TRUST_FORWARDED_FOR", "true"),
    ])
    .await;
    let token = gw.auth.sign(&claims("customer"));
    let probe = private_probe(&gw).await;
    for ip in ["203.0.113.1", "203.0.113.2"] {
        call(&gw, Method::GET, &probe, &token, ip)
            .await
            .assert_error(ADMITTED.0, ADMITTED.1);
    }
    call(&gw, Method::GET, &probe, &token, "203.0.113.3")
        .await
        .assert_error(429, "RATE_LIMITED");
}

async fn login(gw: &Gateway, email: &str, password: &str, ip: &str) -> Reply {
    let body = serde_json::json!({"email": email, "password": password}).to_string();
    let request = Request::post("/api/auth/login")
        .header("content-type", "application/json")
        .header("x-forwarded-for", ip)
        .body(Body::from(body))
        .unwrap();
    send(&gw.app, request).await
}

/// Every answer refuses sniffing, framing and referrers; answers that carry tokens or personal
/// data are never stored by a cache; HSTS is sent only when configured.
#[tokio::test]
async fn answers_carry_security_headers_and_personal_ones_are_never_stored() {
    let gw = gateway().await;
    let signed_in = login(&gw, "jane.doe@example.com", GOOD_PASSWORD, "10.9.0.1").await;
    let token = gw.auth.sign(&claims("customer"));
    let private = private_with(&gw, &token).await;
    let public = send(
        &gw.app,
        Request::get("/api/products").body(Body::empty()).unwrap(),
    )
    .await;
    for answer in [&signed_in, &private, &public] {
        assert_eq!(answer.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(answer.header("x-frame-options"), Some("DENY"));
        assert_eq!(answer.header("referrer-policy"), Some("no-referrer"));
        assert_eq!(answer.header("strict-transport-security"), None);
    }
    assert_eq!(signed_in.header("cache-control"), Some("no-store"));
    assert_eq!(private.header("cache-control"), Some("no-store"));
    assert_ne!(public.header("cache-control"), Some("no-store"));
    let tls = gateway_with(&[("VICI_HSTS_MAX_AGE_SECS", "31536000")]).await;
    let answer = send(
        &tls.app,
        Request::get("/api/products").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(
        answer.header("strict-transport-security"),
        Some("max-age=31536000; includeSubDomains")
    );
}

#[tokio::test]
async fn failed_logins_lock_the_account_without_revealing_the_password() {
    let gw = gateway_with(&[
        ("VICI_RATE_LIMITS", "lockout=3/1m"),
        ("VICI_TRUST_FORWARDED_FOR", "true"),
    ])
    .await;
    login(&gw, "victim@example.com", GOOD_PASSWORD, "192.0.2.1")
        .await
        .data();
    for i in 0..3 {
        // From different addresses: the lock is per account, not per IP.
        login(
            &gw,
            " Victim@Example.com ",
            "wrong",
            &format!("192.0.2.{}", 10 + i),
        )
        .await
        .assert_error(401, "UNAUTHORIZED");
    }
    let locked = login(&gw, "victim@example.com", GOOD_PASSWORD, "192.0.2.99").await;
    locked.assert_error(429, "RATE_LIMITED");
    assert!(locked.header("retry-after").is_some());
    let wrong = login(&gw, "victim@example.com", "wrong", "192.0.2.99").await;
    assert_eq!(
        wrong.json()["message"],
        locked.json()["message"],
        "same answer either way"
    );
    login(&gw, "bystander@example.com", GOOD_PASSWORD, "192.0.2.99")
        .await
        .data();
}

#[tokio::test]
async fn the_login_budget_is_per_ip_and_off_means_off() {
    let gw = gateway_with(&[
        ("VICI_RATE_LIMITS", "login=2/1m"),
        ("VICI_TRUST_FORWARDED_FOR", "true"),
    ])
    .await;
    for n in 0..2 {
        login(
            &gw,
            &format!("u{n}@example.com"),
            GOOD_PASSWORD,
            "192.0.2.50",
        )
        .await
        .data();
    }
    login(&gw, "u9@example.com", GOOD_PASSWORD, "192.0.2.50")
        .await
        .assert_error(429, "RATE_LIMITED");
    let off = gateway_with(&[("VICI_RATE_LIMITS", "off")]).await;
    for _ in 0..20 {
        login(&off, "u@example.com", "wrong", "192.0.2.50")
            .await
            .assert_error(401, "UNAUTHORIZED");
    }
    login(&off, "u@example.com", GOOD_PASSWORD, "192.0.2.50")
        .await
        .data();
}

/// Browsers' EventSource sends no headers, so the notification stream takes the token from
/// its query; no other route does (a token in a URL ends up in logs and histories).
#[tokio::test]
async fn a_token_in_the_query_is_taken_only_by_the_event_stream() {
    let gw = gateway().await;
    let token = gw.auth.sign(&claims("customer"));
    let get = |uri: String| {
        let app = gw.app.clone();
        async move { send(&app, Request::get(uri).body(Body::empty()).unwrap()).await }
    };
    let elsewhere = format!("{}&access_token={token}", private_probe(&gw).await);
    get(elsewhere).await.assert_error(401, "UNAUTHORIZED");
    // Past authentication the stream asks the notification service, which is down here.
    let stream = format!("/api/users/notifications/stream?access_token={token}");
    get(stream).await.assert_error(503, "UNAVAILABLE");
    get("/api/users/notifications/stream?access_token=garbage".into())
        .await
        .assert_error(401, "UNAUTHORIZED");
}
