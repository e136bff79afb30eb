//! The notification service: email, SMS and in-app notifications. Its RPCs answer UNIMPLEMENTED until the notifications issue builds them; the
//! service already runs, migrates its database and reports health, readiness and metrics.
use vici_kit::ServiceName;
use vici_kit::server::ServiceApp;
use vici_proto::notification::v1::notification_service_server::{
    NotificationService, NotificationServiceServer,
};
use vici_store::{Migration, ServiceBase};

pub const MIGRATIONS: &[Migration] = &[];

struct Notification;

impl NotificationService for Notification {}

pub async fn start(base: ServiceBase) -> anyhow::Result<ServiceApp> {
    let routes = tonic::service::Routes::new(NotificationServiceServer::new(Notification));
    Ok(base.app(ServiceName::Notification, routes))
}
