//! What the event service counts for Prometheus: events accepted per type, refused, repeated
//! (a retry found by its id), and how long recording a batch takes.
use std::sync::LazyLock;

use prometheus::{Histogram, HistogramOpts, IntCounterVec};

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

/// Counts one event of `event_type` with its `outcome`.
pub fn event(event_type: &str, outcome: &str) {
    EVENTS.with_label_values(&[event_type, outcome]).inc();
}

/// Records how long a batch took to write.
pub fn recorded(seconds: f64) {
    RECORDING.observe(seconds);
}
