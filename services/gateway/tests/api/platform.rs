//! Everything around the routes: error envelopes, request ids, body limits, access levels and
//! CORS.
use axum::body::Body;
use axum::http::{Method, Request};

use crate::document::operations;
use crate::fake::HEADPHONES_ID;
use crate::{Reply, gateway, gateway_with, get, send};
use axum::Router;

#[tokio::test]
async fn the_request_id_is_echoed_and_matches_the_error_body() {
    let gw = gateway().await;
    let request = Request::get("/api/products/nope")
        .header("x-request-id", "trace-42")
        .body(Body::empty())
        .unwrap();
    let answer = send(&gw.app, request).await;
    assert_eq!(answer.header("x-request-id"), Some("trace-42"));
    assert_eq!(
        answer.assert_error(404, "NOT_FOUND")["requestId"],
        "trace-42"
    );
    let minted = get(&gw.app, "/api/products").await;
    assert!(
        minted
            .header("x-request-id")
            .is_some_and(|id| !id.is_empty()),
        "minted when absent"
    );
}

#[tokio::test]
async fn unknown_routes_and_wrong_methods_are_enveloped() {
    let gw = gateway().await;
    get(&gw.app, "/api/nope")
        .await
        .assert_error(404, "NOT_FOUND");
    get(&gw.app, "/products")
        .await
        .assert_error(404, "NOT_FOUND");
    let answer = bare(&gw.app, Method::DELETE, "/api/products").await;
    answer.assert_error(405, "METHOD_NOT_ALLOWED");
    assert!(
        answer.header("allow").is_some_and(|a| a.contains("GET")),
        "{:?}",
        answer.headers
    );
    bare(&gw.app, Method::PATCH, "/api/auth/login")
        .await
        .assert_error(405, "METHOD_NOT_ALLOWED");
}

#[tokio::test]
async fn bodies_over_the_limit_are_413() {
    let gw = gateway().await;
    let big = vec![b' '; 2 * 1024 * 1024];
    // A public route that reads JSON: the limit holds before any handler runs.
    let request = Request::post("/api/events")
        .header("content-type", "application/json")
        .body(Body::from(big))
        .unwrap();
    send(&gw.app, request)
        .await
        .assert_error(413, "PAYLOAD_TOO_LARGE");
}

#[tokio::test]
async fn malformed_or_non_json_bodies_are_400() {
    let gw = gateway().await;
    let body = send_json(&gw.app, Method::POST, "/api/auth/login", "{\"email\": ")
        .await
        .assert_error(400, "VALIDATION_ERROR");
    assert!(body["message"].as_str().unwrap().contains("JSON"), "{body}");
    let request = Request::post("/api/auth/login")
        .header("content-type", "text/plain")
        .body(Body::from("email=x"))
        .unwrap();
    send(&gw.app, request)
        .await
        .assert_error(400, "VALIDATION_ERROR");
    let request = Request::post("/api/events").body(Body::from("{}")).unwrap();
    send(&gw.app, request)
        .await
        .assert_error(400, "VALIDATION_ERROR");
}

#[tokio::test]
async fn the_jwks_is_readable_by_jose_libraries_and_enveloped() {
    let gw = gateway().await;
    let body = get(&gw.app, "/api/auth/jwks").await.json();
    assert_eq!(body["keys"][0]["kty"], "OKP", "{body}");
    assert_eq!(body["keys"][0]["alg"], "EdDSA", "{body}");
    assert_eq!(body["data"]["keys"], body["keys"], "{body}");
    assert_eq!(body["success"], true);
}

#[tokio::test]
async fn private_routes_answer_401_first() {
    let gw = gateway().await;
    for (method, path) in [
        (Method::GET, "/api/cart"),
        (Method::DELETE, "/api/cart/clear"),
        (Method::DELETE, "/api/cart"),
        (Method::POST, "/api/auth/logout"),
        (Method::GET, "/api/users/profile"),
        (Method::POST, "/api/orders"),
        (
            Method::GET,
            "/api/orders/0191e3c1-7a2b-7c3d-8e4f-a1b2c3d4e5f6",
        ),
        (Method::POST, "/api/checkout/confirm"),
        (Method::POST, "/api/products/reviews/r1/helpful"),
        (
            Method::POST,
            &format!("/api/products/{HEADPHONES_ID}/reviews"),
        ),
    ] {
        let answer = bare(&gw.app, method.clone(), path).await;
        let body = answer.assert_error(401, "UNAUTHORIZED");
        assert_eq!(
            body["message"], "Authentication required",
            "{method} {path}"
        );
    }
    let request = Request::get("/api/cart")
        .header("authorization", "Bearer xyz")
        .body(Body::empty())
        .unwrap();
    send(&gw.app, request)
        .await
        .assert_error(401, "UNAUTHORIZED");
    // Authentication is checked before the body.
    send_json(&gw.app, Method::POST, "/api/cart/items", "{not json")
        .await
        .assert_error(401, "UNAUTHORIZED");
}

