//! Idempotent consumers: each event's id is recorded in `processed_events` in the same
//! transaction as its effect, so a redelivered event is skipped; an event that keeps failing goes
//! to `<topic>.dlq` with its error instead of blocking the partition.
use std::sync::Arc;
use std::time::Duration;

use sqlx::AnyConnection;
use tokio_util::sync::CancellationToken;
use vici_bus::{CloudEvent, Delivery, SharedBus};

use crate::{Db, now_ms};

#[async_trait::async_trait]
pub trait EventHandler: Send + Sync + 'static {
    /// Whether events of this type concern the handler. The others are acknowledged without a
    /// transaction: a topic carries many types, and recording each one it ignores would cost a
    /// write to the service's database per event.
    fn wants(&self, _event_type: &str) -> bool {
        true
    }

    /// Applies `event` using `tx`; an error rolls the effect back.
    async fn handle(&self, tx: &mut AnyConnection, event: &CloudEvent) -> anyhow::Result<()>;

    /// Called once `event`'s effect has committed: the moment to wake whoever acts on it.
    fn applied(&self, _event: &CloudEvent) {}
}

const ATTEMPTS: u32 = 3;

/// What happened to one delivery.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Applied,
    /// Of a type the handler does not want.
    Ignored,
    Duplicate,
    DeadLettered,
}

/// Consumes `topics` as group `consumer` until `shutdown`.
pub fn spawn(
    db: Db,
    bus: SharedBus,
    consumer: &'static str,
    topics: &'static [&'static str],
    handler: Arc<dyn EventHandler>,
    shutdown: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let mut sub = match bus.subscribe(consumer, topics).await {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(consumer, error = %format!("{e:#}"), "subscribe failed; retrying");
                    tokio::select! { _ = shutdown.cancelled() => return, _ = tokio::time::sleep(Duration::from_secs(2)) => continue }
                }
            };
            loop {
                let delivery = tokio::select! {
                    _ = shutdown.cancelled() => return,
                    d = sub.next() => d,
                };
                let delivery = match delivery {
                    Ok(d) => d,
                    Err(e) => {
                        tracing::warn!(consumer, error = %format!("{e:#}"), "receive failed; resubscribing");
                        break;
                    }
                };
                if let Err(e) = process(&db, &bus, consumer, handler.as_ref(), &delivery).await {
                    tracing::warn!(consumer, error = %format!("{e:#}"), "event left uncommitted; resubscribing");
                    break;
                }
                if let Err(e) = sub.commit(&delivery).await {
                    tracing::warn!(consumer, error = %format!("{e:#}"), "offset commit failed");
                }
            }
        }
    })
}

/// Applies one delivery at most once in effect. Errors only when the database itself fails, in
/// which case the delivery must not be committed.
pub async fn process(
    db: &Db,
    bus: &SharedBus,
    consumer: &str,
    handler: &dyn EventHandler,
    d: &Delivery,
) -> anyhow::Result<Outcome> {
    let event = match CloudEvent::from_json(&d.payload) {
        Ok(e) => e,
        Err(e) => return dead_letter(bus, d, &format!("not a CloudEvent: {e}")).await,
    };
    if !handler.wants(&event.event_type) {
        return Ok(Outcome::Ignored);
    }
    let mut last_error = String::new();
    for attempt in 1..=ATTEMPTS {
        let mut tx = db.begin().await?;
        let fresh = sqlx::query(
            "INSERT INTO processed_events (consumer, event_id, processed_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(consumer)
        .bind(&event.id)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !fresh {
            return Ok(Outcome::Duplicate);
        }
        match handler.handle(&mut tx, &event).await {
            Ok(()) => {
                tx.commit().await?;
                handler.applied(&event);
                return Ok(Outcome::Applied);
            }
            Err(e) => {
                tx.rollback().await.ok();
                last_error = format!("{e:#}");
                tracing::warn!(consumer, event_id = %event.id, attempt, error = %last_error, "handler failed");
                tokio::time::sleep(Duration::from_millis(100 * 2u64.pow(attempt))).await;
            }
        }
    }
    dead_letter(bus, d, &last_error).await
}

async fn dead_letter(bus: &SharedBus, d: &Delivery, error: &str) -> anyhow::Result<Outcome> {
    let body = serde_json::json!({
        "error": error,
        "topic": d.topic,
        "partition": d.partition,
        "offset": d.offset,
        "payload": String::from_utf8_lossy(&d.payload),
    });
    bus.publish(
        &vici_bus::topics::dlq(&d.topic),
        &d.key,
        body.to_string().as_bytes(),
    )
    .await?;
    tracing::error!(topic = %d.topic, offset = d.offset, error, "event dead-lettered");
    Ok(Outcome::DeadLettered)
}
