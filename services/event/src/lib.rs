//! The event service: behaviour tracking published to Kafka. Its RPCs answer UNIMPLEMENTED until the behaviour-events issue builds them; the
//! service already runs, migrates its database and reports health, readiness and metrics.
use vici_kit::ServiceName;
use vici_kit::server::ServiceApp;
use vici_platform::Service;
use vici_proto::event::v1::event_service_server::{EventService, EventServiceServer};
use vici_store::{Migration, ServiceBase};

pub const MIGRATIONS: &[Migration] = &[];

struct Event;

impl EventService for Event {}

/// The event service's entry in the table of services.
pub fn service() -> Service {
    Service::new(ServiceName::Event, |p| {
        Box::pin(async move { start(p.base(ServiceName::Event).await?).await })
    })
    .migrations(MIGRATIONS)
}

pub async fn start(base: ServiceBase) -> anyhow::Result<ServiceApp> {
    let routes = tonic::service::Routes::new(EventServiceServer::new(Event));
    Ok(base.app(ServiceName::Event, routes))
}
