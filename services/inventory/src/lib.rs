//! The inventory service: stock levels per product and variant, adjustments with a movement
//! history, and the stock events other services and the ML team read. Reservations arrive with
//! the inventory-and-cart issue (their RPCs answer UNIMPLEMENTED until then).

mod domain;
mod grpc;
mod store;

use vici_kit::ServiceName;
use vici_kit::server::ServiceApp;
use vici_proto::inventory::v1::inventory_service_server::InventoryServiceServer;
use vici_store::{Db, Migration, ServiceBase};

pub use domain::{Operation, apply_operation};

pub const MIGRATIONS: &[Migration] = &[Migration::new(
    1,
    "stock",
    include_str!("../migrations/0001_stock.sql"),
)];

pub async fn start(base: ServiceBase) -> anyhow::Result<ServiceApp> {
    let (outbox, relay) = base.outbox();
    let svc = grpc::Inventory::new(base.db.clone(), outbox);
    let routes = tonic::service::Routes::new(InventoryServiceServer::new(svc));
    Ok(base.app(ServiceName::Inventory, routes).with_task(relay))
}

/// Seeds the stock of every product and variant of `catalog` that has no stock record yet.
pub async fn seed(db: &Db, catalog: &vici_kit::seed::Catalog) -> anyhow::Result<u64> {
    let mut rows = Vec::with_capacity(catalog.products.len());
    for p in &catalog.products {
        let id = p.id().to_string();
        rows.push((id.clone(), String::new(), p.stock));
        for v in &p.variants {
            rows.push((id.clone(), p.variant_id(&v.sku).to_string(), v.stock));
        }
    }
    store::insert_missing(db, &rows).await
}
