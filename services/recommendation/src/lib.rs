//! The recommendation service: lists served from the store format shared with the ML team
//! (recommendations.md), written by the built-in pipeline from the shop's events, or by an ML
//! team's pipeline (`recommendation.pipeline = "external"`).
//!
//! Layout: `store` is the format over the cache engine, `serve` walks each shelf's chain of
//! sources, `grpc` is the thin handler, `pipeline` turns events into lists, `journal` is the
//! pipeline's memory in the service's own database, `external` takes an ML team's lists from
//! the `recommendation-updates` topic.
mod config;
pub mod external;
mod grpc;
pub mod journal;
pub mod pipeline;
pub mod serve;
pub mod store;

use std::sync::Arc;

use vici_bus::topics::RECOMMENDATION_UPDATES;
use vici_cache::SharedCache;
use vici_kit::ServiceName;
use vici_kit::grpc::Channel;
use vici_kit::server::ServiceApp;
use vici_platform::{Platform, Service};
use vici_proto::product::v1::product_service_client::ProductServiceClient;
use vici_proto::recommendation::v1::recommendation_service_server::RecommendationServiceServer;
use vici_store::{Migration, ServiceBase};

pub use config::{Lists, RecommendationConfig};
use journal::Journal;
use store::RecStore;

pub const MIGRATIONS: &[Migration] = journal::MIGRATIONS;

/// The recommendation service's entry in the table of services.
pub fn service() -> Service {
    Service::new(ServiceName::Recommendation, |p| {
        Box::pin(async move { start(Deps::from_platform(&p).await?).await })
    })
    .migrations(MIGRATIONS)
    .config::<RecommendationConfig>()
    .seed(|db, catalog| {
        Box::pin(async move {
            let described = journal::seed(&db, &catalog).await?;
            Ok(format!("{described} products described"))
        })
    })
}

/// What the service runs on.
pub struct Deps {
    pub base: ServiceBase,
    /// The recommendation store's engine.
    pub cache: SharedCache,
    /// The catalogue an ML team's lists are checked against.
    pub products: ProductServiceClient<Channel>,
    pub config: RecommendationConfig,
}

impl Deps {
    pub async fn from_platform(p: &Platform) -> anyhow::Result<Self> {
        Ok(Self {
            base: p.base(ServiceName::Recommendation).await?,
            cache: p.cache.clone(),
            products: p.client()?,
            config: p.section()?,
        })
    }
}

/// Starts the pipeline (which first rebuilds its model from the journal) and, with an
/// external pipeline, the consumer of its updates, unless this process only serves; returns
/// the gRPC app serving from the store. Run the migrations first.
pub async fn start(deps: Deps) -> anyhow::Result<ServiceApp> {
    let Deps {
        base,
        cache,
        products,
        config,
    } = deps;
    let builtin = config.lists == Lists::Builtin;
    let pipeline = pipeline::consume::spawn(
        cache.clone(),
        Journal::new(base.db.clone()),
        base.bus.clone(),
        base.shutdown.clone(),
        pipeline::consume::Settings {
            writes_lists: builtin,
            memory_ms: config.memory_ms,
            focus: config.focus,
        },
    );
    let store = Arc::new(RecStore::new(cache).with_max_list_age(config.max_list_age));
    let api = grpc::RecommendationApi {
        store: store.clone(),
    };
    let routes = tonic::service::Routes::new(RecommendationServiceServer::new(api));
    let app = base
        .app(ServiceName::Recommendation, routes)
        .with_task(pipeline);
    if builtin {
        return Ok(app);
    }
    let writer = external::Writer { store, products };
    let updates = vici_store::consumer::spawn(
        base.db.clone(),
        base.bus.clone(),
        "recommendation-updates",
        &[RECOMMENDATION_UPDATES],
        Arc::new(writer),
        base.shutdown.clone(),
    );
    Ok(app.with_task(updates))
}