#[tokio::test]
async fn admin_routes_answer_401_for_everyone() {
    let gw = gateway().await;
    let admin_routes: Vec<_> = operations(&gw)
        .await
        .into_iter()
        .filter(|o| o.admin)
        .collect();
    assert!(admin_routes.len() > 20, "{admin_routes:?}");
    for op in admin_routes {
        bare(&gw.app, op.method.clone(), &op.uri())
            .await
            .assert_error(401, "UNAUTHORIZED");
    }
    // Paths no row declares hide behind the same check.
    for path in ["/api/admin/no-such-thing", "/api/admin"] {
        bare(&gw.app, Method::GET, path)
            .await
            .assert_error(401, "UNAUTHORIZED");
    }
    // Authentication is checked before an upload is read, even one over the JSON limit.
    let upload = Request::post(format!("/api/admin/products/{HEADPHONES_ID}/images"))
        .header("content-type", "multipart/form-data; boundary=x")
        .header("authorization", "Bearer admin-please")
        .body(Body::from(vec![0u8; 3 * 1024 * 1024]))
        .unwrap();
    send(&gw.app, upload)
        .await
        .assert_error(401, "UNAUTHORIZED");
}

#[tokio::test]
async fn public_routes_ignore_a_garbage_token() {
    let gw = gateway().await;
    for token in [
        "Bearer xyz",
        "Bearer eyJhbGciOiJFZERTQSJ9.e30.expired",
        "Basic dXNlcg==",
        "garbage",
    ] {
        let request = Request::get("/api/products")
            .header("authorization", token)
            .body(Body::empty())
            .unwrap();
        send(&gw.app, request).await.data();
        let request = Request::get("/api/products/recommended")
            .header("authorization", token)
            .body(Body::empty())
            .unwrap();
        send(&gw.app, request).await.data();
    }
}

#[tokio::test]
async fn cors_preflight_needs_no_token_and_exposes_our_headers() {
    let gw = gateway().await;
    let preflight = Request::builder()
        .method(Method::OPTIONS)
        .uri("/api/cart/items")
        .header("origin", "http://localhost:5173")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization,content-type,idempotency-key,x-session-id",
        )
        .body(Body::empty())
        .unwrap();
    let answer = send(&gw.app, preflight).await;
    assert!((200..300).contains(&answer.status), "{}", answer.status);
    assert_eq!(answer.header("access-control-allow-origin"), Some("*"));
    let methods = answer
        .header("access-control-allow-methods")
        .unwrap()
        .to_ascii_uppercase();
    for m in ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] {
        assert!(methods.contains(m), "{methods}");
    }
    let headers = answer
        .header("access-control-allow-headers")
        .unwrap()
        .to_ascii_lowercase();
    for h in [
        "content-type",
        "authorization",
        "x-requested-with",
        "idempotency-key",
        "x-session-id",
    ] {
        assert!(headers.contains(h), "{headers}");
    }
    let request = Request::get("/api/products")
        .header("origin", "http://localhost:5173")
        .body(Body::empty())
        .unwrap();
    let answer = send(&gw.app, request).await;
    let exposed = answer
        .header("access-control-expose-headers")
        .unwrap()
        .to_ascii_lowercase();
    assert!(
        exposed.contains("x-request-id") && exposed.contains("x-total-count"),
        "{exposed}"
    );
}

#[tokio::test]
async fn configured_origins_are_the_only_ones_allowed() {
    let gw = gateway_with(&[("VICI_CORS_ORIGINS", "https://shop.example")]).await;
    let request = |origin: &str| {
        Request::get("/api/products")
            .header("origin", origin)
            .body(Body::empty())
            .unwrap()
    };
    let answer = send(&gw.app, request("https://shop.example")).await;
    assert_eq!(
        answer.header("access-control-allow-origin"),
        Some("https://shop.example")
    );
    let answer = send(&gw.app, request("https://evil.example")).await;
    assert_eq!(answer.header("access-control-allow-origin"), None);
}

/// A request with no body and no `Content-Type`, the way the client sends logout or clear.
async fn bare(app: &Router, method: Method, uri: &str) -> Reply {
    send(
        app,
        Request::builder()
            .method(method)
            .uri(uri)
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

async fn send_json(app: &Router, method: Method, uri: &str, body: &str) -> Reply {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    send(app, request).await
}
