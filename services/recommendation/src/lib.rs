//! The recommendation service: lists served from the store format shared with the ML team
//! (recommendations.md), written by the built-in pipeline from the shop's events.
//!
//! Layout: `store` is the format over the cache engine, `serve` walks each shelf's chain of
//! sources, `grpc` is the thin handler, `pipeline` turns events into lists, `journal` is the
//! pipeline's memory in the service's own database.
mod grpc;
pub mod journal;
pub mod pipeline;
pub mod serve;
pub mod store;

use std::sync::Arc;

use vici_cache::SharedCache;
use vici_kit::ServiceName;
use vici_kit::server::ServiceApp;
use vici_platform::Service;
use vici_proto::recommendation::v1::recommendation_service_server::RecommendationServiceServer;
use vici_store::{Migration, ServiceBase};

use journal::Journal;
use store::RecStore;

pub const MIGRATIONS: &[Migration] = journal::MIGRATIONS;

/// The recommendation service's entry in the table of services.
pub fn service() -> Service {
    Service::new(ServiceName::Recommendation, |p| {
        Box::pin(async move {
            let base = p.base(ServiceName::Recommendation).await?;
            start(base, p.cache.clone()).await
        })
    })
    .migrations(MIGRATIONS)
}

/// Starts the pipeline (which first rebuilds its model from the journal) and returns the gRPC
/// app serving from `cache`. Run the migrations first.
pub async fn start(base: ServiceBase, cache: SharedCache) -> anyhow::Result<ServiceApp> {
    let consumer = pipeline::consume::spawn(
        cache.clone(),
        Journal::new(base.db.clone()),
        base.bus.clone(),
        base.shutdown.clone(),
    );
    let api = grpc::RecommendationApi {
        store: Arc::new(RecStore::new(cache)),
    };
    let routes = tonic::service::Routes::new(RecommendationServiceServer::new(api));
    Ok(base
        .app(ServiceName::Recommendation, routes)
        .with_task(consumer))
}
