//! vici-cart: shopping carts and coupons behind the `vici.cart.v1.CartService` gRPC contract.
//!
//! Layout: `domain` holds the pure rules (line limits, rendering, coupon editing), `store` the
//! SQL (one text for SQLite and PostgreSQL), `service` the use cases, `grpc` the thin handlers,
//! `catalogue` the product lookups, `events` what is announced, `sweep` the idle-cart sweeper.
//!
//! - Prices, names and stock always come from the catalogue (product service, stock from
//!   inventory), asked once per request and never while a lock is held.
//! - Every mutation of one user's cart runs in one transaction under that cart's lock
//!   (`store::lock_cart`), so concurrent requests of one user never lose an update.
//! - Totals and coupon rules are `vici_pricing`'s, shared with checkout.
//! - Behaviour events commit with the change in the outbox; the relay started by [`start`]
//!   publishes them.

mod catalogue;
mod config;
mod domain;
mod events;
mod grpc;
mod service;
mod store;
mod sweep;

use std::sync::Arc;

use anyhow::Context as _;
use vici_catalog::{Catalog, seeded_id};
use vici_kit::ServiceName;
use vici_kit::server::ServiceApp;
use vici_platform::{Platform, Service};
use vici_proto::cart::v1::cart_service_server::CartServiceServer;
use vici_proto::product::v1::product_service_client::ProductServiceClient;
use vici_store::{Db, Migration, ServiceBase, now_ms};

pub use config::CartConfig;
pub use sweep::{SweepReport, sweep};

/// The cart service's schema, applied with `Db::migrate("cart", MIGRATIONS)`.
pub const MIGRATIONS: &[Migration] = store::migrations::ALL;

/// The cart service's entry in the table of services.
pub fn service() -> Service {
    Service::new(ServiceName::Cart, |p| {
        Box::pin(async move { start(Deps::from_platform(&p).await?).await })
    })
    .migrations(MIGRATIONS)
    .config::<CartConfig>()
    .seed(|db, catalog| {
        Box::pin(async move { Ok(format!("{} coupons created", seed(&db, &catalog).await?)) })
    })
}

/// What the service runs on.
pub struct Deps {
    pub base: ServiceBase,
    /// The catalogue carts are priced from.
    pub products: ProductServiceClient<vici_kit::grpc::Channel>,
    pub config: CartConfig,
}

impl Deps {
    pub async fn from_platform(p: &Platform) -> anyhow::Result<Self> {
        Ok(Self {
            base: p.base(ServiceName::Cart).await?,
            products: p.client()?,
            config: p.section()?,
        })
    }
}

/// Starts the outbox relay and the idle-cart sweeper and returns the gRPC app. Run the
/// migrations first.
pub async fn start(deps: Deps) -> anyhow::Result<ServiceApp> {
    let Deps {
        base,
        products,
        config,
    } = deps;
    let (outbox, relay) = base.outbox();
    let sweeper = sweep::spawn(
        base.db.clone(),
        config,
        outbox.clone(),
        base.shutdown.clone(),
    );
    let service = service::Service {
        db: base.db.clone(),
        catalogue: Arc::new(catalogue::GrpcCatalogue::new(products)),
        outbox,
    };
    let api = CartServiceServer::new(grpc::CartApi::new(Arc::new(service)));
    Ok(base
        .app(ServiceName::Cart, tonic::service::Routes::new(api))
        .with_task(relay)
        .with_task(sweeper))
}

/// Seeded coupon ids derive from this fixed time and the code, so seeding twice finds them.
const SEED_EPOCH_MS: u64 = 1_767_225_600_000; // 2026-01-01

/// Creates the catalogue's coupons that do not exist yet (by id or live code), checked like
/// an admin's; returns how many were created. A seeded coupon an admin deleted stays deleted.
pub async fn seed(db: &Db, catalog: &Catalog) -> anyhow::Result<u64> {
    let now = now_ms();
    let mut tx = db
        .begin()
        .await
        .context("starting the transaction seeding coupons")?;
    let mut created = 0;
    for c in &catalog.coupons {
        let value = match c.kind.as_str() {
            "fixed" => c.value_cents.or(c.value),
            _ => c.value.or(c.value_cents),
        };
        let draft = domain::coupon::Draft {
            code: c.code.clone(),
            kind: domain::coupon::Kind::from_name(&c.kind),
            value: value.unwrap_or_default(),
            min_subtotal_cents: c.min_subtotal_cents,
            expires_at: c.expires_at.map(|t| t.to_rfc3339()),
            usage_limit: c.usage_limit,
            per_user_limit: c.per_user_limit,
            is_active: true,
            description: c.description.clone(),
        };
        let terms = draft
            .validate()
            .map_err(|e| anyhow::anyhow!("seed coupon `{}`: {e}", c.code))?;
        let coupon = domain::coupon::Coupon {
            id: seeded_id(SEED_EPOCH_MS, &format!("coupon:{}", terms.code)).to_string(),
            terms,
            used_count: 0,
            created_at: now,
            updated_at: now,
            deleted: false,
        };
        // Debug keeps the cause an internal error hides from callers.
        if store::coupons::insert(&mut tx, &coupon, true)
            .await
            .map_err(|e| anyhow::anyhow!("seeding coupon {}: {e:?}", c.code))?
        {
            created += 1;
        }
    }
    tx.commit().await.context("committing the seeded coupons")?;
    Ok(created)
}
