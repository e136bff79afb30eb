//! The notification service: email, SMS and in-app notifications (docs/notifications.md). The
//! messages' templates are built (`message`); its RPCs answer UNIMPLEMENTED until the channels
//! and the delivery log are. The service already runs, migrates its database and reports
//! health, readiness and metrics.
pub mod message;

use vici_kit::ServiceName;
use vici_kit::server::ServiceApp;
use vici_platform::Service;
use vici_proto::notification::v1::notification_service_server::{
    NotificationService, NotificationServiceServer,
};
use vici_store::{Migration, ServiceBase};

pub const MIGRATIONS: &[Migration] = &[];

struct Notification;

impl NotificationService for Notification {}

/// The notification service's entry in the table of services.
pub fn service() -> Service {
    Service::new(ServiceName::Notification, |p| {
        Box::pin(async move { start(p.base(ServiceName::Notification).await?).await })
    })
    .migrations(MIGRATIONS)
}

pub async fn start(base: ServiceBase) -> anyhow::Result<ServiceApp> {
    let routes = tonic::service::Routes::new(NotificationServiceServer::new(Notification));
    Ok(base.app(ServiceName::Notification, routes))
}
