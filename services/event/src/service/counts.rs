//! What the event service counts for Prometheus: events accepted per type, refused, repeated
//! (a retry found by its id), throttled and dropped, how long recording a batch takes, and how
//! full the spool is.
use std::sync::LazyLock;

use prometheus::{Histogram, HistogramOpts, IntCounterVec, IntGauge};

static EVENTS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    vici_kit::metrics::counter(
        "vici_events_total",
        "Behaviour events tracked, by type and outcome (accepted, repeated, invalid)",
        &["type", "outcome"],
    )
});

static RECORDING: LazyLock<Histogram> = LazyLock::new(|| {
    let h = Histogram::with_opts(
        HistogramOpts::new(
            "vici_events_record_seconds",
            "Time to record one writer batch (one transaction)",
        )
        .buckets(vec![
            0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0,
        ]),
    )
    .expect("valid metric");
    let _ = prometheus::default_registry().register(Box::new(h.clone()));
    h
});

static DROPPED: LazyLock<IntCounterVec> = LazyLock::new(|| {
    vici_kit::metrics::counter(
        "vici_events_dropped_total",
        "Behaviour events dropped, by reason (spool_full: the broker was away past the spool's cap)",
        &["reason"],
    )
});

static THROTTLED: LazyLock<IntCounterVec> = LazyLock::new(|| {
    vici_kit::metrics::counter(
        "vici_events_throttled_total",
        "Behaviour events past their session's budget, recorded flagged `throttled`",
        &["type"],
    )
});

static SPOOL_BYTES: LazyLock<IntGauge> = LazyLock::new(|| {
    vici_kit::metrics::gauge(
        "vici_events_spool_bytes",
        "Bytes of events waiting for the broker",
    )
});

static SPOOL_LIMIT: LazyLock<IntGauge> = LazyLock::new(|| {
    vici_kit::metrics::gauge(
        "vici_events_spool_limit_bytes",
        "Bytes of waiting events past which behaviour events are dropped",
    )
});

/// Counts one event of `event_type` with its `outcome`.
pub fn event(event_type: &str, outcome: &str) {
    EVENTS.with_label_values(&[event_type, outcome]).inc();
}

/// Records how long a batch took to write.
pub fn recorded(seconds: f64) {
    RECORDING.observe(seconds);
}

/// Counts one event dropped for `reason`.
pub fn dropped(reason: &str) {
    DROPPED.with_label_values(&[reason]).inc();
}

/// Counts one event of `event_type` past its session's budget.
pub fn throttled(event_type: &str) {
    THROTTLED.with_label_values(&[event_type]).inc();
}

pub fn spool_bytes(bytes: u64) {
    SPOOL_BYTES.set(bytes as i64);
}

pub fn spool_limit(bytes: u64) {
    SPOOL_LIMIT.set(bytes as i64);
}
