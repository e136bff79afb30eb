//! Boots the user service for one case: a fresh database (SQLite file or PostgreSQL database),
//! the in-memory bus, a blob directory, the fake product service, and a gRPC client. The
//! environment is removed once the case has passed.
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tonic::{Code, Status};
use vici_blob::{DirBlobStore, SharedBlob};
use vici_bus::memory::MemoryBus;
use vici_bus::{CloudEvent, SharedBus};
use vici_kit::grpc::Channel;
use vici_kit::server::Shutdown;
use vici_proto::product::v1::product_service_client::ProductServiceClient;
use vici_proto::user::v1 as pb;
use vici_proto::user::v1::user_service_client::UserServiceClient;
use vici_store::{Backend, Db, ServiceBase};

use crate::products::FakeProducts;

/// A running user service and what it runs on.
pub struct App {
    pub client: UserServiceClient<Channel>,
    pub db: Db,
    pub bus: SharedBus,
    pub blob: SharedBlob,
    pub products: FakeProducts,
}

/// Runs `case` against a fresh service on `backend`, then removes its database and files.
pub async fn run<F, Fut>(backend: Backend, case: F)
where
    F: FnOnce(App) -> Fut,
    Fut: Future<Output = ()>,
{
    let db = vici_store::testing::fresh(backend, "user").await;
    db.migrate("user", vici_user::MIGRATIONS)
        .await
        .expect("migrations apply");
    let shutdown = Shutdown::new();
    let products = FakeProducts::default();
    let products_url = products.clone().serve(shutdown.clone()).await;
    let blob_dir = std::env::temp_dir().join(format!("vici-user-blobs-{}", uuid::Uuid::new_v4()));
    let blob: SharedBlob = Arc::new(DirBlobStore::open(&blob_dir).await.expect("blob dir"));
    // One partition: events are delivered in publish order, so a later event proves the
    // earlier ones were handled.
    let bus: SharedBus = Arc::new(MemoryBus::new(1));
    let channel = vici_kit::grpc::channel(&products_url, Duration::from_secs(5)).unwrap();
    let deps = vici_user::Deps {
        base: ServiceBase {
            db: db.clone(),
            bus: bus.clone(),
            shutdown: shutdown.clone(),
        },
        blob: blob.clone(),
        products: ProductServiceClient::new(channel),
        public_url: "http://shop.test/".into(),
    };
    let app = vici_user::start(deps).await.expect("service starts");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(vici_kit::server::serve(app, listener, shutdown.clone()));
    let channel = vici_kit::grpc::channel(&url, Duration::from_secs(30)).unwrap();
    let client = UserServiceClient::new(channel)
        .max_encoding_message_size(vici_kit::grpc::MAX_MESSAGE_BYTES);
    case(App {
        client,
        db: db.clone(),
        bus,
        blob,
        products,
    })
    .await;
    shutdown.cancel();
    vici_store::testing::discard(db).await;
    let _ = std::fs::remove_dir_all(blob_dir);
}

/// A new user id, as the gateway would send after authentication.
pub fn new_user() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// The `details` map of a refused call.
pub fn details(status: &Status) -> BTreeMap<String, String> {
    let map: BTreeMap<String, serde_json::Value> =
        serde_json::from_slice(status.details()).unwrap_or_default();
    map.into_iter()
        .map(|(k, v)| (k, v.as_str().map_or_else(|| v.to_string(), str::to_string)))
        .collect()
}

/// Asserts a validation error whose details name `field` with `message`.
#[track_caller]
pub fn assert_invalid(status: &Status, field: &str, message: &str) {
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    assert_eq!(
        details(status).get(field).map(String::as_str),
        Some(message),
        "{status:?}"
    );
}

/// Waits (up to 10 s) until `check` holds.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

impl App {
    pub fn client(&self) -> UserServiceClient<Channel> {
        self.client.clone()
    }

    pub async fn publish(&self, event: &CloudEvent) {
        self.bus
            .publish(
                vici_bus::topics::ACCOUNT_EVENTS,
                &event.subject,
                &event.to_json(),
            )
            .await
            .expect("publish");
    }

    pub async fn count(&self, sql: &str, bind: &str) -> i64 {
        sqlx::query_scalar(sql)
            .bind(bind)
            .fetch_one(self.db.reader())
            .await
            .expect("count query")
    }

    pub async fn addresses(&self, user: &str) -> Vec<pb::Address> {
        self.client()
            .list_addresses(pb::UserRef {
                user_id: user.to_string(),
            })
            .await
            .expect("list addresses")
            .into_inner()
            .addresses
    }
}
