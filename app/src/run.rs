//! The commands: run services until a shutdown signal, migrate and seed databases.
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use tokio::task::JoinSet;
use vici_kit::seed::Catalog;
use vici_kit::server::{self, ServiceApp};
use vici_kit::{Config, ServiceName};

use crate::platform::{Platform, open_database};
use crate::services;

/// Marker written once the demo shop has been loaded into a data directory.
const SEEDED_MARKER: &str = ".seeded";

pub async fn up(config: Config) -> anyhow::Result<()> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating data dir {}", config.data_dir.display()))?;
    let marker = config.data_dir.join(SEEDED_MARKER);
    let platform = Platform::open(config).await?;
    if !marker.exists() {
        seed_catalog(&platform, &ServiceName::ALL, &Catalog::demo()).await?;
        std::fs::write(&marker, b"demo\n").context("writing the seed marker")?;
    }
    run(platform, ServiceName::ALL.to_vec()).await
}

pub async fn serve(config: Config, services: Vec<ServiceName>) -> anyhow::Result<()> {
    let platform = Platform::open(config).await?;
    run(platform, services).await
}

/// Binds every port first (a taken port fails before anything starts), starts the services,
/// and serves until Ctrl-C or SIGTERM; then drains within ten seconds.
async fn run(platform: Platform, names: Vec<ServiceName>) -> anyhow::Result<()> {
    let started = Instant::now();
    let signal = server::shutdown_signal();
    let ip: IpAddr = platform.config.bind.parse().context("bind address")?;
    let mut bound = Vec::new();
    for name in dedup(names) {
        let addr = SocketAddr::new(ip, platform.config.port_of(name));
        bound.push((name, server::bind(name, addr).await?));
    }
    let mut apps: Vec<(ServiceApp, tokio::net::TcpListener)> = Vec::new();
    for (name, listener) in bound {
        let app = services::start(&platform, name)
            .await
            .with_context(|| format!("starting {name}"))?;
        platform.started(&app);
        apps.push((app, listener));
    }
    let mut running = JoinSet::new();
    for (app, listener) in apps {
        running.spawn(server::serve(app, listener, platform.shutdown.clone()));
    }
    tracing::info!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        gateway = %format!("http://localhost:{}/api", platform.config.port_of(ServiceName::Gateway)),
        "vici is up"
    );
    tokio::select! {
        _ = signal => tracing::info!("shutting down"),
        Some(ended) = running.join_next() => {
            tracing::error!(outcome = ?ended.map(|r| r.map_err(|e| format!("{e:#}"))), "a service stopped unexpectedly; shutting down");
        }
    }
    platform.shutdown.cancel();
    let drained = tokio::time::timeout(Duration::from_secs(10), async {
        while running.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!("services did not stop within 10 s; exiting anyway");
    }
    Ok(())
}

fn dedup(mut names: Vec<ServiceName>) -> Vec<ServiceName> {
    names.sort();
    names.dedup();
    names
}

fn with_databases(names: Vec<ServiceName>) -> Vec<ServiceName> {
    let names = if names.is_empty() {
        ServiceName::ALL.to_vec()
    } else {
        dedup(names)
    };
    names.into_iter().filter(|s| s.has_database()).collect()
}

pub async fn migrate(config: Config, names: Vec<ServiceName>) -> anyhow::Result<()> {
    for s in with_databases(names) {
        let db = open_database(&config, s).await?;
        db.close().await;
        println!("{s}: migrated");
    }
    Ok(())
}

pub async fn seed(
    config: Config,
    file: Option<PathBuf>,
    synthetic: Option<usize>,
) -> anyhow::Result<()> {
    let catalog = match (file, synthetic) {
        (Some(path), _) => {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            Catalog::parse(&text)
                .with_context(|| format!("{} is not a valid catalogue", path.display()))?
        }
        (None, Some(n)) => Catalog::synthetic(n),
        (None, None) => Catalog::demo(),
    };
    let platform = Platform::open(config).await?;
    seed_catalog(&platform, &ServiceName::ALL, &catalog).await
}

async fn seed_catalog(
    platform: &Platform,
    names: &[ServiceName],
    catalog: &Catalog,
) -> anyhow::Result<()> {
    for &s in names.iter().filter(|s| s.has_database()) {
        let started = Instant::now();
        let db = platform.database(s).await?;
        if let Some(summary) = services::seed(s, &db, catalog)
            .await
            .with_context(|| format!("seeding {s}"))?
        {
            tracing::info!(service = %s, elapsed_ms = started.elapsed().as_millis() as u64, "seeded: {summary}");
        }
    }
    Ok(())
}
