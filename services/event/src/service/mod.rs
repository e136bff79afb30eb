//! The event service's use cases: tracking events (checked, enriched, recorded once, published
//! through the outbox), reading a user's recent ones, and the published schemas.
pub mod budget;
pub mod counts;
mod publish;
pub mod spool;
pub mod writer;

use std::sync::Arc;
use std::time::Instant;

use serde_json::{Value, json};
use vici_bus::CloudEvent;
use vici_kit::{Error, Result};
use vici_store::Db;
use vici_store::error::map_sqlx;

use crate::domain::catalogue::Origin;
use crate::domain::enrich::{self, Context};
use crate::domain::validate::{self, Checked, Recorder};
use crate::store;
use budget::Budget;
use spool::Spool;
use writer::{Ready, Writer};

/// Where rejected events are kept, with the reason, for whoever wants to see what was sent.
pub const INVALID_TOPIC: &str = "user-events.invalid";
const INVALID_TOPICS: &[&str] = &[INVALID_TOPIC];
/// The CloudEvents `source` of everything this service publishes.
const SOURCE: &str = "event";
/// Longest part of a rejected body kept on the invalid topic.
const INVALID_KEPT_BYTES: usize = 4_096;

/// What one call of [`Service::track`] is about.
pub struct Call<'a> {
    pub origin: Origin,
    pub context: &'a Context,
    /// `X-Session-Id`.
    pub session_header: Option<&'a str>,
}

pub struct Service {
    pub db: Db,
    pub writer: Writer,
    pub budget: Budget,
    pub spool: Arc<Spool>,
}

/// One event to track and the call it came with.
pub type Tracked<'a> = (&'a Call<'a>, &'a Value);

impl Service {
    /// Tracks `events` (each one event as posted, with its call): per event, its id or why it
    /// was refused. A refused event is kept on [`INVALID_TOPIC`]; a repeated id is published
    /// once and answered with the same id; an event past its session's budget is recorded
    /// flagged `throttled`, keyed apart; past the spool's cap an event is dropped, counted.
    pub async fn track(&self, events: &[Tracked<'_>]) -> Result<Vec<Result<String>>> {
        self.record(events, false).await
    }

    /// Imports `events` of a shop's past (an admin's backfill), each naming its user and its
    /// time: answered like [`Service::track`]. An imported event is published with its original
    /// time and flagged `imported`; no session budget applies to history.
    pub async fn import(&self, events: &[Value]) -> Result<Vec<Result<String>>> {
        let context = Context::default();
        let call = Call {
            origin: Origin::Shop,
            context: &context,
            session_header: None,
        };
        let tracked: Vec<Tracked> = events.iter().map(|body| (&call, body)).collect();
        self.record(&tracked, true).await
    }

    async fn record(&self, events: &[Tracked<'_>], imported: bool) -> Result<Vec<Result<String>>> {
        let now = Instant::now();
        let mut outcomes = Vec::with_capacity(events.len());
        let mut ready = Vec::with_capacity(events.len());
        // The type of each event handed to the writer, when it is a behaviour event to count.
        let mut kinds = Vec::with_capacity(events.len());
        for &(call, body) in events {
            let recorder = Recorder {
                origin: call.origin,
                session_header: call.session_header,
                imported,
            };
            let (next, kind) = match validate::check(body, recorder) {
                Ok(checked) => {
                    let kind = checked.event_type.name;
                    let next = self.accepted(checked, call.context, now);
                    outcomes.push(Ok(next.id().to_string()));
                    (next, Some(kind))
                }
                Err(refusal) => {
                    counts::event(known_type(body), "invalid");
                    let next = invalid(body, &refusal, call);
                    outcomes.push(Err(refusal));
                    (next, None)
                }
            };
            let (rows, bytes) = next.spool_size();
            if self.spool.take(rows, bytes) {
                ready.push(next);
                kinds.push(kind);
            }
        }
        let fresh = self.writer.record(ready).await?;
        for (kind, new) in kinds.into_iter().zip(fresh) {
            if let Some(kind) = kind {
                counts::event(kind, if new { "accepted" } else { "repeated" });
            }
        }
        Ok(outcomes)
    }

    /// A checked event enriched with its context and keyed for the topic, within its session's
    /// budget or flagged and spread.
    fn accepted(&self, mut checked: Checked, context: &Context, now: Instant) -> Ready {
        let imported = checked.imported.take();
        let mut data = checked.data;
        match &imported {
            Some(past) => {
                let context = Context {
                    user_id: past.user_id.clone(),
                    ..Context::default()
                };
                enrich::enrich(&mut data, &context);
                data.insert("imported".into(), true.into());
            }
            None => enrich::enrich(&mut data, context),
        }
        let mut key = enrich::key(&data);
        let within_budget = imported.is_some() || self.budget.allows(&key, now);
        if !within_budget {
            counts::throttled(checked.event_type.name);
            data.insert("throttled".into(), true.into());
        }
        let recent = store::Recent {
            user_id: data
                .get("userId")
                .and_then(Value::as_str)
                .map(str::to_string),
            session_id: data
                .get("sessionId")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
        };
        let mut event = CloudEvent::new(SOURCE, checked.event_type.name, &key, Value::Object(data));
        if let Some(id) = checked.client_id {
            event.id = id.to_string();
        }
        if let Some(past) = imported {
            event.time = past
                .time
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        }
        if !within_budget {
            // Its own key per event: spread over the partitions, it cannot lag the one the
            // shopper's other events are on.
            key = format!("throttled:{}", event.id);
        }
        Ready::new(event, checked.event_type.topics, key, Some(recent))
    }

    /// The newest `limit` (1–100) events of `user_id`, as published.
    pub async fn of_user(
        &self,
        user_id: &str,
        event_type: Option<&str>,
        limit: u32,
    ) -> Result<Vec<String>> {
        let limit = i64::from(limit.clamp(1, 100));
        store::of_user(&self.db, user_id, event_type, limit)
            .await
            .map_err(|e| map_sqlx(e, &[], "reading a user's recent events"))
    }
}

/// The body's type when it is one of ours, else `unknown`: a metric label never takes a
/// client's free text.
fn known_type(body: &Value) -> &'static str {
    body.get("type")
        .and_then(Value::as_str)
        .and_then(crate::domain::catalogue::find)
        .map_or("unknown", |t| t.name)
}

/// The record of a refused event on the invalid topic: the reason and what was received (cut
/// short), keyed like the event would have been (the user, else the session).
fn invalid(body: &Value, refusal: &Error, call: &Call<'_>) -> Ready {
    let mut received = body.to_string();
    if received.len() > INVALID_KEPT_BYTES {
        let mut cut = INVALID_KEPT_BYTES;
        while !received.is_char_boundary(cut) {
            cut -= 1;
        }
        received.truncate(cut);
    }
    let context = call.context;
    let session = body
        .get("sessionId")
        .and_then(Value::as_str)
        .or(call.session_header)
        .unwrap_or_default();
    let key = match &context.user_id {
        Some(user) => user.clone(),
        None => format!("anon:{}", session.chars().take(64).collect::<String>()),
    };
    let data = json!({
        "reason": refusal.message,
        "fields": refusal.details,
        "received": received,
        "userId": context.user_id,
    });
    let event = CloudEvent::new(SOURCE, "behaviour.invalid", &key, data);
    Ready::new(event, INVALID_TOPICS, key, None)
}
