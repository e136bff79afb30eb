//! Operations: health, readiness, metrics on every port; request ids; the OpenAPI document.
use vici_testkit::system::{Mode, shop};

#[tokio::test]
async fn health_reports_every_service_up() {
    for path in ["/health", "/api/health"] {
        let r = shop().get(path).await;
        assert_eq!(r.status, 200);
        assert_eq!(r.body["status"], "up", "{}", r.body);
        let services = r.body["services"].as_object().expect("services map");
        assert_eq!(services.len(), 11, "{}", r.body);
        assert!(services.values().all(|v| v == "up"), "{}", r.body);
    }
}

#[tokio::test]
async fn every_port_serves_health_ready_and_metrics() {
    let s = shop();
    for offset in 0..11u16 {
        let base = format!("http://127.0.0.1:{}", s.deployment.port_base + offset);
        let health = s.client.get(format!("{base}/health")).send().await.unwrap();
        assert_eq!(health.status(), 200, "port +{offset} /health");
        let ready = s.client.get(format!("{base}/ready")).send().await.unwrap();
        assert_eq!(
            ready.status(),
            200,
            "port +{offset} /ready: {}",
            ready.text().await.unwrap()
        );
        let metrics = s.metrics(offset).await;
        for needle in [
            "vici_build_info",
            "process_resident_memory_bytes",
            "process_open_fds",
            "vici_requests_total",
        ] {
            assert!(
                metrics.contains(needle),
                "port +{offset} /metrics lacks {needle}"
            );
        }
    }
    // Catalogue traffic shows up as per-RPC metrics on the product service.
    s.get("/api/products").await.data();
    let text = s.metrics(3).await;
    assert!(
        text.contains("/vici.product.v1.ProductService/ListProducts"),
        "per-RPC metrics"
    );
}

#[tokio::test]
async fn request_ids_are_minted_or_echoed() {
    let s = shop();
    let minted = s.get("/api/products?limit=1").await;
    assert!(minted.header("x-request-id").is_some_and(|v| v.len() >= 16));
    let echoed = s
        .send(
            s.client
                .get(s.url("/api/products?limit=1"))
                .header("x-request-id", "storefront-abc-123"),
        )
        .await;
    assert_eq!(echoed.header("x-request-id"), Some("storefront-abc-123"));
}

#[tokio::test]
async fn the_openapi_document_and_docs_page_are_served() {
    let s = shop();
    let doc = s.get("/api/openapi.json").await;
    assert_eq!(doc.status, 200);
    assert!(
        doc.body["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc.body["openapi"]
    );
    assert!(doc.body["paths"]["/api/products"].is_object());
    let page = s.send(s.client.get(s.url("/api/docs"))).await;
    assert_eq!(page.status, 200);
    assert!(
        page.header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
}

#[tokio::test]
async fn not_yet_built_features_say_so() {
    // Reviews need identity; until then writing one is refused as unauthenticated.
    let r = shop()
        .post_json("/api/products/x/reviews", &serde_json::json!({"rating": 5}))
        .await;
    assert_eq!(r.error(401), "UNAUTHORIZED");
    assert!(matches!(
        shop().deployment.mode,
        Mode::Embedded | Mode::Distributed
    ));
}

/// What `vici up` writes is its user's alone: the data dir 0700, the databases 0600.
#[tokio::test]
async fn the_data_dir_and_its_databases_are_private() {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = |path: &std::path::Path| {
        let meta = std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        meta.permissions().mode() & 0o777
    };
    let data = &shop().deployment.data_dir;
    assert_eq!(mode(data), 0o700, "{}", data.display());
    if shop().deployment.mode == Mode::Embedded {
        assert_eq!(mode(&data.join("auth.db")), 0o600);
        assert_eq!(mode(&data.join("order.db")), 0o600);
    }
}
