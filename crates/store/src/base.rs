//! What every database-backed service starts from: its database, the bus, the shutdown signal,
//! and the standard assembly of readiness checks and the outbox relay around its gRPC routes.
use std::sync::Arc;

use tokio_util::sync::CancellationToken;
use vici_bus::SharedBus;
use vici_kit::ServiceName;
use vici_kit::server::ServiceApp;

use crate::Db;
use crate::outbox::Outbox;

#[derive(Clone)]
pub struct ServiceBase {
    pub db: Db,
    pub bus: SharedBus,
    pub shutdown: CancellationToken,
}

impl ServiceBase {
    /// Starts the outbox relay; returns its handle and the task to hand to [`ServiceApp`].
    pub fn outbox(&self) -> (Outbox, tokio::task::JoinHandle<()>) {
        Outbox::start(self.db.clone(), self.bus.clone(), self.shutdown.clone())
    }

    /// `routes` served with readiness on the database and the bus.
    pub fn app(&self, name: ServiceName, routes: tonic::service::Routes) -> ServiceApp {
        ServiceApp::grpc(name, routes)
            .with_check(Arc::new(crate::db::DbReady(self.db.clone())))
            .with_check(Arc::new(vici_bus::BusReady(self.bus.clone())))
    }
}
