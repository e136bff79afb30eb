//! vici-user: everything about a user except credentials — profile details and avatar,
//! addresses, preferences and wishlist — behind the `vici.user.v1.UserService` gRPC contract.
//!
//! Layout: `domain` holds the pure rules, `store` the SQL (one text for SQLite and PostgreSQL),
//! `service` the use cases, `grpc` the thin handlers, `catalogue` the product lookups of the
//! wishlist, `accounts` the `account-events` consumer that sets up newly registered users.
//!
//! - Every write of one user's addresses runs under that user's lock (`store::lock_user`), so
//!   the 10-address limit and the single default hold under concurrent requests.
//! - Avatars are blobs under `avatars/{userId}/`, served by the gateway's media route.

mod accounts;
mod catalogue;
mod domain;
mod grpc;
mod service;
mod store;

use std::sync::Arc;

use vici_kit::ServiceName;
use vici_kit::server::ServiceApp;
use vici_platform::{Platform, Service as Entry};
use vici_proto::product::v1::product_service_client::ProductServiceClient;
use vici_proto::user::v1::user_service_server::UserServiceServer;
use vici_store::{Migration, ServiceBase};

pub use accounts::CONSUMER as ACCOUNT_EVENTS_CONSUMER;

/// The user service's schema, applied with `Db::migrate("user", MIGRATIONS)`.
pub const MIGRATIONS: &[Migration] = store::migrations::ALL;

/// The user service's entry in the table of services.
pub fn service() -> Entry {
    Entry::new(ServiceName::User, |p| {
        Box::pin(async move { start(Deps::from_platform(&p).await?).await })
    })
    .migrations(MIGRATIONS)
}

/// What the service runs on.
pub struct Deps {
    pub base: ServiceBase,
    pub blob: vici_blob::SharedBlob,
    /// The catalogue the wishlist shows products from.
    pub products: ProductServiceClient<vici_kit::grpc::Channel>,
    /// Base of media URLs, e.g. `http://localhost:3000`.
    pub public_url: String,
}

impl Deps {
    pub async fn from_platform(p: &Platform) -> anyhow::Result<Self> {
        Ok(Self {
            base: p.base(ServiceName::User).await?,
            blob: p.blob.clone(),
            products: p.client()?,
            public_url: p.config.public_url.clone(),
        })
    }
}

/// Starts the `account-events` consumer and returns the gRPC app. Run the migrations first.
pub async fn start(deps: Deps) -> anyhow::Result<ServiceApp> {
    let Deps {
        base,
        blob,
        products,
        public_url,
    } = deps;
    let consumer = accounts::spawn(base.db.clone(), base.bus.clone(), base.shutdown.clone());
    let service = service::Service {
        db: base.db.clone(),
        blob,
        public_url,
        catalogue: Arc::new(catalogue::GrpcCatalogue::new(products)),
    };
    // Avatar uploads travel in the request: accept as much as the gateway may forward, so an
    // oversized image gets the avatar field error rather than a transport error.
    let api = UserServiceServer::new(grpc::UserApi::new(Arc::new(service)))
        .max_decoding_message_size(vici_kit::grpc::MAX_MESSAGE_BYTES);
    Ok(base
        .app(ServiceName::User, tonic::service::Routes::new(api))
        .with_task(consumer))
}
