//! The outside engines a process shares between the services it runs: the bus, the cache, the
//! blob store, and per-service databases, each embedded or real according to configuration.
use std::sync::Arc;

use anyhow::Context as _;
use tokio_util::sync::CancellationToken;
use vici_kit::grpc::{self, Channel, LocalService};
use vici_kit::server::ServiceApp;
use vici_kit::{Config, ServiceName};
use vici_store::{Db, ServiceBase};

pub struct Platform {
    pub config: Arc<Config>,
    /// Databases opened so far, so seeding and serving share one pool per service.
    databases: tokio::sync::Mutex<std::collections::HashMap<ServiceName, Db>>,
    pub bus: vici_bus::SharedBus,
    pub cache: vici_cache::SharedCache,
    pub blob: vici_blob::SharedBlob,
    pub shutdown: CancellationToken,
    /// Every service's in-process handle: the ones this process starts are called in place.
    local: std::collections::HashMap<ServiceName, LocalService>,
}

impl Platform {
    pub async fn open(config: Config) -> anyhow::Result<Self> {
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
        let db = open_database(&self.config, service).await?;
        open.insert(service, db.clone());
        Ok(db)
    }

    pub async fn base(&self, service: ServiceName) -> anyhow::Result<ServiceBase> {
        Ok(ServiceBase {
            db: self.database(service).await?,
            bus: self.bus.clone(),
            shutdown: self.shutdown.clone(),
        })
    }

    /// A gRPC channel to `service`: in place once this process has started it, otherwise
    /// lazily connected to its URL.
    pub fn channel(&self, service: ServiceName) -> anyhow::Result<Channel> {
        self.channel_with_timeout(service, self.config.gateway.timeout)
    }

    pub fn channel_with_timeout(
        &self,
        service: ServiceName,
        timeout: std::time::Duration,
    ) -> anyhow::Result<Channel> {
        let url = self.config.service_url(service);
        grpc::local_channel(&url, timeout, self.local[&service].clone())
    }

    /// Calls from this process to `app`'s service go to it in place from now on.
    pub fn started(&self, app: &ServiceApp) {
        self.local[&app.name].start(app.local_routes());
    }
}

pub async fn open_database(config: &Config, service: ServiceName) -> anyhow::Result<Db> {
    let url = config.database_url_for(service);
    let db = Db::connect(&url)
        .await
        .with_context(|| format!("{service}: opening its database"))?;
    db.migrate(service.as_str(), crate::services::migrations(service))
        .await
        .with_context(|| format!("{service}: migrating its database"))?;
    Ok(db)
}
