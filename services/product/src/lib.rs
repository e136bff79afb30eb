//! vici-product: the catalogue — products, categories, search, reviews — behind the
//! `vici.product.v1.ProductService` gRPC contract.
//!
//! Layout: `domain` holds the pure rules, `store` the SQL (one text for SQLite and
//! PostgreSQL), `search` the in-memory full-text index, `service` the use cases that tie them
//! to the inventory service and the outbox, `grpc` the thin handlers.
//!
//! - Stock is never stored here; see `service::stock` for why and how it is fetched.
//! - Every product change commits with its `product.*` event in the outbox; the relay started
//!   by [`start`] publishes them to `product-events`.
//! - Each process keeps its own search index; `replica` explains how replicas stay in step.

pub mod domain;
mod events;
mod grpc;
mod purchases;
mod replica;
mod search;
mod service;
mod store;

use std::sync::Arc;

use anyhow::Context as _;
use vici_catalog::Catalog;
use vici_kit::ServiceName;
use vici_kit::server::ServiceApp;
use vici_platform::{Platform, Service as Entry};
use vici_proto::inventory::v1::inventory_service_client::InventoryServiceClient;
use vici_proto::product::v1::product_service_server::{ProductService, ProductServiceServer};
use vici_store::{Db, Migration, ServiceBase, now_ms};

use crate::search::SearchIndex;
use crate::service::Service;
use crate::service::stock::Stock;

/// The product service's schema, applied with `Db::migrate("product", MIGRATIONS)`.
pub const MIGRATIONS: &[Migration] = store::migrations::ALL;

/// The product service's entry in the table of services.
pub fn service() -> Entry {
    Entry::new(ServiceName::Product, |p| {
        Box::pin(async move { start(Deps::from_platform(&p).await?).await })
    })
    .migrations(MIGRATIONS)
    .seed(|db, catalog| Box::pin(async move { Ok(format!("{:?}", seed(&db, &catalog).await?)) }))
}

/// What the service runs on.
pub struct Deps {
    pub base: ServiceBase,
    pub blob: vici_blob::SharedBlob,
    pub inventory: InventoryServiceClient<vici_kit::grpc::Channel>,
    /// The inventory service when this process runs it too, called in place for stock.
    pub inventory_here: vici_kit::grpc::LocalService,
    /// Base of image URLs, e.g. `http://localhost:3000`.
    pub public_url: String,
}

impl Deps {
    pub async fn from_platform(p: &Platform) -> anyhow::Result<Self> {
        Ok(Self {
            base: p.base(ServiceName::Product).await?,
            blob: p.blob.clone(),
            inventory: p.client()?,
            inventory_here: p.local(ServiceName::Inventory),
            public_url: p.config.public_url.clone(),
        })
    }
}

/// What [`seed`] wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeedReport {
    pub categories: usize,
    pub products: usize,
    pub variants: usize,
}

/// Rows read per step while building the search index.
const INDEX_BATCH: i64 = 5_000;
/// Events stamped this long before the index build began may not be in it yet (a transaction
/// can commit a little after its event was stamped), so replicas replay them.
const REPLAY_MARGIN_MS: i64 = 60_000;

/// Builds the search index from the database, starts the outbox relay and the replica
/// consumer, and returns the gRPC app. Run migrations (and any seeding) first: the index is
/// built from what the database holds now.
pub async fn start(deps: Deps) -> anyhow::Result<ServiceApp> {
    let Deps {
        base,
        blob,
        inventory,
        inventory_here,
        public_url,
    } = deps;
    let ServiceBase { db, bus, shutdown } = base.clone();
    let built_from = now_ms() - REPLAY_MARGIN_MS;
    let index = Arc::new(SearchIndex::new()?);
    build_index(&db, &index).await?;
    let (outbox, relay) = base.outbox();
    let purchases = purchases::spawn(db.clone(), bus.clone(), shutdown.clone());
    let replica = replica::spawn(db.clone(), bus, index.clone(), built_from, shutdown);
    let service = Service {
        db,
        index,
        stock: Stock::new(inventory, inventory_here),
        outbox,
        blob,
        public_url,
    };
    let api = Arc::new(grpc::ProductApi::new(Arc::new(service)));
    let server = ProductServiceServer::from_arc(api.clone())
        .max_decoding_message_size(vici_kit::grpc::MAX_MESSAGE_BYTES);
    // The gateway's catalogue reads: in one process it calls this object directly.
    let typed: Arc<dyn ProductService> = api;
    Ok(base
        .app(ServiceName::Product, tonic::service::Routes::new(server))
        .with_typed_api(typed)
        .with_task(relay)
        .with_task(replica)
        .with_task(purchases))
}

async fn build_index(db: &Db, index: &Arc<SearchIndex>) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let mut conn = db
        .reader()
        .acquire()
        .await
        .context("taking a read connection to build the search index")?;
    let mut after = String::new();
    loop {
        let batch = store::products::scan(&mut conn, &after, INDEX_BATCH)
            .await
            .map_err(anyhow::Error::from)?;
        let Some(last) = batch.last() else { break };
        after = last.id.clone();
        let index = index.clone();
        tokio::task::spawn_blocking(move || index.upsert(&batch)).await??;
    }
    tracing::info!(
        products = index.len(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "search index built"
    );
    Ok(())
}

/// Upserts the catalogue's categories and products by their seed ids, in one transaction and
/// without events (seeding is not a change anyone reacts to). Idempotent; run it before
/// [`start`], whose search index reads the database once.
pub async fn seed(db: &Db, catalog: &Catalog) -> anyhow::Result<SeedReport> {
    let mut tx = db.begin().await.context("starting the seed transaction")?;
    let categories = store::seed::categories(&mut tx, catalog)
        .await
        .map_err(anyhow::Error::from)
        .context("seeding categories")?;
    let (products, variants) = store::seed::products(&mut tx, catalog)
        .await
        .map_err(anyhow::Error::from)
        .context("seeding products")?;
    tx.commit().await.context("committing the seed")?;
    Ok(SeedReport {
        categories,
        products,
        variants,
    })
}
