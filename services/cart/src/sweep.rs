//! Idle carts: a cart with lines and no mutation for `abandon_after` is announced once as
//! `cart.abandoned` (the next mutation re-arms it); a cart with no mutation for `expire_after`
//! is deleted with its lines. Reads never count as activity. Each cart is handled in its own
//! short transaction that re-checks it is still idle, so a shopper acting meanwhile wins.
use std::time::Duration;

use crate::config::CartConfig;
use tokio::task::JoinHandle;
use vici_kit::server::Shutdown;
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
pub async fn sweep(db: &Db, config: &CartConfig, now_ms: i64) -> anyhow::Result<SweepReport> {
    let purged = purge(db, now_ms.saturating_sub(ms(config.expire_after))).await?;
    let abandoned = announce(db, now_ms.saturating_sub(ms(config.abandon_after)), now_ms).await?;
    Ok(SweepReport { abandoned, purged })
}

async fn purge(db: &Db, idle_since: i64) -> anyhow::Result<u64> {
    let mut purged = 0;
    loop {
        let ids = carts::expired(&mut *db.reader().acquire().await?, idle_since, BATCH).await?;
        let before = purged;
        for id in &ids {
            let mut tx = db.begin().await?;
            if carts::delete_if_idle(&mut tx, id, idle_since).await? {
                purged += 1;
            }
            tx.commit().await?;
        }
        if (ids.len() as i64) < BATCH || purged == before {
            return Ok(purged);
        }
    }
}

async fn announce(db: &Db, idle_since: i64, now: i64) -> anyhow::Result<u64> {
    let mut announced = 0;
    loop {
        let idle = carts::abandoned(&mut *db.reader().acquire().await?, idle_since, BATCH).await?;
        let before = announced;
        for cart in &idle {
            let mut tx = db.begin().await?;
            if carts::mark_abandoned(&mut tx, cart, now).await? {
                let lines = carts::lines(&mut tx, &cart.id).await?;
                let event = events::abandoned(&cart.user_id, &lines);
                vici_store::outbox::enqueue_to_all(
                    &mut tx,
                    events::ABANDONED_TOPICS,
                    &cart.user_id,
                    &event,
                )
                .await?;
                announced += 1;
            }
            tx.commit().await?;
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
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "cart sweep failed; will retry")
                }
            }
        }
    })
}
