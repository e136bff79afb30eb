//! The payment service: payment intents, charges and refunds. Its RPCs answer UNIMPLEMENTED until the checkout issue builds them; the
//! service already runs, migrates its database and reports health, readiness and metrics.
use vici_kit::ServiceName;
use vici_kit::server::ServiceApp;
use vici_proto::payment::v1::payment_service_server::{PaymentService, PaymentServiceServer};
use vici_store::{Migration, ServiceBase};

pub const MIGRATIONS: &[Migration] = &[];

struct Payment;

impl PaymentService for Payment {}

pub async fn start(base: ServiceBase) -> anyhow::Result<ServiceApp> {
    let routes = tonic::service::Routes::new(PaymentServiceServer::new(Payment));
    Ok(base.app(ServiceName::Payment, routes))
}
