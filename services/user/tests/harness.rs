//! The user service for one case on a fresh database (`vici_testkit::Services`), with the
//! fake product service the wishlist reads from.
use std::future::Future;

use tonic::{Code, Status};
use vici_blob::SharedBlob;
use vici_bus::CloudEvent;
use vici_proto::user::v1 as pb;
use vici_proto::user::v1::user_service_client::UserServiceClient;
use vici_testkit::{Backend, Channel, Db, ServiceName, Services};

use crate::products::FakeProducts;

pub use vici_testkit::{details, eventually, new_id as new_user};

/// A running user service and what it runs on.
pub struct App {
    pub services: Services,
    pub client: UserServiceClient<Channel>,
    pub db: Db,
    pub blob: SharedBlob,
    pub products: FakeProducts,
}

/// Runs `case` against a fresh service on `backend`, then removes its database and files.
pub async fn run<F, Fut>(backend: Backend, case: F)
where
    F: FnOnce(App) -> Fut,
    Fut: Future<Output = ()>,
{
    let products = FakeProducts::default();
    let shutdown = vici_kit::server::Shutdown::new();
    let products_url = products.clone().serve(shutdown.clone()).await;
    let services = Services::builder(backend)
        .service(vici_user::service())
        .elsewhere(ServiceName::Product, products_url)
        .start()
        .await;
    case(App {
        client: services.client(),
        db: services.db(ServiceName::User).await,
        blob: services.platform().blob.clone(),
        products,
        services: services.clone(),
    })
    .await;
    shutdown.cancel();
    services.finish().await;
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

impl App {
    pub fn client(&self) -> UserServiceClient<Channel> {
        self.client.clone()
    }

    pub async fn publish(&self, event: &CloudEvent) {
        self.services
            .bus()
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
