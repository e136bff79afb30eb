//! The commands: run services until a shutdown signal, migrate and seed databases.
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use tokio::task::JoinSet;
use vici_catalog::Catalog;
use vici_kit::server::{self, ServiceApp};
use vici_kit::{Config, ServiceName};
use vici_platform::{Platform, Service};

use crate::services;

/// Marker written once the demo shop has been loaded into a data directory.
const SEEDED_MARKER: &str = ".seeded";

pub async fn up(config: Config) -> anyhow::Result<()> {
    private_data_dir(&config)?;
    let marker = config.data_dir.join(SEEDED_MARKER);
    let all = services::all();
    let platform = Arc::new(Platform::open(config, &all).await?);
    if !marker.exists() {
        seed_catalog(&platform, &all, Catalog::demo()).await?;
        std::fs::write(&marker, b"demo\n").context("writing the seed marker")?;
    }
    run(platform, &all).await
}

/// Creates the data dir when missing and makes it its user's alone (one made by an earlier
/// version may be open to others, and it holds databases and keys).
fn private_data_dir(config: &Config) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = &config.data_dir;
    std::fs::create_dir_all(dir).with_context(|| format!("creating data dir {}", dir.display()))?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
        .with_context(|| format!("making data dir {} private", dir.display()))
}

pub async fn serve(config: Config, names: Vec<ServiceName>) -> anyhow::Result<()> {
    // Services in other processes accept only calls signed with the shared key.
    let alone = names.len() < ServiceName::ALL.len();
    anyhow::ensure!(
        !alone || !config.service_keys.is_empty(),
        "VICI_SERVICE_KEYS must be set when services run in separate processes \
         (one shared secret of at least 32 characters; docs/runbook.md)"
    );
    private_data_dir(&config)?;
    let chosen = services::named(&names);
    let platform = Arc::new(Platform::open(config, &chosen).await?);
    run(platform, &chosen).await
}

/// Binds every port first (a taken port fails before anything starts), starts the services,
/// and serves until Ctrl-C or SIGTERM; then drains within ten seconds.
async fn run(platform: Arc<Platform>, chosen: &[Service]) -> anyhow::Result<()> {
    let started = Instant::now();
    let signal = server::shutdown_signal();
    let ip: IpAddr = platform.config.bind.parse().context("bind address")?;
    let mut bound = Vec::new();
    for service in chosen {
        let addr = SocketAddr::new(ip, platform.config.port_of(service.name));
        bound.push((service, server::bind(service.name, addr).await?));
    }
    let metrics = match platform.config.metrics_address {
        Some(addr) => Some(
            tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("cannot serve /metrics on {addr}"))?,
        ),
        None => None,
    };
    let mut apps: Vec<(ServiceApp, tokio::net::TcpListener)> = Vec::new();
    for (service, listener) in bound {
        let mut app = service
            .start(&platform)
            .await
            .with_context(|| format!("starting {}", service.name))?;
        platform.started(&app);
        if metrics.is_some() {
            app = app.metrics_elsewhere();
        }
        apps.push((app, listener));
    }
    let mut running = JoinSet::new();
    if let Some(listener) = metrics {
        let limits = platform.config.connection_limits;
        running.spawn(server::serve_metrics(
            listener,
            limits,
            platform.shutdown.clone(),
        ));
    }
    for (app, listener) in apps {
        let limits = platform.config.connection_limits;
        running.spawn(server::serve(
            app,
            listener,
            limits,
            platform.shutdown.clone(),
        ));
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

/// The named services that keep a database (all of them when none is named).
fn with_databases(names: &[ServiceName]) -> Vec<Service> {
    let chosen = if names.is_empty() {
        services::all().to_vec()
    } else {
        services::named(names)
    };
    chosen
        .into_iter()
        .filter(|s| s.name.has_database())
        .collect()
}

pub async fn migrate(config: Config, names: Vec<ServiceName>) -> anyhow::Result<()> {
    for s in with_databases(&names) {
        let db = vici_platform::open_database(&config, s.name, s.migrations).await?;
        db.close().await;
        println!("{}: migrated", s.name);
    }
    Ok(())
}

pub async fn seed(
    config: Config,
    file: Option<PathBuf>,
    synthetic: Option<usize>,
    history: crate::history::HistoryArgs,
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
    let all = services::all();
    let platform = Platform::open(config, &all).await?;
    let wares = crate::history::wares(&catalog);
    seed_catalog(&platform, &all, catalog).await?;
    history.generate(&platform, &wares).await
}

async fn seed_catalog(
    platform: &Platform,
    services: &[Service],
    catalog: Catalog,
) -> anyhow::Result<()> {
    let catalog = Arc::new(catalog);
    for s in services.iter().filter(|s| s.name.has_database()) {
        let started = Instant::now();
        let db = platform.database(s.name).await?;
        if let Some(summary) = s
            .seed_catalog(&db, &catalog)
            .await
            .with_context(|| format!("seeding {}", s.name))?
        {
            tracing::info!(service = %s.name, elapsed_ms = started.elapsed().as_millis() as u64, "seeded: {summary}");
        }
    }
    Ok(())
}
