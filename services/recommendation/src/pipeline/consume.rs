//! The pipeline's consumer (group `recommendation`): behaviour from `user-events`, arrivals and
//! departures from `product-events`, sell-outs from `inventory-events`. Deliveries are taken in
//! batches of at most [`BATCH_WINDOW`]: the batch's signals are kept in the journal (which
//! drops redeliveries), learnt, the sign-ins among them merge sessions into users (in the
//! journal too, so a rebuild agrees), the changed lists written, and only then is the last delivery
//! of each partition committed. `purchase-events` is not read: it carries copies of the
//! purchases `user-events` already has.
//!
//! The model lives in memory and the journal is its truth: it is rebuilt from the journal at
//! start, and again after any failure mid-batch (a signal kept but not learnt is learnt then).
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use prometheus::{Histogram, HistogramOpts, IntCounterVec, IntGauge};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use vici_bus::topics::{INVENTORY_EVENTS, PRODUCT_EVENTS, USER_EVENTS};
use vici_bus::{CloudEvent, Delivery, SharedBus};
use vici_cache::SharedCache;
use vici_kit::server::Shutdown as CancellationToken;
use vici_store::now_ms;

use super::flow::Pipeline;
use super::taste::Focus;
use super::{facts, signal};
use crate::journal::Journal;
use crate::store::RecStore;

pub const GROUP: &str = "recommendation";
const TOPICS: &[&str] = &[USER_EVENTS, PRODUCT_EVENTS, INVENTORY_EVENTS];
/// How long a batch gathers after its first delivery: the lists trail an event by about this.
const BATCH_WINDOW: Duration = Duration::from_millis(200);
const BATCH_MAX: usize = 2_000;
/// Pause before trying again after the bus, the store or the database failed.
const RETRY: Duration = Duration::from_secs(2);
/// After this long without a delivery, the pipeline refreshes dormant users' lists.
const IDLE: Duration = Duration::from_secs(1);
/// Users whose lists are computed again per idle second, and after each batch.
const SWEEP_IDLE: usize = 1_000;
const SWEEP_BUSY: usize = 100;
/// How often journal rows older than the model's memory are deleted.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// The last batch of live events this replica wrote (unix ms) and its slowest event's lag
/// (ms), for the admin's view; 0 before the first.
static LAST_BATCH: AtomicI64 = AtomicI64::new(0);
static LAST_LAG_MS: AtomicI64 = AtomicI64::new(0);

/// When this replica last wrote a batch of live events and that batch's slowest lag (ms).
pub fn last_batch() -> Option<(i64, i64)> {
    let at = LAST_BATCH.load(Ordering::Relaxed);
    (at > 0).then(|| (at, LAST_LAG_MS.load(Ordering::Relaxed)))
}

static LAG: LazyLock<Histogram> = LazyLock::new(|| {
    let h = Histogram::with_opts(
        HistogramOpts::new(
            "rec_pipeline_lag_seconds",
            "From a behaviour event's time to its lists written (imported history not counted)",
        )
        .buckets(vec![0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 60.0]),
    )
    .expect("valid metric");
    let _ = prometheus::default_registry().register(Box::new(h.clone()));
    h
});

static SWEEPS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    vici_kit::metrics::counter(
        "rec_pipeline_sweeps_total",
        "Passes that computed every user's personalised list again after the model learnt",
        &[],
    )
});

static SWEEP_PENDING: LazyLock<IntGauge> = LazyLock::new(|| {
    vici_kit::metrics::gauge(
        "rec_pipeline_sweep_pending",
        "1 while some user's personalised list predates what the model learnt since",
    )
});

static DELIVERIES: LazyLock<IntCounterVec> = LazyLock::new(|| {
    vici_kit::metrics::counter(
        "rec_pipeline_events_total",
        "Events the recommendation pipeline read, by outcome (learnt, repeated, expired, identify, fact, other, unreadable)",
        &["outcome"],
    )
});

/// How the pipeline runs.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// Without it (an external pipeline owns the lists) it keeps vici's own keys only.
    pub writes_lists: bool,
    /// How far back it learns from, in ms: older signals (an import's) teach nothing.
    pub memory_ms: i64,
    /// How personalised lists read a shopper's history.
    pub focus: Focus,
}

/// Readies the store, rebuilds the model, then consumes until `shutdown`; while the store or
/// the database is away, tries again every [`RETRY`].
pub fn spawn(
    cache: SharedCache,
    journal: Journal,
    bus: SharedBus,
    shutdown: CancellationToken,
    settings: Settings,
) -> JoinHandle<()> {
    let writes_lists = settings.writes_lists;
    tokio::spawn(async move {
        let mut started = None;
        loop {
            let pipeline = match &mut started {
                Some(pipeline) => pipeline,
                None => match Pipeline::start(RecStore::new(cache.clone()), writes_lists).await {
                    Ok(pipeline) => started.insert(pipeline.focused(settings.focus)),
                    Err(e) => {
                        tracing::warn!(error = %format!("{e:#}"), "the recommendation store is not ready; retrying");
                        tokio::select! {
                            _ = shutdown.cancelled() => return,
                            _ = tokio::time::sleep(RETRY) => continue,
                        }
                    }
                },
            };
            match rebuild(pipeline, &journal, settings.memory_ms).await {
                Ok(()) => match follow(pipeline, &journal, &bus, &shutdown, settings).await {
                    Ok(()) => return,
                    Err(e) => {
                        tracing::warn!(error = %format!("{e:#}"), "recommendation pipeline failed; rebuilding")
                    }
                },
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "rebuilding the recommendation model failed; retrying")
                }
            }
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(RETRY) => {}
            }
        }
    })
}

