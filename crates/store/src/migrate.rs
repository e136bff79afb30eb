//! Per-service schema migrations, applied in order, each once, inside a transaction. The SQL is
//! written once in portable form (TEXT, BIGINT, DOUBLE PRECISION; flags as BIGINT 0/1); a migration may give a
//! PostgreSQL variant when the two dialects cannot share a statement.
use anyhow::Context as _;
use sqlx::Executor as _;

use crate::{Backend, Db};

#[derive(Clone, Copy, Debug)]
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
    pub postgres_sql: Option<&'static str>,
}

impl Migration {
    pub const fn new(version: i64, name: &'static str, sql: &'static str) -> Self {
        Self {
            version,
            name,
            sql,
            postgres_sql: None,
        }
    }
}

/// Tables every service has: the outbox and the processed-event ledger of idempotent consumers.
const PLATFORM: &[Migration] = &[
    Migration::new(
        1,
        "platform",
        "CREATE TABLE IF NOT EXISTS outbox (
        id TEXT PRIMARY KEY,
        topic TEXT NOT NULL,
        event_key TEXT NOT NULL,
        payload TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        published_at BIGINT,
        attempts BIGINT NOT NULL DEFAULT 0
     );
     CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (published_at, created_at);
     CREATE TABLE IF NOT EXISTS processed_events (
        consumer TEXT NOT NULL,
        event_id TEXT NOT NULL,
        processed_at BIGINT NOT NULL,
        PRIMARY KEY (consumer, event_id)
     );",
    ),
    // What an event carrying a secret (a mailed link's token) leaves in its row once it is
    // published: the payload with the secret redacted (`outbox::enqueue_with_secrets`).
    Migration::new(
        2,
        "outbox_kept_payload",
        "ALTER TABLE outbox ADD COLUMN kept_payload TEXT",
    ),
];

impl Db {
    /// Applies the platform tables and then `migrations` that are not applied yet.
    pub async fn migrate(&self, service: &str, migrations: &[Migration]) -> anyhow::Result<()> {
        // Replicas starting together on PostgreSQL take turns; SQLite has a single writer anyway.
        let mut lock = None;
        if self.backend() == Backend::Postgres {
            let mut conn = self.writer().acquire().await?;
            sqlx::query("SELECT pg_advisory_lock(7370113)")
                .execute(&mut *conn)
                .await?;
            lock = Some(conn);
        }
        let result = self.migrate_locked(service, migrations).await;
        if let Some(mut conn) = lock {
            sqlx::query("SELECT pg_advisory_unlock(7370113)")
                .execute(&mut *conn)
                .await?;
        }
        result
    }

    async fn migrate_locked(&self, service: &str, migrations: &[Migration]) -> anyhow::Result<()> {
        self.writer()
            .execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (
                    scope TEXT NOT NULL, version BIGINT NOT NULL, name TEXT NOT NULL,
                    applied_at BIGINT NOT NULL, PRIMARY KEY (scope, version))",
            )
            .await
            .context("creating schema_migrations")?;
        self.apply("platform", PLATFORM).await?;
        self.apply(service, migrations).await
    }

    async fn apply(&self, scope: &str, migrations: &[Migration]) -> anyhow::Result<()> {
        let mut versions: Vec<i64> = migrations.iter().map(|m| m.version).collect();
        versions.sort_unstable();
        versions.dedup();
        anyhow::ensure!(
            versions.len() == migrations.len(),
            "{scope}: duplicate migration versions"
        );
        for m in migrations {
            let mut tx = self.begin().await?;
            let done: Option<i64> = sqlx::query_scalar(
                "SELECT version FROM schema_migrations WHERE scope = $1 AND version = $2",
            )
            .bind(scope)
            .bind(m.version)
            .fetch_optional(&mut *tx)
            .await?;
            if done.is_some() {
                continue;
            }
            let sql = match (self.backend(), m.postgres_sql) {
                (Backend::Postgres, Some(pg)) => pg,
                _ => m.sql,
            };
            sqlx::raw_sql(sql)
                .execute(&mut *tx)
                .await
                .with_context(|| format!("{scope}: migration {} ({})", m.version, m.name))?;
            sqlx::query("INSERT INTO schema_migrations (scope, version, name, applied_at) VALUES ($1, $2, $3, $4)")
                .bind(scope)
                .bind(m.version)
                .bind(m.name)
                .bind(crate::now_ms())
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            tracing::debug!(
                scope,
                version = m.version,
                name = m.name,
                "migration applied"
            );
        }
        Ok(())
    }
}
