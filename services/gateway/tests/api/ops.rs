//! Failing dependencies, compression, health, the API document and media.
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::http::Request;
use serde_json::Value;

use crate::fake::{HEADPHONES_ID, SLOW_ID};
use crate::{gateway, gateway_with, get, send};
use vici_gateway::Deps;

#[tokio::test]
async fn a_product_service_that_is_down_is_a_503_long_before_the_deadline() {
    let url = vici_testkit::refusing_url();
    // A deadline far beyond the wait: the answer must come from the refused connection.
    let settings = [
        ("VICI_PRODUCT_URL", url.as_str()),
        ("VICI_GATEWAY_TIMEOUT_MS", "120000"),
    ];
    let gw = gateway_with(&settings).await;
    for path in [
        "/api/products",
        &format!("/api/products/{HEADPHONES_ID}"),
        "/api/products/categories",
    ] {
        let started = Instant::now();
        let body = get(&gw.app, path).await.assert_error(503, "UNAVAILABLE");
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{path} took {:?}: it waited for the deadline",
            started.elapsed()
        );
        assert!(
            !body["message"].as_str().unwrap().contains("127.0.0.1"),
            "no internals: {body}"
        );
    }
}

#[tokio::test]
async fn a_slow_dependency_hits_the_request_deadline() {
    let gw = gateway_with(&[("VICI_GATEWAY_TIMEOUT_MS", "300")]).await;
    let started = Instant::now();
    get(&gw.app, &format!("/api/products/{SLOW_ID}"))
        .await
        .assert_error(503, "UNAVAILABLE");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn responses_are_gzipped_when_asked() {
    let gw = gateway().await;
    let request = Request::get("/api/products")
        .header("accept-encoding", "gzip")
        .body(Body::empty())
        .unwrap();
    let answer = send(&gw.app, request).await;
    assert_eq!(answer.header("content-encoding"), Some("gzip"));
    assert_eq!(answer.header("x-total-count"), Some("2"));
}

#[tokio::test]
async fn health_lists_all_eleven_services_quickly() {
    let gw = gateway().await;
    for path in ["/health", "/api/health"] {
        let started = Instant::now();
        let answer = get(&gw.app, path).await;
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
        let body = answer.json();
        assert!(
            body.get("success").is_none(),
            "bare JSON, not enveloped: {body}"
        );
        let services = body["services"].as_object().unwrap();
        assert_eq!(services.len(), 11, "{body}");
        assert_eq!(
            (services["gateway"].clone(), services["product"].clone()),
            ("up".into(), "up".into()),
            "{body}"
        );
        assert_eq!(services["cart"], "down");
        assert_eq!(body["status"], "degraded");
    }
}

#[tokio::test]
async fn the_openapi_document_lists_every_route_and_the_docs_page_renders_it() {
    let gw = gateway().await;
    let answer = get(&gw.app, "/api/openapi.json").await;
    assert!(
        answer
            .header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    let doc: Value = answer.json();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/api/products",
        "/api/products/{id}",
        "/api/products/search",
        "/api/cart",
        "/api/admin/products",
        "/api/health",
        "/health",
    ] {
        assert!(paths.contains_key(path), "{path} missing");
    }
    assert!(
        paths["/api/products"]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "minPrice")
    );
    assert!(doc["components"]["schemas"]["ProductDto"]["properties"]["originalPrice"].is_object());

    let page = get(&gw.app, "/api/docs").await;
    assert!(
        page.header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    let html = page.text();
    assert!(html.contains("<html") && html.contains("openapi.json"));
    assert!(!html.contains("https://"), "self-contained: no CDN");
}

#[tokio::test]
async fn media_is_served_with_safe_headers() {
    let gw = gateway().await;
    let png = Bytes::from_static(b"\x89PNG\r\n\x1a\nrest");
    gw.blob
        .put("products/p1/a.png", png, "image/png")
        .await
        .unwrap();
    let svg = Bytes::from_static(b"<svg onload=alert(1)/>");
    gw.blob
        .put("products/p1/b.svg", svg, "image/svg+xml")
        .await
        .unwrap();
    let answer = get(&gw.app, "/api/media/products/p1/a.png").await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("content-type"), Some("image/png"));
    assert_eq!(answer.header("x-content-type-options"), Some("nosniff"));
    assert!(answer.header("cache-control").unwrap().contains("max-age"));
    assert_eq!(&answer.bytes[..4], b"\x89PNG");
    let svg = get(&gw.app, "/api/media/products/p1/b.svg").await;
    assert_eq!(svg.header("content-type"), Some("application/octet-stream"));
    assert_eq!(svg.header("content-disposition"), Some("attachment"));
    get(&gw.app, "/api/media/products/p1/missing.png")
        .await
        .assert_error(404, "NOT_FOUND");
    get(&gw.app, "/api/media/products/../secret")
        .await
        .assert_error(404, "NOT_FOUND");
}

/// Raw HTTP/1.1 over TCP: the status line, lower-cased headers and the body.
async fn http_get(addr: std::net::SocketAddr, path: &str) -> (String, String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).await.unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let (status, headers) = head.split_once("\r\n").unwrap();
    (
        status.to_string(),
        headers.to_ascii_lowercase(),
        body.to_string(),
    )
}

#[tokio::test]
async fn served_by_the_kit_server_request_ids_still_match() {
    let gw = gateway().await;
    let app = vici_gateway::start(Deps::from_platform(gw.services.platform()).unwrap()).await;
    let url = gw.services.serve(app.unwrap()).await;
    let addr: std::net::SocketAddr = url.trim_start_matches("http://").parse().unwrap();

    let (status, headers, body) = http_get(addr, "/api/products/nope").await;
    assert!(status.contains("404"), "{status}");
    let body: Value = serde_json::from_str(&body).unwrap();
    let id = body["requestId"].as_str().unwrap();
    assert!(
        headers.contains(&format!("x-request-id: {}", id.to_ascii_lowercase())),
        "{headers}\n{body}"
    );
    let (status, _, body) = http_get(addr, "/health").await;
    assert!(
        status.contains("200") && body.contains("\"services\""),
        "the gateway's own /health: {body}"
    );
    let (status, _, body) = http_get(addr, "/metrics").await;
    assert!(
        status.contains("200") && body.contains("vici_requests_total"),
        "{status}"
    );
}
