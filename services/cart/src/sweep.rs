//! Idle carts: a cart with lines and no mutation for `abandon_after` is announced once as
//! `cart.abandoned` (the next mutation re-arms it); a cart with no mutation for `expire_after`
//! is deleted with its lines. Reads never count as activity. Each cart is handled in its own
//! short transaction that re-checks it is still idle, so a shopper acting meanwhile wins.
use std::time::Duration;

use crate::config::CartConfig;
use tokio::task::JoinHandle;
use vici_kit::Result;
use vici_kit::server::Shutdown;
use vici_store::error::SqlxResultExt as _;
use vici_store::outbox::Outbox;
use vici_store::{Db, now_ms};

use crate::events;
use crate::store::carts;

/// Carts handled per query.
const BATCH: i64 = 200;

/// What one sweep did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SweepReport {
    pub abandoned: u64,
    pub purged: u64,
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Purges expired carts, then announces abandoned ones, as of `now_ms`.
pub async fn sweep(db: &Db, config: &CartConfig, now_ms: i64) -> Result<SweepReport> {
    let purged = purge(db, now_ms.saturating_sub(ms(config.expire_after))).await?;
    let abandoned = announce(db, now_ms.saturating_sub(ms(config.abandon_after)), now_ms).await?;
    Ok(SweepReport { abandoned, purged })
}

async fn purge(db: &Db, idle_since: i64) -> Result<u64> {
    let mut purged = 0;
    loop {
        let reader = db.reader().acquire().await;
        let mut conn = reader.db_err("taking a read connection to list expired carts")?;
        let ids = carts::expired(&mut conn, idle_since, BATCH).await?;
        // Back to the pool before the writes: on PostgreSQL readers and writers share it.
        drop(conn);
        let before = purged;
        for id in &ids {
            let mut tx = db
                .begin()
                .await
                .db_err("starting the purge of an expired cart")?;
            if carts::delete_if_idle(&mut tx, id, idle_since).await? {
                purged += 1;
            }
            tx.commit()
                .await
                .db_err("committing the purge of an expired cart")?;
        }
        if (ids.len() as i64) < BATCH || purged == before {
            return Ok(purged);
        }
    }
}

async fn announce(db: &Db, idle_since: i64, now: i64) -> Result<u64> {
    let mut announced = 0;
    loop {
        let reader = db.reader().acquire().await;
        let mut conn = reader.db_err("taking a read connection to list abandoned carts")?;
        let idle = carts::abandoned(&mut conn, idle_since, BATCH).await?;
        // Back to the pool before the writes: on PostgreSQL readers and writers share it.
        drop(conn);
        let before = announced;
        for cart in &idle {
            let mut tx = db
                .begin()
                .await
                .db_err("starting the announcement of an abandoned cart")?;
            if carts::mark_abandoned(&mut tx, cart, now).await? {
                let lines = carts::lines(&mut tx, &cart.id).await?;
                let event = events::abandoned(&cart.user_id, &lines);
                vici_store::outbox::enqueue_to_all(
                    &mut tx,
                    events::ABANDONED_TOPICS,
                    &cart.user_id,
                    &event,
                )
                .await
                .db_err("queueing a cart.abandoned event")?;
                announced += 1;
            }
            tx.commit()
                .await
                .db_err("committing the announcement of an abandoned cart")?;
        }
        if (idle.len() as i64) < BATCH || announced == before {
            return Ok(announced);
        }
    }
}

/// Runs [`sweep`] every `sweep_interval` until `shutdown`; a failed sweep is logged and retried
/// at the next tick.
pub fn spawn(db: Db, config: CartConfig, outbox: Outbox, shutdown: Shutdown) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = tokio::time::sleep(config.sweep_interval) => {}
            }
            match sweep(&db, &config, now_ms()).await {
                Ok(report) => {
                    if report.abandoned > 0 {
                        outbox.wake();
                    }
                    if report != SweepReport::default() {
                        tracing::info!(
                            abandoned = report.abandoned,
                            purged = report.purged,
                            "cart sweep"
                        );
                    }
                }
                // Debug keeps the cause an internal error hides from callers.
                Err(e) => tracing::warn!(error = ?e, "cart sweep failed; will retry"),
            }
        }
    })
}