async fn rebuild(pipeline: &mut Pipeline, journal: &Journal, memory_ms: i64) -> anyhow::Result<()> {
    let now = now_ms();
    journal.forget_before(now - memory_ms).await?;
    let learnt = pipeline.rebuild(journal, now - memory_ms, now).await?;
    // The journal holds sessions of a month; the model keeps a day's.
    pipeline.forget_idle(now, memory_ms);
    tracing::info!(learnt, "recommendation model rebuilt from the journal");
    Ok(())
}

/// One subscription, until a failure (an error) or `shutdown` (`Ok`).
async fn follow(
    pipeline: &mut Pipeline,
    journal: &Journal,
    bus: &SharedBus,
    shutdown: &CancellationToken,
    settings: Settings,
) -> anyhow::Result<()> {
    let mut subscription = bus.subscribe(GROUP, TOPICS).await?;
    let mut pruned = Instant::now();
    loop {
        let first = tokio::select! {
            _ = shutdown.cancelled() => return Ok(()),
            delivery = tokio::time::timeout(IDLE, subscription.next()) => match delivery {
                Ok(delivery) => delivery?,
                Err(_) => {
                    refresh(pipeline, SWEEP_IDLE).await?;
                    continue;
                }
            },
        };
        let mut batch = vec![first];
        let until = Instant::now() + BATCH_WINDOW;
        while batch.len() < BATCH_MAX {
            match tokio::time::timeout_at(until, subscription.next()).await {
                Ok(delivery) => batch.push(delivery?),
                Err(_) => break,
            }
        }
        apply(pipeline, journal, &batch, now_ms() - settings.memory_ms).await?;
        refresh(pipeline, SWEEP_BUSY).await?;
        for delivery in last_of_each_partition(&batch) {
            subscription.commit(delivery).await?;
        }
        if pruned.elapsed() > PRUNE_EVERY {
            let now = now_ms();
            journal.forget_before(now - settings.memory_ms).await?;
            let forgotten = pipeline.forget_idle(now, settings.memory_ms);
            tracing::debug!(forgotten, "idle shoppers' histories forgotten");
            pruned = Instant::now();
        }
    }
}

async fn refresh(pipeline: &mut Pipeline, most: usize) -> anyhow::Result<()> {
    if pipeline.refresh(most, now_ms()).await? {
        SWEEPS.with_label_values::<&str>(&[]).inc();
    }
    SWEEP_PENDING.set(i64::from(pipeline.sweep_pending()));
    Ok(())
}

/// Learns from a batch (what happened since `since_ms`) and writes the lists it changed.
async fn apply(
    pipeline: &mut Pipeline,
    journal: &Journal,
    batch: &[Delivery],
    since_ms: i64,
) -> anyhow::Result<()> {
    let mut signals = Vec::new();
    // An import's events are late by design: they say nothing of the pipeline's lag.
    let mut imported = HashSet::new();
    let mut identified = Vec::new();
    for delivery in batch {
        let Ok(event) = CloudEvent::from_json(&delivery.payload) else {
            tracing::warn!(topic = %delivery.topic, offset = delivery.offset, "not a CloudEvent; skipped");
            DELIVERIES.with_label_values(&["unreadable"]).inc();
            continue;
        };
        if let Some(signal) = signal::read(&event) {
            if signal.at_ms < since_ms {
                DELIVERIES.with_label_values(&["expired"]).inc();
                continue;
            }
            if event.data["imported"] == true {
                imported.insert(event.id.clone());
            }
            signals.push((event.id, signal));
            continue;
        }
        if let Some(tie) = signal::identify(&event) {
            DELIVERIES.with_label_values(&["identify"]).inc();
            identified.push(tie);
            continue;
        }
        let facts = facts::read(&event);
        let outcome = if facts.is_empty() { "other" } else { "fact" };
        DELIVERIES.with_label_values(&[outcome]).inc();
        for (product, fact) in facts {
            let hidden = journal.note(&product, &fact).await?;
            pipeline.note(&product, &fact, hidden).await?;
        }
    }
    let offered = signals.len();
    let new = journal.keep(signals).await?;
    pipeline
        .take_all(new.iter().map(|(_, signal)| signal))
        .await?;
    // After the batch's signals: a session's views just before its sign-in are merged too.
    for (session, user) in &identified {
        journal.identify(session, user).await?;
        pipeline.identify(session, user).await?;
    }
    let now = now_ms();
    pipeline.flush(now).await?;
    let mut slowest = None;
    for (_, signal) in new.iter().filter(|(id, _)| !imported.contains(id)) {
        let lag = (now - signal.at_ms).max(0);
        LAG.observe(lag as f64 / 1000.0);
        slowest = slowest.max(Some(lag));
    }
    if let Some(lag) = slowest {
        LAST_BATCH.store(now, Ordering::Relaxed);
        LAST_LAG_MS.store(lag, Ordering::Relaxed);
    }
    // Owed sweeps first: whoever sees these events counted learnt also sees the sweep owed.
    SWEEP_PENDING.set(i64::from(pipeline.sweep_pending()));
    DELIVERIES
        .with_label_values(&["repeated"])
        .inc_by((offered - new.len()) as u64);
    DELIVERIES
        .with_label_values(&["learnt"])
        .inc_by(new.len() as u64);
    Ok(())
}

/// The delivery to commit per partition: its last in `batch`.
fn last_of_each_partition(batch: &[Delivery]) -> Vec<&Delivery> {
    let mut last: HashMap<(&str, i32), &Delivery> = HashMap::new();
    for delivery in batch {
        last.insert((&delivery.topic, delivery.partition), delivery);
    }
    last.into_values().collect()
}
