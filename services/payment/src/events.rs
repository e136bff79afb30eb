//! What this service announces on `payment-events` (events.md), keyed by order id and written
//! to the outbox in the transaction of the change it reports: `payment.succeeded` at capture,
//! `payment.failed` at a decline, `payment.refunded` for every refund (a Reverse of a captured
//! payment included).
use serde_json::json;
use sqlx::AnyConnection;
use vici_bus::CloudEvent;
use vici_bus::topics::PAYMENT_EVENTS;
use vici_kit::Result;
use vici_store::error::SqlxResultExt as _;

use crate::domain::{Payment, Refund};

const SOURCE: &str = "payment";
pub const SUCCEEDED: &str = "payment.succeeded";
pub const FAILED: &str = "payment.failed";
pub const REFUNDED: &str = "payment.refunded";

pub fn succeeded(p: &Payment) -> CloudEvent {
    CloudEvent::new(
        SOURCE,
        SUCCEEDED,
        &p.order_id,
        json!({
            "paymentId": p.id,
            "orderId": p.order_id,
            "userId": p.user_id,
            "amountCents": p.amount_cents,
            "currency": p.currency,
            "method": p.payment_method,
        }),
    )
}

/// `reason` is the sentence the shopper saw; `code` the machine-readable one.
pub fn failed(p: &Payment) -> CloudEvent {
    CloudEvent::new(
        SOURCE,
        FAILED,
        &p.order_id,
        json!({
            "paymentId": p.id,
            "orderId": p.order_id,
            "userId": p.user_id,
            "reason": p.failure_message,
            "code": p.failure_code,
        }),
    )
}

pub fn refunded(r: &Refund) -> CloudEvent {
    CloudEvent::new(
        SOURCE,
        REFUNDED,
        &r.order_id,
        json!({
            "refundId": r.id,
            "paymentId": r.payment_id,
            "orderId": r.order_id,
            "amountCents": r.amount_cents,
        }),
    )
}

/// Writes `event` about `order_id` to the outbox of the transaction behind `conn`.
pub async fn enqueue(conn: &mut AnyConnection, order_id: &str, event: &CloudEvent) -> Result<()> {
    vici_store::outbox::enqueue(conn, PAYMENT_EVENTS, order_id, event)
        .await
        .db_err("writing a payment event to the outbox")
}
