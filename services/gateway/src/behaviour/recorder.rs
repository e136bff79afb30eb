//! Hands served events to the event service without ever holding up a page: `record` puts them
//! on a bounded in-memory queue (full: dropped and counted), and one task sends what queued
//! meanwhile in one `RecordServedEvents` call, retrying (events carry their ids, so a retry
//! of a call that did land is recorded once) until the event service takes them.
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use prometheus::{IntCounterVec, IntGauge};
use serde_json::Value;
use tokio::sync::mpsc;
use vici_kit::grpc::Channel;
use vici_kit::server::Shutdown as CancellationToken;
use vici_proto::event::v1 as pb;
use vici_proto::event::v1::event_service_client::EventServiceClient;

use super::seen::Seen;
use super::session::Sessions;
use super::{RequestContext, ServedEvent};

/// Events waiting for the event service at most; beyond, new ones are dropped (counted).
pub const QUEUE: usize = 20_000;
/// Most events in one call: with headers cut to [`super::HEADER_MAX`] and lists of at most
/// 100 ids, a call stays well under the event service's 4 MB message bound.
const BATCH: usize = 200;
/// Longest pause between retries while the event service is away.
const MOST_BACKOFF: Duration = Duration::from_secs(5);
/// How long a stopping gateway keeps trying to hand over what it holds (within the second the
/// server gives each task to finish).
const FLUSH_ON_STOP: Duration = Duration::from_millis(900);

static DEPTH: LazyLock<IntGauge> = LazyLock::new(|| {
    vici_kit::metrics::gauge(
        "vici_gateway_events_queued",
        "Served behaviour events waiting to be handed to the event service",
    )
});

static LIMIT: LazyLock<IntGauge> = LazyLock::new(|| {
    vici_kit::metrics::gauge(
        "vici_gateway_events_queue_limit",
        "Served behaviour events the gateway holds at most before dropping new ones",
    )
});

static DROPPED: LazyLock<IntCounterVec> = LazyLock::new(|| {
    vici_kit::metrics::counter(
        "vici_gateway_events_dropped_total",
        "Served behaviour events dropped, by reason (queue_full, stopping, refused: the event service took them for invalid)",
        &["reason"],
    )
});

pub struct Recorder {
    queue: mpsc::Sender<pb::ServedEvent>,
    sessions: Sessions,
    seen: Seen,
}

impl Recorder {
    /// Starts the sending task, which hands events to `events` until `shutdown`.
    pub fn start(
        events: EventServiceClient<Channel>,
        shutdown: CancellationToken,
    ) -> (Self, tokio::task::JoinHandle<()>) {
        LIMIT.set(QUEUE as i64);
        let (queue, waiting) = mpsc::channel(QUEUE);
        let task = tokio::spawn(send_all(events, waiting, shutdown));
        let recorder = Self {
            queue,
            sessions: Sessions::new(),
            seen: Seen::default(),
        };
        (recorder, task)
    }

    /// The session events of the request behind `context` are recorded under.
    pub fn session_of(&self, context: &RequestContext) -> String {
        self.sessions.of(context, today())
    }

    /// Queues `events` with the request's context. A product view already recorded for the
    /// session within half an hour (and likewise a checkout start) is left out.
    pub fn record(&self, context: &RequestContext, events: &[ServedEvent]) {
        let now = Instant::now();
        let session = self.session_of(context);
        for served in events {
            let once_per = match served.event_type() {
                "behaviour.product_view" => served.fields.get("productId").and_then(Value::as_str),
                "behaviour.checkout_start" => Some("checkout"),
                _ => None,
            };
            if let Some(what) = once_per
                && !self.seen.first_time(&session, what, now)
            {
                continue;
            }
            let mut fields = served.fields.clone();
            fields.insert("id".into(), uuid::Uuid::now_v7().to_string().into());
            fields.insert("sessionId".into(), session.clone().into());
            if let Some(id) = &context.request_id {
                fields
                    .entry("requestId")
                    .or_insert_with(|| id.clone().into());
            }
            let user_id = served.signed_in.clone().or_else(|| {
                context
                    .caller
                    .identity()
                    .map(|identity| identity.user_id.to_string())
            });
            let event = pb::ServedEvent {
                context: Some(pb::TrackContext {
                    origin: pb::Origin::Shop.into(),
                    user_id,
                    session_id: None,
                    user_agent: context.user_agent.clone(),
                    referrer: context.referrer.clone(),
                    ip: context.ip.map(|ip| ip.to_string()),
                }),
                event_json: Value::Object(fields).to_string(),
            };
            DEPTH.inc();
            if let Err(refused) = self.queue.try_send(event) {
                DEPTH.dec();
                let reason = match refused {
                    mpsc::error::TrySendError::Full(_) => "queue_full",
                    mpsc::error::TrySendError::Closed(_) => "stopping",
                };
                DROPPED.with_label_values(&[reason]).inc();
            }
        }
    }
}

