//! Connection pools: SQLite files (WAL, one serialised writer so concurrent writers queue instead
//! of failing with SQLITE_BUSY, WAL checkpoints in the background) or PostgreSQL (created on
//! first use), behind one `Db`.
use std::str::FromStr;
use std::sync::{Arc, Weak};
use std::time::Duration;

use anyhow::Context as _;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, ConnectOptions, Connection as _, Executor as _, Row as _};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A service's database. `reader()` serves queries; `writer()` serves transactions that change
/// data. On PostgreSQL both are the same pool; on SQLite the writer has a single connection.
#[derive(Clone)]
pub struct Db {
    reader: AnyPool,
    writer: AnyPool,
    backend: Backend,
    /// While any clone lives, the SQLite checkpoint task runs.
    _alive: Arc<()>,
}

/// Every SQLite connection's settings: WAL (readers never wait for the writer), commits without
/// fsync (a crash of the machine may lose the last commits, never corrupt the file).
const PRAGMAS: &str = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000; \
    PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;";
/// Each connection's own page cache, in KiB, by role. The file's pages stay in the operating
/// system's cache whatever these say; a connection's cache only saves copying them in. A
/// service holds a writer, several readers and a checkpointer, and `vici up` runs ten services
/// with databases in one process, so the size multiplies by about sixty: at 16 MB each the
/// process grew with its databases towards a gigabyte (docs/performance.md, memory). The writer
/// keeps more, for the indexes every write walks.
const WRITER_CACHE_KIB: u32 = 8_000;
const READER_CACHE_KIB: u32 = 2_000;
const CHECKPOINTER_CACHE_KIB: u32 = 256;
/// How often a SQLite database's WAL is copied back into the database file, off the writer,
/// while it is written to: often, so each copy is short and the writer's own checkpoint (which
/// holds up every write of the service) rarely comes due. Measured with the checkout benchmark
/// (bench/RESULTS.md): at 500 ms the confirm's p99 was ~115 ms, at 50–100 ms ~75–90 ms.
const CHECKPOINT_BUSY: Duration = Duration::from_millis(50);
/// The pause between checkpoints grows to this while nothing is written.
const CHECKPOINT_IDLE: Duration = Duration::from_secs(1);
/// WAL pages (4 KiB) past which the writer checkpoints in its own commit after all: the safety
/// net should the background task fall behind. SQLite's default is 1 000.
const WRITER_CHECKPOINT_PAGES: u32 = 16_000;

/// A PostgreSQL connection idle longer than this is pinged before it is handed out.
const PING_AFTER_IDLE: Duration = Duration::from_secs(5);

