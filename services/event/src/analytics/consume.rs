//! The projection's consumer (group `analytics`): order, behaviour, product and stock events,
//! taken in batches of at most [`BATCH_WINDOW`] or [`BATCH_MAX`] deliveries and applied in one
//! transaction; only then is each partition's last delivery committed, so a crash mid-batch
//! redelivers the batch and the seen ids keep it from counting twice. Every event type the
//! projection reads travels keyed by its aggregate, so one visitor's or one order's events
//! are applied in order by one consumer even with several event-service replicas.
use std::collections::HashMap;
use std::sync::LazyLock;
use std::time::Duration;

use prometheus::{Histogram, HistogramOpts, IntCounterVec};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use vici_bus::topics::{INVENTORY_EVENTS, ORDER_EVENTS, PRODUCT_EVENTS, USER_EVENTS};
use vici_bus::{CloudEvent, Delivery, SharedBus, Subscription};
use vici_store::{Db, now_ms};

use super::project::{Projected, Redeliveries, project};
use super::tally::ATTRIBUTION_MS;
use super::write;
use crate::analytics::facts::DAY_MS;

pub const GROUP: &str = "analytics";
const TOPICS: &[&str] = &[ORDER_EVENTS, USER_EVENTS, PRODUCT_EVENTS, INVENTORY_EVENTS];
/// How long a batch gathers after its first delivery: the numbers trail an event by about this.
const BATCH_WINDOW: Duration = Duration::from_millis(100);
const BATCH_MAX: usize = 2_000;
/// Pause before trying again after the bus or the database failed.
const RETRY: Duration = Duration::from_secs(2);
const PURGE_EVERY: Duration = Duration::from_secs(3_600);
/// Redeliveries come within the topics' retention (7 days for behaviour); a day more.
const SEEN_FOR_MS: i64 = 8 * DAY_MS;

static EVENTS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    vici_kit::metrics::counter(
        "vici_analytics_events_total",
        "Events the analytics projection read, by outcome (applied, repeated, ignored, unreadable)",
        &["outcome"],
    )
});

static BATCHES: LazyLock<Histogram> = LazyLock::new(|| {
    let h = Histogram::with_opts(
        HistogramOpts::new(
            "vici_analytics_batch_seconds",
            "Time to apply one batch of events to the analytics projection",
        )
        .buckets(vec![0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5]),
    )
    .expect("valid metric");
    let _ = prometheus::default_registry().register(Box::new(h.clone()));
    h
});

/// Consumes until `shutdown`.
pub fn spawn(db: Db, bus: SharedBus, shutdown: CancellationToken) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let mut sub = match bus.subscribe(GROUP, TOPICS).await {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "analytics: subscribe failed; retrying");
                    if pause(&shutdown).await {
                        return;
                    }
                    continue;
                }
            };
            loop {
                let batch = tokio::select! {
                    _ = shutdown.cancelled() => return,
                    b = gather(sub.as_mut()) => b,
                };
                let outcome = match batch {
                    Ok(batch) => apply(&db, &bus, sub.as_mut(), &batch).await,
                    Err(e) => Err(e),
                };
                if let Err(e) = outcome {
                    tracing::warn!(error = %format!("{e:#}"), "analytics: batch left uncommitted; resubscribing");
                    break;
                }
            }
            if pause(&shutdown).await {
                return;
            }
        }
    })
}

/// Waits [`RETRY`]; whether the service is stopping.
async fn pause(shutdown: &CancellationToken) -> bool {
    tokio::select! {
        _ = shutdown.cancelled() => true,
        _ = tokio::time::sleep(RETRY) => false,
    }
}

/// The first delivery, and what follows it within the window.
async fn gather(sub: &mut dyn Subscription) -> anyhow::Result<Vec<Delivery>> {
    let mut batch = vec![sub.next().await?];
    let until = Instant::now() + BATCH_WINDOW;
    while batch.len() < BATCH_MAX {
        match tokio::time::timeout_at(until, sub.next()).await {
            Ok(d) => batch.push(d?),
            Err(_) => break,
        }
    }
    Ok(batch)
}

/// Applies `batch` and commits it; an unreadable delivery goes to its topic's dead letters.
async fn apply(
    db: &Db,
    bus: &SharedBus,
    sub: &mut dyn Subscription,
    batch: &[Delivery],
) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut events = Vec::with_capacity(batch.len());
    for d in batch {
        match CloudEvent::from_json(&d.payload) {
            Ok(e) => events.push(e),
            Err(e) => {
                EVENTS.with_label_values(&["unreadable"]).inc();
                let body = serde_json::json!({
                    "error": format!("not a CloudEvent: {e}"),
                    "topic": d.topic, "partition": d.partition, "offset": d.offset,
                    "payload": String::from_utf8_lossy(&d.payload),
                });
                let dlq = vici_bus::topics::dlq(&d.topic);
                bus.publish(&dlq, &d.key, body.to_string().as_bytes())
                    .await?;
            }
        }
    }
    let Projected {
        applied,
        repeated,
        ignored,
    } = project(db, &events, Redeliveries::Skip, now_ms()).await?;
    for (outcome, n) in [
        ("applied", applied),
        ("repeated", repeated),
        ("ignored", ignored),
    ] {
        EVENTS.with_label_values(&[outcome]).inc_by(n as u64);
    }
    BATCHES.observe(started.elapsed().as_secs_f64());
    let mut last: HashMap<(&str, i32), &Delivery> = HashMap::new();
    for d in batch {
        last.insert((d.topic.as_str(), d.partition), d);
    }
    for d in last.into_values() {
        if let Err(e) = sub.commit(d).await {
            tracing::warn!(error = %format!("{e:#}"), "analytics: offset commit failed");
        }
    }
    Ok(())
}

/// Forgets, now and every [`PURGE_EVERY`], what only recent events need.
pub fn spawn_purge(db: Db, shutdown: CancellationToken) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let now = now_ms();
            let purged = async {
                let mut conn = db.writer().acquire().await?;
                let visits_before = (now - SEEN_FOR_MS).div_euclid(DAY_MS);
                write::forget(
                    &mut conn,
                    now - SEEN_FOR_MS,
                    now - ATTRIBUTION_MS,
                    visits_before,
                )
                .await
            };
            if let Err(e) = purged.await {
                tracing::warn!(error = %e, "analytics: forgetting old keys failed; will retry");
            }
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(PURGE_EVERY) => {}
            }
        }
    })
}
