//! vici-event: behaviour tracking behind the `vici.event.v1.EventService` gRPC contract.
//!
//! Layout: `domain` holds the behaviour types, their checks and schemas and the enrichment
//! (no I/O), `store` the SQL, `service` the use cases and the writer, `grpc` the handlers.
//!
//! - An event is checked against its type, enriched (the user from the verified token only, the
//!   network cut to a prefix, a bot flag), then recorded with its id (a client's retry is found
//!   and published once) and handed to the bus before its transaction commits; what the bus
//!   does not take goes to the outbox in that transaction: the outbox is the spool that
//!   publishes it, in order per key, after a broker outage or a crash.
//! - Events of concurrent calls share one transaction (`service::writer`).
//! - A refused event is kept on `user-events.invalid` with the reason.
//! - Each session has a budget (`service::budget`); past it events are flagged, keyed apart.
//! - While the broker is away the outbox grows up to `event.spool_limit_mb`; past it behaviour
//!   events are dropped and counted (`service::spool`).
//! - Recent events stay for `event.recent_window_hours`, then a purge forgets them.
//! - The shop's numbers for the admin dashboard and analytics are a projection of order,
//!   behaviour, catalogue and stock events this service keeps (`analytics`).

pub mod analytics;
mod config;
mod domain;
mod grpc;
mod service;
mod store;

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use vici_kit::ServiceName;
use vici_kit::server::ServiceApp;
use vici_platform::{Platform, Service};
use vici_proto::event::v1::event_service_server::EventServiceServer;
use vici_store::{Db, Migration, ServiceBase, now_ms};

pub use config::EventConfig;
pub use service::INVALID_TOPIC;

/// The event service's schema, applied with `Db::migrate("event", MIGRATIONS)`.
pub const MIGRATIONS: &[Migration] = store::migrations::ALL;
/// How often events past the window are forgotten.
const PURGE_EVERY: Duration = Duration::from_secs(3_600);

/// The event service's entry in the table of services.
pub fn service() -> Service {
    Service::new(ServiceName::Event, |p| {
        Box::pin(async move { start(Deps::from_platform(&p).await?).await })
    })
    .migrations(MIGRATIONS)
    .config::<EventConfig>()
    .seed(|db, catalog| {
        Box::pin(async move {
            let filed = analytics::catalogue::seed(&db, &catalog).await?;
            Ok(format!("{filed} products filed for analytics"))
        })
    })
}

/// What the service runs on.
pub struct Deps {
    pub base: ServiceBase,
    pub config: EventConfig,
}

impl Deps {
    pub async fn from_platform(p: &Platform) -> anyhow::Result<Self> {
        Ok(Self {
            base: p.base(ServiceName::Event).await?,
            config: p.section()?,
        })
    }
}

/// Starts the outbox relay, the writer and the purge, and returns the gRPC app. Run the
/// migrations first.
pub async fn start(deps: Deps) -> anyhow::Result<ServiceApp> {
    let Deps { base, config } = deps;
    let (outbox, relay) = base.outbox();
    let (writer, writing) = service::writer::Writer::start(
        base.db.clone(),
        base.bus.clone(),
        outbox,
        base.shutdown.clone(),
    );
    let spool = service::spool::Spool::new(config.spool_limit_bytes);
    let measure = spool
        .clone()
        .measure(base.db.clone(), base.shutdown.clone());
    let service = service::Service {
        db: base.db.clone(),
        writer,
        budget: service::budget::Budget::new(config.session_rate, config.session_burst),
        spool,
    };
    let purge = spawn_purge(base.db.clone(), config, base.shutdown.clone());
    let projecting =
        analytics::consume::spawn(base.db.clone(), base.bus.clone(), base.shutdown.clone());
    let forgetting = analytics::consume::spawn_purge(base.db.clone(), base.shutdown.clone());
    let api = EventServiceServer::new(grpc::EventApi::new(Arc::new(service)));
    Ok(base
        .app(ServiceName::Event, tonic::service::Routes::new(api))
        .with_task(relay)
        .with_task(writing)
        .with_task(purge)
        .with_task(measure)
        .with_task(projecting)
        .with_task(forgetting))
}

/// Forgets the events older than the window, now and every [`PURGE_EVERY`].
fn spawn_purge(
    db: Db,
    config: EventConfig,
    shutdown: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let before = now_ms() - config.recent_window.as_millis() as i64;
            if let Err(e) = store::forget_before(&db, before).await {
                tracing::warn!(error = %e, "forgetting old behaviour events failed; will retry");
            }
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(PURGE_EVERY) => {}
            }
        }
    })
}