impl Db {
    /// Connects to `url` (`sqlite://path` or `postgres://…`), creating the SQLite file or the
    /// PostgreSQL database when missing.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        if let Some(path) = url.strip_prefix("sqlite://") {
            Self::connect_sqlite(path).await
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Self::connect_postgres(url).await
        } else {
            anyhow::bail!(
                "unsupported database URL scheme in `{}`",
                vici_kit::config::mask_url(url)
            )
        }
    }

    async fn connect_sqlite(path: &str) -> anyhow::Result<Self> {
        let path = path.split('?').next().unwrap_or(path);
        if path != ":memory:"
            && let Some(dir) = std::path::Path::new(path)
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let url = format!("sqlite://{path}?mode=rwc");
        let opts = AnyConnectOptions::from_str(&url)?.disable_statement_logging();
        let pool = |max: u32, pragmas: String| {
            AnyPoolOptions::new()
                .max_connections(max)
                .min_connections(1)
                .acquire_timeout(Duration::from_secs(10))
                // A file cannot drop the connection: the ping sqlx sends on every acquire by
                // default would only cost a round trip to the connection's thread.
                .test_before_acquire(false)
                .after_connect(move |conn, _| {
                    let pragmas = pragmas.clone();
                    Box::pin(async move {
                        conn.execute(pragmas.as_str()).await?;
                        Ok(())
                    })
                })
        };
        // The writer leaves checkpoints to the background task: a checkpoint in its commit
        // (SQLite's default, every ~4 MiB of WAL) holds every queued write of the service
        // through the checkpoint's fsyncs.
        let writer_pragmas = format!(
            "{PRAGMAS} PRAGMA cache_size=-{WRITER_CACHE_KIB}; \
             PRAGMA wal_autocheckpoint={WRITER_CHECKPOINT_PAGES};"
        );
        let writer = pool(1, writer_pragmas)
            .connect_with(opts.clone())
            .await
            .with_context(|| format!("opening SQLite database {path}"))?;
        let readers = std::thread::available_parallelism()
            .map_or(4, |n| n.get() as u32 * 2)
            .max(4);
        let reader = pool(
            readers,
            format!("{PRAGMAS} PRAGMA cache_size=-{READER_CACHE_KIB};"),
        )
        .connect_with(opts.clone())
        .await
        .with_context(|| format!("opening SQLite database {path}"))?;
        let alive = Arc::new(());
        if path != ":memory:" {
            let mut checkpointer = AnyConnection::connect_with(&opts)
                .await
                .with_context(|| format!("opening SQLite database {path}"))?;
            let pragmas = format!("{PRAGMAS} PRAGMA cache_size=-{CHECKPOINTER_CACHE_KIB};");
            checkpointer.execute(pragmas.as_str()).await?;
            spawn_checkpoints(checkpointer, Arc::downgrade(&alive));
        }
        Ok(Self {
            reader,
            writer,
            backend: Backend::Sqlite,
            _alive: alive,
        })
    }

    async fn connect_postgres(url: &str) -> anyhow::Result<Self> {
        ensure_postgres_database(url).await?;
        let opts = AnyConnectOptions::from_str(url)?.disable_statement_logging();
        // Eleven services share one server (100 connections by default): a burst may open up to
        // 10 per service, and idle ones are closed after a minute so bursts do not pile up.
        let pool = AnyPoolOptions::new()
            .max_connections(10)
            .idle_timeout(Duration::from_secs(60))
            .acquire_timeout(Duration::from_secs(10))
            // sqlx pings every connection it hands out by default: a round trip per acquire,
            // a fifth of a checkout's. A connection in use moments ago is alive; one idle
            // longer (a restarted server, a dropped link) is still checked before use.
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for > PING_AFTER_IDLE {
                        conn.ping().await?;
                    }
                    Ok(true)
                })
            })
            .connect_with(opts)
            .await
            .with_context(|| format!("connecting to {}", vici_kit::config::mask_url(url)))?;
        Ok(Self {
            reader: pool.clone(),
            writer: pool,
            backend: Backend::Postgres,
            _alive: Arc::new(()),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn reader(&self) -> &AnyPool {
        &self.reader
    }

    pub fn writer(&self) -> &AnyPool {
        &self.writer
    }

    /// Starts a write transaction.
    pub async fn begin(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        self.writer.begin().await
    }

    pub async fn close(&self) {
        self.writer.close().await;
        self.reader.close().await;
    }
}

/// Copies the WAL back into the database file (PASSIVE: it never blocks the writer nor waits
/// for readers) every [`CHECKPOINT_BUSY`] while the WAL grows, backing off to
/// [`CHECKPOINT_IDLE`] when it does not, until the last clone of the `Db` is gone. SQLite
/// statements run on the calling thread (vendor/README.md) and a checkpoint syncs files to disk,
/// so it runs on a blocking thread with a connection of its own.
fn spawn_checkpoints(mut conn: AnyConnection, alive: Weak<()>) {
    tokio::spawn(async move {
        let mut pause = CHECKPOINT_BUSY;
        // (frames in the WAL, frames copied) after the last checkpoint.
        let mut last = (-1, -1);
        loop {
            tokio::time::sleep(pause).await;
            if alive.strong_count() == 0 {
                break;
            }
            let runtime = tokio::runtime::Handle::current();
            let checkpoint = tokio::task::spawn_blocking(move || {
                let done = runtime
                    .block_on(sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").fetch_one(&mut conn));
                (conn, done)
            });
            let Ok((back, done)) = checkpoint.await else {
                return; // The runtime is shutting down.
            };
            conn = back;
            let frames = done.and_then(|row| Ok((row.try_get::<i64, _>(1)?, row.try_get(2)?)));
            match frames {
                Ok(now) if now == last => pause = (pause * 2).min(CHECKPOINT_IDLE),
                Ok(now) => (last, pause) = (now, CHECKPOINT_BUSY),
                Err(e) => {
                    tracing::debug!(error = %e, "WAL checkpoint failed; the next one retries")
                }
            }
        }
        conn.close().await.ok();
    });
}

/// Creates the database named in a PostgreSQL URL when it does not exist, so `vici serve` can
/// start against a bare server. Two processes racing to create it are both fine.
async fn ensure_postgres_database(url: &str) -> anyhow::Result<()> {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let (server, name) = base
        .rsplit_once('/')
        .filter(|(s, n)| s.contains("://") && !s.ends_with('/') && !n.is_empty())
        .ok_or_else(|| {
            anyhow::anyhow!(
                "database URL must name a database: {}",
                vici_kit::config::mask_url(url)
            )
        })?;
    anyhow::ensure!(
        name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'),
        "database name `{name}` may only contain letters, digits and underscores"
    );
    let admin_url = format!(
        "{server}/postgres{}",
        query.map(|q| format!("?{q}")).unwrap_or_default()
    );
    let mut conn = sqlx::AnyConnection::connect(&admin_url)
        .await
        .with_context(|| format!("connecting to {}", vici_kit::config::mask_url(&admin_url)))?;
    let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(name)
        .fetch_optional(&mut conn)
        .await?;
    if exists.is_none()
        && let Err(e) = conn
            .execute(format!("CREATE DATABASE \"{name}\"").as_str())
            .await
    {
        let raced = e
            .as_database_error()
            .and_then(|d| d.code())
            .is_some_and(|c| c == "42P04" || c == "23505");
        if !raced {
            return Err(e).with_context(|| format!("creating database {name}"));
        }
    }
    conn.close().await.ok();
    Ok(())
}

/// Readiness check for a database.
pub struct DbReady(pub Db);

#[async_trait::async_trait]
impl vici_kit::server::ReadyCheck for DbReady {
    fn name(&self) -> &'static str {
        "database"
    }
    async fn check(&self) -> anyhow::Result<()> {
        sqlx::query("SELECT 1").execute(self.0.reader()).await?;
        Ok(())
    }
}
