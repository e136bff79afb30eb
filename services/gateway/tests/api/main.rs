//! Black-box tests of the gateway's REST app: the real router (built from the gateway's own
//! settings on a test platform, `vici_testkit::Services`), talking gRPC to an in-test product
//! service and an in-test auth service (the contract boundary); every other service is down.
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, Request, StatusCode};
use serde_json::Value;
use tower::ServiceExt;
use vici_gateway::{Deps, router};
use vici_proto::auth::v1::auth_service_server::AuthServiceServer;
use vici_proto::product::v1::product_service_server::ProductServiceServer;
use vici_testkit::{Backend, ServiceName, Services};

mod admin_catalogue;
mod catalogue;
mod document;
mod fake;
mod fake_auth;
mod identity;
mod limits;
mod ops;
mod platform;
mod routing;
mod shelves;

use fake::FakeCatalogue;
use fake_auth::FakeAuth;

pub struct Gateway {
    pub app: Router,
    pub fake: Arc<FakeCatalogue>,
    pub auth: Arc<FakeAuth>,
    pub services: Services,
    pub blob: vici_blob::SharedBlob,
    pub cache: vici_cache::SharedCache,
}

/// Serves the fake catalogue and the fake auth service on one ephemeral port.
pub async fn serve_fakes(fake: Arc<FakeCatalogue>, auth: Arc<FakeAuth>) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (_reporter, health) = tonic_health::server::health_reporter();
    let server = tonic::transport::Server::builder()
        .add_service(health)
        .add_service(ProductServiceServer::from_arc(fake))
        .add_service(AuthServiceServer::from_arc(auth))
        .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener));
    tokio::spawn(server);
    addr
}

pub async fn gateway() -> Gateway {
    gateway_with(&[]).await
}

/// A gateway with extra `VICI_*` settings (they override the test wiring); with `serve`, the
/// gateway service also runs on a port of its own.
pub async fn gateway_with(settings: &[(&str, &str)]) -> Gateway {
    let fake = Arc::new(FakeCatalogue::default());
    let auth = Arc::new(FakeAuth::default());
    let fakes = format!("http://{}", serve_fakes(fake.clone(), auth.clone()).await);
    let builder = Services::builder(Backend::Sqlite)
        .configure(vici_gateway::service())
        .elsewhere(ServiceName::Product, &fakes)
        .elsewhere(ServiceName::Auth, &fakes);
    let services = settings
        .iter()
        .fold(builder, |b, (env, value)| b.setting(env, value))
        .start()
        .await;
    let platform = services.platform();
    Gateway {
        app: router(Deps::from_platform(platform).expect("gateway settings")),
        blob: platform.blob.clone(),
        cache: platform.cache.clone(),
        fake,
        auth,
        services,
    }
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The contract's error envelope, with `requestId` equal to the `X-Request-Id` header.
    #[track_caller]
    pub fn assert_error(&self, status: u16, code: &str) -> Value {
        let body = self.json();
        assert_eq!(self.status.as_u16(), status, "{body}");
        assert_eq!(body["success"], false, "{body}");
        assert_eq!(body["statusCode"], status, "{body}");
        assert_eq!(body["error"], code, "{body}");
        assert!(
            body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{body}"
        );
        let id = self
            .header("x-request-id")
            .expect("X-Request-Id on every response");
        assert_eq!(body["requestId"], id, "{body}");
        body
    }

    /// A success envelope; returns `data`.
    #[track_caller]
    pub fn assert_ok(&self) -> Value {
        let body = self.json();
        assert_eq!(self.status, StatusCode::OK, "{body}");
        assert_eq!(body["success"], true, "{body}");
        assert!(self.header("x-request-id").is_some());
        body["data"].clone()
    }
}

pub async fn send(app: &Router, request: Request<Body>) -> Answer {
    let response = app
        .clone()
        .oneshot(request)
        .await
        .expect("infallible router");
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    Answer {
        status,
        headers,
        body,
    }
}

pub async fn get(app: &Router, uri: &str) -> Answer {
    send(app, Request::get(uri).body(Body::empty()).unwrap()).await
}

/// A request with no body and no `Content-Type`, the way the client sends logout or clear.
pub async fn bare(app: &Router, method: Method, uri: &str) -> Answer {
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

pub async fn send_json(app: &Router, method: Method, uri: &str, body: &str) -> Answer {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    send(app, request).await
}
