//! The outside engines a process shares between the services it runs: the bus, the cache, the
//! blob store, and per-service databases, each embedded or real according to configuration.
use std::sync::Arc;

use anyhow::Context as _;
use tokio_util::sync::CancellationToken;
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

    /// A lazily connected gRPC channel to `service`.
    pub fn channel(&self, service: ServiceName) -> anyhow::Result<vici_kit::grpc::Channel> {
        vici_kit::grpc::channel(
            &self.config.service_url(service),
            self.config.gateway.timeout,
        )
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
