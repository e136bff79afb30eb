//! What services run on in one process — the bus, the cache, the blob store, a database per
//! service, channels to the other services, the configuration — and [`Service`], the entry each
//! service crate hands to the `vici` binary and to the test kit, so both start a service the
//! same way.
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use tokio_util::sync::CancellationToken;
use vici_kit::config::Section;
use vici_kit::grpc::{self, Channel, LocalService};
use vici_kit::server::ServiceApp;
use vici_kit::{Config, ServiceName};
use vici_store::{Db, Migration, ServiceBase};

mod clients;
mod service;

pub use clients::Client;
pub use service::{SeedFn, Service, StartFn};

pub struct Platform {
    pub config: Arc<Config>,
    /// Databases opened so far, so seeding and serving share one pool per service.
    databases: tokio::sync::Mutex<HashMap<ServiceName, Db>>,
    migrations: HashMap<ServiceName, &'static [Migration]>,
    pub bus: vici_bus::SharedBus,
    pub cache: vici_cache::SharedCache,
    pub blob: vici_blob::SharedBlob,
    pub shutdown: CancellationToken,
    /// Every service's in-process handle: the ones this process starts are called in place.
    local: HashMap<ServiceName, LocalService>,
}

impl Platform {
    /// Opens the engines `config` names; `services` say how each database is migrated.
    pub async fn open(config: Config, services: &[Service]) -> anyhow::Result<Self> {
        let caller = match services {
            [one] => one.name.as_str(),
            _ => "vici",
        };
        vici_kit::service_auth::install(&config.service_keys, caller);
        let bus = vici_bus::open(config.bus_url.as_deref(), config.bus_partitions)
            .await
            .context("opening the bus (bus_url)")?;
        bus.ensure_topics(vici_bus::topics::ALL)
            .await
            .context("creating topics")?;
        let cache = vici_cache::open(config.cache_url.as_deref())
            .await
            .context("opening the cache (cache_url)")?;
        let blob = vici_blob::open(config.blob_url.as_deref(), &config.data_dir.join("blobs"))
            .await
            .context("opening the blob store (blob_url)")?;
        Ok(Self {
            config: Arc::new(config),
            databases: Default::default(),
            migrations: services.iter().map(|s| (s.name, s.migrations)).collect(),
            bus,
            cache,
            blob,
            shutdown: CancellationToken::new(),
            local: ServiceName::ALL
                .into_iter()
                .map(|s| (s, LocalService::default()))
                .collect(),
        })
    }

    /// Connects to `service`'s database (creating it when missing) and migrates it.
    pub async fn database(&self, service: ServiceName) -> anyhow::Result<Db> {
        let mut open = self.databases.lock().await;
        if let Some(db) = open.get(&service) {
            return Ok(db.clone());
        }
        let migrations = self
            .migrations
            .get(&service)
            .with_context(|| format!("{service} is not a service of this process"))?;
        let db = open_database(&self.config, service, migrations).await?;
        open.insert(service, db.clone());
        Ok(db)
    }

    /// The databases opened so far.
    pub async fn databases(&self) -> Vec<(ServiceName, Db)> {
        let open = self.databases.lock().await;
        open.iter().map(|(s, db)| (*s, db.clone())).collect()
    }

    /// What a database-backed service starts from: its database, the bus, the shutdown signal.
    pub async fn base(&self, service: ServiceName) -> anyhow::Result<ServiceBase> {
        Ok(ServiceBase {
            db: self.database(service).await?,
            bus: self.bus.clone(),
            shutdown: self.shutdown.clone(),
        })
    }

    /// A service's section of the configuration.
    pub fn section<T: Section>(&self) -> anyhow::Result<T> {
        Ok(self.config.section()?)
    }

    /// A gRPC channel to `service`: in place once this process has started it, otherwise
    /// lazily connected to its URL; each call is bounded by the configured call timeout.
    pub fn channel(&self, service: ServiceName) -> anyhow::Result<Channel> {
        self.channel_with_timeout(service, self.config.call_timeout)
    }

    pub fn channel_with_timeout(
        &self,
        service: ServiceName,
        timeout: Duration,
    ) -> anyhow::Result<Channel> {
        let url = self.config.service_url(service);
        grpc::local_channel(&url, timeout, self.local[&service].clone())
    }

    /// A typed client of the service `C` talks to, over [`Platform::channel`].
    pub fn client<C: Client>(&self) -> anyhow::Result<C> {
        Ok(C::over(self.channel(C::SERVICE)?))
    }

    /// Calls from this process to `app`'s service go to it in place from now on.
    pub fn started(&self, app: &ServiceApp) {
        self.local[&app.name].start(app.local_routes(), app.typed_api());
    }

    /// `service` as this process may call it in place once started (see
    /// [`LocalService::typed`]).
    pub fn local(&self, service: ServiceName) -> LocalService {
        self.local[&service].clone()
    }
}

/// Connects to `service`'s database as configured (creating it when missing) and migrates it.
pub async fn open_database(
    config: &Config,
    service: ServiceName,
    migrations: &[Migration],
) -> anyhow::Result<Db> {
    let url = config.database_url_for(service);
    let db = Db::connect(&url)
        .await
        .with_context(|| format!("{service}: opening its database"))?;
    db.migrate(service.as_str(), migrations)
        .await
        .with_context(|| format!("{service}: migrating its database"))?;
    Ok(db)
}
