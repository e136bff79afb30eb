//! Every operation of the generated document, walked as a caller would: the document and the
//! router agree on the route, its access level and whether it is built yet.
use axum::body::Body;
use axum::http::{Request, header};

use crate::document::{fell_through, operations};
use crate::fake_auth::claims;
use crate::{Gateway, Reply, gateway_with, send};

async fn call(gw: &Gateway, method: &axum::http::Method, uri: &str, token: Option<&str>) -> Reply {
    let mut request = Request::builder().method(method.clone()).uri(uri);
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    send(&gw.app, request.body(Body::empty()).unwrap()).await
}

#[tokio::test]
async fn every_documented_operation_is_served_at_its_access_level() {
    // Budgets off: the walk signs in, resets passwords and so on far more than a person would.
    let gw = gateway_with(&[("VICI_RATE_LIMITS", "off")]).await;
    let customer = gw.auth.sign(&claims("customer"));
    let admin = gw.auth.sign(&claims("admin"));
    let ops = operations(&gw).await;
    assert!(ops.len() > 90, "{} operations", ops.len());
    assert!(ops.iter().any(|o| o.admin));
    for op in &ops {
        let what = format!("{} {}", op.method, op.path);
        let uri = op.uri();
        let anonymous = call(&gw, &op.method, &uri, None).await;
        let status = anonymous.status;
        if op.private {
            anonymous.assert_error(401, "UNAUTHORIZED");
        } else {
            assert_ne!(status, 401, "{what}: a public route never answers 401");
        }
        if op.admin {
            call(&gw, &op.method, &uri, Some(&customer))
                .await
                .assert_error(403, "FORBIDDEN");
        }
        let as_admin = call(&gw, &op.method, &uri, Some(&admin)).await;
        let status = as_admin.status;
        let body: serde_json::Value = serde_json::from_slice(&as_admin.bytes).unwrap_or_default();
        assert!(
            !fell_through(status, &body),
            "{what}: not routed ({status} {body})"
        );
        assert_ne!(status, 501, "{what}: every route is built ({body})");
    }
}
