//! The recommendation service: recommendations served from the key schema shared with the ML team. Its RPCs answer UNIMPLEMENTED until the recommendations issue builds them; the
//! service already runs, migrates its database and reports health, readiness and metrics.
pub mod pipeline;
pub mod store;

use vici_kit::ServiceName;
use vici_kit::server::ServiceApp;
use vici_platform::Service;
use vici_proto::recommendation::v1::recommendation_service_server::{
    RecommendationService, RecommendationServiceServer,
};
use vici_store::{Migration, ServiceBase};

pub const MIGRATIONS: &[Migration] = &[];

struct Recommendation;

impl RecommendationService for Recommendation {}

/// The recommendation service's entry in the table of services.
pub fn service() -> Service {
    Service::new(ServiceName::Recommendation, |p| {
        Box::pin(async move { start(p.base(ServiceName::Recommendation).await?).await })
    })
    .migrations(MIGRATIONS)
}

pub async fn start(base: ServiceBase) -> anyhow::Result<ServiceApp> {
    let routes = tonic::service::Routes::new(RecommendationServiceServer::new(Recommendation));
    Ok(base.app(ServiceName::Recommendation, routes))
}
