//! vici-payment: intents, payments and refunds behind `vici.payment.v1.PaymentService`.
//!
//! Layout: `domain` holds the statuses and rows, `provider` the payment-provider port with its
//! `simulated` and `stripe` adapters, `store` the SQL (one text for SQLite and PostgreSQL),
//! `service` the use cases, `grpc` the thin handlers, `signature` Stripe's webhook signature,
//! `events` what is announced on `payment-events`.
//!
//! - Money moves authorise → capture (or void): the order's checkout saga calls Authorize,
//!   commits the stock, then Capture; Reverse undoes whatever was reached.
//! - Every money-moving call is idempotent: one row per attempt / refund key, recorded before
//!   the provider is called, and an idempotency key toward the provider derived from that row.
//! - An order has at most one live payment, enforced by a partial unique index.
//! - Events commit with the change in the outbox; the relay started by [`start`] publishes them.

mod config;
mod domain;
mod events;
mod grpc;
pub mod provider;
mod service;
pub mod signature;
mod store;

use std::sync::Arc;

use vici_kit::ServiceName;
use vici_kit::server::ServiceApp;
use vici_platform::{Platform, Service};
use vici_proto::payment::v1::payment_service_server::PaymentServiceServer;
use vici_store::{Migration, ServiceBase};

use crate::provider::SharedProvider;

pub use config::{PaymentConfig, PaymentProvider};

/// The payment service's schema, applied with `Db::migrate("payment", MIGRATIONS)`.
pub const MIGRATIONS: &[Migration] = store::migrations::ALL;

/// The payment service's entry in the table of services.
pub fn service() -> Service {
    Service::new(ServiceName::Payment, |p| {
        Box::pin(async move { start(Deps::from_platform(&p).await?).await })
    })
    .migrations(MIGRATIONS)
    .config::<PaymentConfig>()
}

/// What the service runs on.
pub struct Deps {
    pub base: ServiceBase,
    pub config: PaymentConfig,
}

impl Deps {
    pub async fn from_platform(p: &Platform) -> anyhow::Result<Self> {
        Ok(Self {
            base: p.base(ServiceName::Payment).await?,
            config: p.section()?,
        })
    }
}

/// Starts the outbox relay and returns the gRPC app, with the provider `config` names. Run the
/// migrations first.
pub async fn start(deps: Deps) -> anyhow::Result<ServiceApp> {
    let provider = provider::from_config(&deps.config)?;
    start_with_provider(deps, provider).await
}

/// [`start`] with a given provider (tests wrap the simulated one to count its calls); the
/// configured provider is ignored, its webhook settings are used.
pub async fn start_with_provider(
    deps: Deps,
    provider: SharedProvider,
) -> anyhow::Result<ServiceApp> {
    let Deps { base, config } = deps;
    let (outbox, relay) = base.outbox();
    let service = service::Service {
        db: base.db.clone(),
        provider,
        outbox,
        webhooks: service::WebhookSettings {
            secret: config.webhook_secret.filter(|s| !s.is_empty()),
            tolerance: config.webhook_tolerance,
        },
    };
    let api = PaymentServiceServer::new(grpc::PaymentApi::new(Arc::new(service)));
    Ok(base
        .app(ServiceName::Payment, tonic::service::Routes::new(api))
        .with_task(relay))
}
