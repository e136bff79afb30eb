//! The cart service: shopping carts and coupons. Its RPCs answer UNIMPLEMENTED until the inventory-and-cart issue builds them; the
//! service already runs, migrates its database and reports health, readiness and metrics.
use vici_kit::ServiceName;
use vici_kit::server::ServiceApp;
use vici_proto::cart::v1::cart_service_server::{CartService, CartServiceServer};
use vici_store::{Migration, ServiceBase};

pub const MIGRATIONS: &[Migration] = &[];

struct Cart;

impl CartService for Cart {}

pub async fn start(base: ServiceBase) -> anyhow::Result<ServiceApp> {
    let routes = tonic::service::Routes::new(CartServiceServer::new(Cart));
    Ok(base.app(ServiceName::Cart, routes))
}
