//! The user service for one case on a fresh database (`vici_testkit::Services`), with the
//! fake product service the wishlist reads from.
use tonic::Status;
use vici_blob::SharedBlob;
use vici_proto::user::v1 as pb;
use vici_proto::user::v1::user_service_client::UserServiceClient;
use vici_testkit::{Backend, Channel, Db, ServiceName, Services, Unary as _};

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
pub async fn run(backend: Backend, case: impl AsyncFnOnce(App)) {
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
    let problem = vici_testkit::assert_invalid(status, field);
    assert_eq!(problem, message, "{status:?}");
}

impl App {
    pub fn client(&self) -> UserServiceClient<Channel> {
        self.client.clone()
    }

    pub async fn count(&self, sql: &str, bind: &str) -> i64 {
        vici_testkit::scalar(&self.db, sql, &[bind]).await
    }

    pub async fn addresses(&self, user: &str) -> Vec<pb::Address> {
        let request = pb::UserRef {
            user_id: user.to_string(),
        };
        let answer = self.client().list_addresses(request).await;
        answer.expect_message("list addresses").addresses
    }
}
