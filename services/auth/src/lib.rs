//! The auth service: credentials, tokens and signing keys. Its RPCs answer UNIMPLEMENTED until the identity issue builds them; the
//! service already runs, migrates its database and reports health, readiness and metrics.
use vici_kit::ServiceName;
use vici_kit::server::ServiceApp;
use vici_proto::auth::v1::auth_service_server::{AuthService, AuthServiceServer};
use vici_store::{Migration, ServiceBase};

pub const MIGRATIONS: &[Migration] = &[];

struct Auth;

impl AuthService for Auth {}

pub async fn start(base: ServiceBase) -> anyhow::Result<ServiceApp> {
    let routes = tonic::service::Routes::new(AuthServiceServer::new(Auth));
    Ok(base.app(ServiceName::Auth, routes))
}
