//! Black-box tests of the gateway's REST app: the real router (built from the gateway's own
//! settings on a test platform, `vici_testkit::Services`), talking gRPC to an in-test product
//! service and an in-test auth service (the contract boundary); every other service is down.
use std::net::SocketAddr;
use std::sync::Arc;
use vici_identity::revocation;

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use tower::ServiceExt;
use vici_gateway::{Deps, router};
use vici_proto::auth::v1::auth_service_server::AuthServiceServer;
use vici_proto::product::v1::product_service_server::ProductServiceServer;
use vici_testkit::{Backend, Reply, ServiceName, Services};

mod admin_catalogue;
mod behaviour;
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

/// What the auth service does when it starts, for gateways whose auth is a fake: marks the
/// deny-list loaded in the cache (without the mark, no token is trusted).
pub async fn deny_list_loaded(cache: &vici_cache::SharedCache) {
    let marked = cache.set(revocation::LOADED_KEY, b"1", None).await;
    marked.expect("the deny-list marked loaded");
}

pub async fn gateway() -> Gateway {
    gateway_with(&[]).await
}

/// A gateway with extra `VICI_*` settings (they override the test wiring).
pub async fn gateway_with(settings: &[(&str, &str)]) -> Gateway {
    assemble(settings, Services::builder(Backend::Sqlite)).await
}

/// A gateway recording behaviour into a real event service (on the case's in-memory bus).
pub async fn gateway_recording() -> Gateway {
    let builder = Services::builder(Backend::Sqlite).service(vici_event::service());
    assemble(&[], builder).await
}

async fn assemble(settings: &[(&str, &str)], builder: vici_testkit::Builder) -> Gateway {
    let fake = Arc::new(FakeCatalogue::default());
    let auth = Arc::new(FakeAuth::default());
    let fakes = format!("http://{}", serve_fakes(fake.clone(), auth.clone()).await);
    let builder = builder
        .configure(vici_gateway::service())
        .elsewhere(ServiceName::Product, &fakes)
        .elsewhere(ServiceName::Auth, &fakes);
    let services = settings
        .iter()
        .fold(builder, |b, (env, value)| b.setting(env, value))
        .start()
        .await;
    let platform = services.platform();
    deny_list_loaded(&platform.cache).await;
    Gateway {
        app: router(Deps::from_platform(platform).expect("gateway settings")),
        blob: platform.blob.clone(),
        cache: platform.cache.clone(),
        fake,
        auth,
        services,
    }
}

pub async fn send(app: &Router, request: Request<Body>) -> Reply {
    let response = app
        .clone()
        .oneshot(request)
        .await
        .expect("infallible router");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    Reply::new(status, headers, body.to_vec())
}

pub async fn get(app: &Router, uri: &str) -> Reply {
    send(app, Request::get(uri).body(Body::empty()).unwrap()).await
}
