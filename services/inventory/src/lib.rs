//! The inventory service: stock levels per product and variant, admin adjustments with a
//! movement history, the reservations of the checkout saga (held with a TTL, committed when the
//! order is paid, released on cancellation, expired by a sweeper), and the stock events other
//! services and the ML team read.
//!
//! Layout: `domain` holds the rules, `events` the announcements, `store` the SQL (every stock
//! change commits with its movement and outbox events), `reservations` the saga's use cases,
//! `grpc` the thin handlers.
//!
//! Stock never oversells: taking stock is one conditional `UPDATE … WHERE available >= q`, and a
//! reservation's status moves only by conditional updates, so repeated or racing calls apply
//! once. A HELD reservation past its expiry can still be committed until the sweeper has
//! expired it: its stock is still held, and failing a paid order for a late sweep helps no one.

mod config;
mod domain;
mod events;
mod grpc;
mod known;
mod reservations;
mod store;

use std::sync::Arc;

use vici_catalog::Catalog;
use vici_kit::ServiceName;
use vici_kit::server::ServiceApp;
use vici_platform::{Platform, Service};
use vici_proto::inventory::v1::inventory_service_server::{
    InventoryService, InventoryServiceServer,
};
use vici_store::{Db, Migration, ServiceBase};

pub use config::InventoryConfig;
pub use domain::{Operation, apply_operation};
pub use reservations::sweep_expired;

pub const MIGRATIONS: &[Migration] = &[
    Migration::new(1, "stock", include_str!("../migrations/0001_stock.sql")),
    Migration::new(
        2,
        "reservations",
        include_str!("../migrations/0002_reservations.sql"),
    ),
];

/// The inventory service's entry in the table of services.
pub fn service() -> Service {
    Service::new(ServiceName::Inventory, |p| {
        Box::pin(async move { start(Deps::from_platform(&p).await?).await })
    })
    .migrations(MIGRATIONS)
    .config::<InventoryConfig>()
    .seed(|db, catalog| {
        Box::pin(async move {
            Ok(format!(
                "{} stock records created",
                seed(&db, &catalog).await?
            ))
        })
    })
}

/// What the inventory service needs from the process that hosts it.
pub struct Deps {
    pub base: ServiceBase,
    pub config: InventoryConfig,
}

impl Deps {
    pub async fn from_platform(p: &Platform) -> anyhow::Result<Self> {
        Ok(Self {
            base: p.base(ServiceName::Inventory).await?,
            config: p.section()?,
        })
    }
}

/// Starts the outbox relay and the reservation sweeper, and returns the gRPC app. Run the
/// migrations first.
pub async fn start(deps: Deps) -> anyhow::Result<ServiceApp> {
    let Deps { base, config } = deps;
    let (outbox, relay) = base.outbox();
    let levels = known::KnownLevels::default();
    let follower = levels.follow(base.bus.clone(), base.shutdown.clone());
    let sweeper = reservations::sweeper(
        base.db.clone(),
        outbox.clone(),
        levels.clone(),
        config.sweep_interval,
        base.shutdown.clone(),
    );
    let svc = Arc::new(grpc::Inventory::new(reservations::Reservations {
        db: base.db.clone(),
        outbox,
        default_ttl: config.reservation_ttl,
        levels,
    }));
    let routes = tonic::service::Routes::new(InventoryServiceServer::from_arc(svc.clone()));
    // The product service asks for stock with every page it answers: in one process it
    // calls this object directly.
    let typed: Arc<dyn InventoryService> = svc;
    Ok(base
        .app(ServiceName::Inventory, routes)
        .with_typed_api(typed)
        .with_task(relay)
        .with_task(sweeper)
        .with_task(follower))
}

/// Seeds the stock of every product and variant of `catalog` that has no stock record yet.
pub async fn seed(db: &Db, catalog: &Catalog) -> anyhow::Result<u64> {
    let mut rows = Vec::with_capacity(catalog.products.len());
    for p in &catalog.products {
        let id = p.id().to_string();
        rows.push((id.clone(), String::new(), p.stock));
        for v in &p.variants {
            rows.push((id.clone(), p.variant_id(&v.sku).to_string(), v.stock));
        }
    }
    // Debug keeps the cause an internal error hides from callers.
    store::stock::insert_missing(db, &rows)
        .await
        .map_err(anyhow::Error::from)
}
