//! vici-order: orders and the checkout saga behind the `vici.order.v1.OrderService` contract.
//!
//! Layout, each layer using only those below it (a test checks the imports): `grpc` the
//! handlers, the message conversions and the neighbours' clients → `service` the use cases and
//! idempotency (and `expiry`, the reservation-expired consumer) → `saga` the orchestrator
//! (steps, flows, compensation, recovery) → `ports` what the saga asks of the cart, inventory
//! and payment services, `moves` the one way an order changes status, `events` what is
//! announced → `store` the SQL (one text for SQLite and PostgreSQL) → `domain` the pure rules
//! (statuses and the transition table, the order and its checks, checkout pricing, payments,
//! stored outcomes, the saga record). Protobuf stops at `grpc`.
//!
//! - Money moves authorise → commit stock → capture; every step is idempotent, recorded on the
//!   saga record, and has an undo, so recovery can finish or undo any interrupted checkout.
//! - Events commit with the change in the outbox; the relay started by [`start`] publishes.
mod config;
mod domain;
mod events;
mod expiry;
mod grpc;
#[cfg(test)]
mod layering;
mod moves;
mod ports;
mod saga;
mod service;
mod store;

use std::sync::Arc;

use tokio::sync::Notify;
use vici_kit::ServiceName;
use vici_kit::grpc::Channel;
use vici_kit::server::ServiceApp;
use vici_platform::{Platform, Service};
use vici_proto::cart::v1::cart_service_client::CartServiceClient;
use vici_proto::inventory::v1::inventory_service_client::InventoryServiceClient;
use vici_proto::order::v1::order_service_server::OrderServiceServer;
use vici_proto::payment::v1::payment_service_client::PaymentServiceClient;
use vici_store::{Migration, ServiceBase};

pub use config::OrderConfig;
pub use domain::checkout::Checkout;
pub use domain::order::{Address, Order};
pub use domain::payment::ChargeStatus;
pub use domain::saga::{Kind, Record, State, Step};
pub use saga::recover::{Report as RecoveryReport, recover_once};
pub use saga::{Engine, Failure};

/// The order service's schema, applied with `Db::migrate("order", MIGRATIONS)`.
pub const MIGRATIONS: &[Migration] = store::migrations::ALL;

/// The order service's entry in the table of services.
pub fn service() -> Service {
    Service::new(ServiceName::Order, |p| {
        Box::pin(async move { start(Deps::from_platform(&p).await?).await })
    })
    .migrations(MIGRATIONS)
    .config::<OrderConfig>()
}

/// What the service runs on.
pub struct Deps {
    pub base: ServiceBase,
    pub config: OrderConfig,
    pub cart: CartServiceClient<Channel>,
    pub inventory: InventoryServiceClient<Channel>,
    pub payments: PaymentServiceClient<Channel>,
}

impl Deps {
    pub async fn from_platform(p: &Platform) -> anyhow::Result<Self> {
        Ok(Self {
            base: p.base(ServiceName::Order).await?,
            config: p.section()?,
            cart: p.client()?,
            inventory: p.client()?,
            payments: p.client()?,
        })
    }
}

/// Starts the outbox relay, the recovery task and the reservation-expired consumer, and
/// returns the gRPC app. Run the migrations first.
pub async fn start(deps: Deps) -> anyhow::Result<ServiceApp> {
    Ok(start_with_engine(deps).await?.0)
}

/// [`start`], also handing out the saga engine the service runs on (tests drive sagas step by
/// step and run recovery passes through it).
pub async fn start_with_engine(deps: Deps) -> anyhow::Result<(ServiceApp, Arc<Engine>)> {
    let Deps {
        base,
        config,
        cart,
        inventory,
        payments,
    } = deps;
    let (outbox, relay) = base.outbox();
    let every = config.recovery_interval;
    let engine = Arc::new(Engine::new(
        base.db.clone(),
        Some(outbox),
        grpc::clients::ports(cart, inventory, payments),
        config,
        grpc::convert::order_bytes,
    ));
    let wake = Arc::new(Notify::new());
    let recovery = saga::recover::spawn(engine.clone(), every, wake.clone(), base.shutdown.clone());
    let consumer = vici_store::consumer::spawn(
        base.db.clone(),
        base.bus.clone(),
        expiry::CONSUMER,
        expiry::TOPICS,
        Arc::new(expiry::Expired { wake }),
        base.shutdown.clone(),
    );
    let service = Arc::new(service::Service {
        engine: engine.clone(),
    });
    let api = OrderServiceServer::new(grpc::OrderApi::new(service));
    let app = base
        .app(ServiceName::Order, tonic::service::Routes::new(api))
        .with_task(relay)
        .with_task(recovery)
        .with_task(consumer);
    Ok((app, engine))
}