/// Sends what queued, a batch per call, until `shutdown`; then what is left, for a moment.
async fn send_all(
    mut events: EventServiceClient<Channel>,
    mut waiting: mpsc::Receiver<pb::ServedEvent>,
    shutdown: CancellationToken,
) {
    let mut batch = Vec::with_capacity(BATCH);
    loop {
        tokio::select! {
            got = waiting.recv_many(&mut batch, BATCH) => if got == 0 { return },
            _ = shutdown.cancelled() => break,
        }
        DEPTH.sub(batch.len() as i64);
        if !hand_over(&mut events, &mut batch, &shutdown).await {
            break;
        }
    }
    // Stopping: what is still here gets one more chance, briefly.
    waiting.close();
    while let Some(event) = waiting.recv().await {
        DEPTH.dec();
        batch.push(event);
    }
    let flushed = async {
        for chunk in batch.chunks(BATCH) {
            let call = pb::RecordServedEventsRequest {
                events: chunk.to_vec(),
            };
            if events.record_served_events(call).await.is_err() {
                return false;
            }
        }
        true
    };
    let left = batch.len() as u64;
    if left > 0 && !matches!(tokio::time::timeout(FLUSH_ON_STOP, flushed).await, Ok(true)) {
        DROPPED.with_label_values(&["stopping"]).inc_by(left);
        tracing::warn!(
            events = left,
            "stopping: served behaviour events not handed over"
        );
    }
}

/// Hands `batch` over, retrying while the event service is away; `false` when stopping first
/// (the batch is kept for the last attempt).
async fn hand_over(
    events: &mut EventServiceClient<Channel>,
    batch: &mut Vec<pb::ServedEvent>,
    shutdown: &CancellationToken,
) -> bool {
    let mut backoff = Duration::from_millis(100);
    loop {
        let call = pb::RecordServedEventsRequest {
            events: batch.clone(),
        };
        match events.record_served_events(call).await {
            Ok(answer) => {
                let rejected = answer.into_inner().rejected;
                if let Some(first) = rejected.first() {
                    // Kept on user-events.invalid with the reason; the gateway checks what a
                    // client controls, so a refusal here is a bug worth a line.
                    DROPPED
                        .with_label_values(&["refused"])
                        .inc_by(rejected.len() as u64);
                    tracing::warn!(
                        rejected = rejected.len(),
                        first = %first.error,
                        "the event service refused served behaviour events"
                    );
                }
                batch.clear();
                return true;
            }
            Err(status) if !passing(status.code()) => {
                DROPPED
                    .with_label_values(&["refused"])
                    .inc_by(batch.len() as u64);
                tracing::error!(
                    error = %status.message(),
                    events = batch.len(),
                    "the event service refused a batch of served behaviour events"
                );
                batch.clear();
                return true;
            }
            Err(status) => {
                tracing::debug!(error = %status.message(), "the event service is away; served behaviour events wait");
            }
        }
        tokio::select! {
            _ = shutdown.cancelled() => return false,
            _ = tokio::time::sleep(backoff) => {}
        }
        backoff = (backoff * 2).min(MOST_BACKOFF);
    }
}

/// Whether a failed call may work when sent again (the event service away, busy or stopping);
/// any other answer would refuse the same batch forever.
fn passing(code: tonic::Code) -> bool {
    use tonic::Code::*;
    matches!(
        code,
        Unavailable | DeadlineExceeded | Unknown | ResourceExhausted | Aborted | Cancelled
    )
}

/// Days since the epoch: a derived session lasts one.
fn today() -> i64 {
    chrono::Utc::now().timestamp().div_euclid(86_400)
}
