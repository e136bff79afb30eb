//! What the service announces on `notification-events` (keyed by user id) when a delivery
//! ends, and what it hands to `notifications.dlq` when retries run out; written to the outbox
//! in the transaction that records the end. Counted in `/metrics` once committed.
use std::sync::LazyLock;

use prometheus::{IntCounter, IntCounterVec, IntGauge};
use serde_json::json;
use sqlx::AnyConnection;
use vici_bus::CloudEvent;
use vici_bus::topics::NOTIFICATION_EVENTS;
use vici_kit::Result;
use vici_store::error::SqlxResultExt as _;
use vici_store::outbox;

use crate::store::deliveries::Delivery;

const SOURCE: &str = "notification";
pub const SENT: &str = "notification.sent";
pub const FAILED: &str = "notification.failed";
/// Where deliveries go whose transient failures outlasted every retry.
pub const DLQ: &str = "notifications.dlq";

static ENDED: LazyLock<IntCounterVec> = LazyLock::new(|| {
    vici_kit::metrics::counter(
        "vici_notifications_total",
        "Deliveries ended, by channel, template and how (sent, failed, skipped)",
        &["channel", "template", "status"],
    )
});

static DEAD_LETTERED: LazyLock<IntCounter> = LazyLock::new(|| {
    let c = vici_kit::metrics::counter(
        "vici_notifications_dead_lettered_total",
        "Deliveries sent to notifications.dlq after their retries ran out",
        &[],
    );
    c.with_label_values::<&str>(&[])
});

static PENDING: LazyLock<IntGauge> = LazyLock::new(|| {
    vici_kit::metrics::gauge(
        "vici_notifications_pending",
        "Deliveries waiting to be sent (new, or retrying)",
    )
});

static OLDEST_PENDING: LazyLock<IntGauge> = LazyLock::new(|| {
    vici_kit::metrics::gauge(
        "vici_notifications_oldest_pending_seconds",
        "How long the pending delivery due earliest has been due",
    )
});

/// Records the backlog the worker saw: `pending` deliveries, the earliest due at `due`.
pub fn backlog(pending: i64, due: Option<i64>, now: i64) {
    PENDING.set(pending);
    OLDEST_PENDING.set(due.map_or(0, |due| ((now - due) / 1000).max(0)));
}

/// Counts a delivery that ended as `status` (after its transaction committed).
pub fn count(d: &Delivery, status: &str, dead_lettered: bool) {
    ENDED
        .with_label_values(&[d.channel.name(), d.template.name(), status])
        .inc();
    if dead_lettered {
        DEAD_LETTERED.inc();
    }
}

/// `notification.sent`; `notification_id` is the in-app notification's id, else the delivery's.
pub async fn sent(conn: &mut AnyConnection, d: &Delivery, notification_id: &str) -> Result<()> {
    let data = json!({
        "userId": d.user_id, "channel": d.channel.name(), "template": d.template.name(),
        "notificationId": notification_id,
    });
    announce(conn, d, SENT, data).await
}

/// `notification.failed`, and the delivery itself to the DLQ when `exhausted`.
pub async fn failed(
    conn: &mut AnyConnection,
    d: &Delivery,
    error: &str,
    exhausted: bool,
) -> Result<()> {
    let data = json!({
        "userId": d.user_id, "channel": d.channel.name(), "template": d.template.name(),
        "notificationId": d.id, "error": error,
    });
    announce(conn, d, FAILED, data).await?;
    if exhausted {
        let dead = json!({
            "deliveryId": d.id, "eventId": d.event_id, "userId": d.user_id,
            "channel": d.channel.name(), "template": d.template.name(),
            "attempts": d.attempts + 1, "error": error,
        });
        let event = CloudEvent::new(SOURCE, "notification.dead_lettered", &d.user_id, dead);
        outbox::enqueue(conn, DLQ, &d.user_id, &event)
            .await
            .db_err("dead-lettering a delivery")?;
    }
    Ok(())
}

async fn announce(
    conn: &mut AnyConnection,
    d: &Delivery,
    kind: &str,
    data: serde_json::Value,
) -> Result<()> {
    let event = CloudEvent::new(SOURCE, kind, &d.user_id, data);
    outbox::enqueue(conn, NOTIFICATION_EVENTS, &d.user_id, &event)
        .await
        .db_err("announcing how a delivery ended")
}
