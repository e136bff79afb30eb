//! [`Service`]: one service's entry in the table of services — its name, migrations,
//! configuration section, share of the seed catalogue and how it starts on a [`Platform`].
use std::sync::Arc;

use futures::future::LocalBoxFuture;
use vici_catalog::Catalog;
use vici_kit::ServiceName;
use vici_kit::config::{ConfigError, Key, Section, Settings};
use vici_kit::server::ServiceApp;
use vici_store::{Db, Migration};

use crate::Platform;

// Both take what they use by value and need not be `Send` (they are awaited, never spawned):
// rustc cannot prove `Send` for every lifetime of sqlx's migration futures.

/// Starts a service on a platform.
pub type StartFn = fn(Arc<Platform>) -> LocalBoxFuture<'static, anyhow::Result<ServiceApp>>;
/// Loads a service's share of a catalogue into its database; a summary for the log.
pub type SeedFn = fn(Db, Arc<Catalog>) -> LocalBoxFuture<'static, anyhow::Result<String>>;

#[derive(Clone, Copy)]
pub struct Service {
    pub name: ServiceName,
    pub migrations: &'static [Migration],
    /// The keys of the service's configuration section.
    pub config_keys: &'static [Key],
    check_config: fn(&Settings) -> Result<(), ConfigError>,
    seed: Option<SeedFn>,
    start: StartFn,
}

fn no_section(_: &Settings) -> Result<(), ConfigError> {
    Ok(())
}

fn parses<T: Section>(settings: &Settings) -> Result<(), ConfigError> {
    T::parse(settings).map(drop)
}

impl Service {
    pub fn new(name: ServiceName, start: StartFn) -> Self {
        Self {
            name,
            migrations: &[],
            config_keys: &[],
            check_config: no_section,
            seed: None,
            start,
        }
    }

    pub fn migrations(self, migrations: &'static [Migration]) -> Self {
        Self { migrations, ..self }
    }

    /// The service reads its settings as `T`.
    pub fn config<T: Section>(self) -> Self {
        Self {
            config_keys: T::KEYS,
            check_config: parses::<T>,
            ..self
        }
    }

    pub fn seed(self, seed: SeedFn) -> Self {
        Self {
            seed: Some(seed),
            ..self
        }
    }

    /// Whether the service's section of `settings` is valid (checked before anything starts).
    pub fn check_config(&self, settings: &Settings) -> Result<(), ConfigError> {
        (self.check_config)(settings)
    }

    /// Seeds the service's share of `catalog`, if it keeps one; a summary for the log.
    pub async fn seed_catalog(
        &self,
        db: &Db,
        catalog: &Arc<Catalog>,
    ) -> anyhow::Result<Option<String>> {
        match self.seed {
            Some(seed) => seed(db.clone(), catalog.clone()).await.map(Some),
            None => Ok(None),
        }
    }

    pub async fn start(&self, platform: &Arc<Platform>) -> anyhow::Result<ServiceApp> {
        (self.start)(platform.clone()).await
    }
}
