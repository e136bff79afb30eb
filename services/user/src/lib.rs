//! The user service: profiles, addresses, preferences and wishlists. Its RPCs answer UNIMPLEMENTED until the identity issue builds them; the
//! service already runs, migrates its database and reports health, readiness and metrics.
use vici_kit::ServiceName;
use vici_kit::server::ServiceApp;
use vici_proto::user::v1::user_service_server::{UserService, UserServiceServer};
use vici_store::{Migration, ServiceBase};

pub const MIGRATIONS: &[Migration] = &[];

struct User;

impl UserService for User {}

pub async fn start(base: ServiceBase) -> anyhow::Result<ServiceApp> {
    let routes = tonic::service::Routes::new(UserServiceServer::new(User));
    Ok(base.app(ServiceName::User, routes))
}
