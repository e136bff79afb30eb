//! Black-box tests of the gateway's REST app: the real router, talking gRPC to an in-test
//! product service on an ephemeral port (the contract boundary); every other service points at
//! a closed port, i.e. is down.
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, Request, StatusCode};
use serde_json::Value;
use tower::ServiceExt;
use vici_blob::{Blob, BlobStore};
use vici_gateway::{Clients, Deps, router};
use vici_kit::{Config, ServiceName};
use vici_proto::product::v1::product_service_server::ProductServiceServer;

mod catalogue;
mod fake;
mod fake_auth;
mod identity;
mod limits;
mod ops;
mod platform;
mod shelves;

use fake::FakeCatalogue;
use fake_auth::FakeAuth;
use vici_proto::auth::v1::auth_service_server::AuthServiceServer;

pub struct Gateway {
    pub app: Router,
    pub fake: Arc<FakeCatalogue>,
    pub blob: Arc<MemoryBlob>,
    pub auth: Arc<FakeAuth>,
    pub cache: vici_cache::SharedCache,
}

/// A port that refuses connections for the life of the test binary (held, so no other test's
/// server can take it).
pub fn closed_port() -> u16 {
    static REFUSED: std::sync::LazyLock<vici_kit::testing::RefusedPort> =
        std::sync::LazyLock::new(vici_kit::testing::RefusedPort::new);
    REFUSED.port()
}

/// Serves the fake catalogue and the fake auth service on one ephemeral port.
async fn serve_fakes(fake: Arc<FakeCatalogue>, auth: Arc<FakeAuth>) -> SocketAddr {
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

/// A gateway with extra `VICI_*` settings (they override the test wiring).
pub async fn gateway_with(settings: &[(&str, &str)]) -> Gateway {
    let (deps, fake, blob, auth) = deps_with(settings).await;
    let cache = deps.cache.clone();
    Gateway {
        app: router(deps),
        fake,
        blob,
        auth,
        cache,
    }
}

/// The gateway's dependencies, for tests that run it through the kit's server.
pub async fn deps_with(
    settings: &[(&str, &str)],
) -> (Deps, Arc<FakeCatalogue>, Arc<MemoryBlob>, Arc<FakeAuth>) {
    let fake = Arc::new(FakeCatalogue::default());
    let auth = Arc::new(FakeAuth::default());
    let fakes = serve_fakes(fake.clone(), auth.clone()).await;
    let down = closed_port();
    let mut env: BTreeMap<String, String> = ServiceName::ALL
        .iter()
        .map(|s| {
            (
                format!("VICI_{}_URL", s.as_str().to_uppercase()),
                format!("http://127.0.0.1:{down}"),
            )
        })
        .collect();
    env.insert("VICI_PRODUCT_URL".into(), format!("http://{fakes}"));
    env.insert("VICI_AUTH_URL".into(), format!("http://{fakes}"));
    env.extend(settings.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let config = Config::from_sources(None, &env).expect("test configuration");
    let clients = Clients::connect(&config).expect("lazy channels");
    let blob = Arc::new(MemoryBlob::default());
    let deps = Deps {
        config: Arc::new(config),
        clients,
        blob: blob.clone(),
        cache: Arc::new(vici_cache::MemoryCache::new()),
    };
    (deps, fake, blob, auth)
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

/// An in-memory blob store for the media route.
#[derive(Default)]
pub struct MemoryBlob(Mutex<HashMap<String, Blob>>);

impl MemoryBlob {
    pub fn insert(&self, key: &str, bytes: &'static [u8], content_type: &str) {
        let blob = Blob {
            bytes: Bytes::from_static(bytes),
            content_type: content_type.into(),
        };
        self.0.lock().unwrap().insert(key.into(), blob);
    }
}

#[async_trait::async_trait]
impl BlobStore for MemoryBlob {
    async fn put(&self, key: &str, bytes: Bytes, content_type: &str) -> anyhow::Result<()> {
        self.0.lock().unwrap().insert(
            key.into(),
            Blob {
                bytes,
                content_type: content_type.into(),
            },
        );
        Ok(())
    }

    async fn get(&self, key: &str) -> anyhow::Result<Option<Blob>> {
        Ok(self.0.lock().unwrap().get(key).cloned())
    }

    async fn delete(&self, key: &str) -> anyhow::Result<bool> {
        Ok(self.0.lock().unwrap().remove(key).is_some())
    }

    async fn exists(&self, key: &str) -> anyhow::Result<bool> {
        Ok(self.0.lock().unwrap().contains_key(key))
    }

    async fn ping(&self) -> anyhow::Result<()> {
        Ok(())
    }
}
