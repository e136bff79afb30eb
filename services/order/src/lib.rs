//! The order service: orders and the checkout saga. Its RPCs answer UNIMPLEMENTED until the checkout issue builds them; the
//! service already runs, migrates its database and reports health, readiness and metrics.
use vici_kit::ServiceName;
use vici_kit::server::ServiceApp;
use vici_proto::order::v1::order_service_server::{OrderService, OrderServiceServer};
use vici_store::{Migration, ServiceBase};

pub const MIGRATIONS: &[Migration] = &[];

struct Order;

impl OrderService for Order {}

pub async fn start(base: ServiceBase) -> anyhow::Result<ServiceApp> {
    let routes = tonic::service::Routes::new(OrderServiceServer::new(Order));
    Ok(base.app(ServiceName::Order, routes))
}
