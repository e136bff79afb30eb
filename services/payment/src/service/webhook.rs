//! HandleWebhook: a signed Stripe event, applied at most once. The event id is recorded in
//! `webhook_events` in the same transaction as its effect, so a redelivery finds it and
//! changes nothing. Events about intents vici does not know, and types it does not act on, are
//! acknowledged (Stripe stops redelivering) with `applied = false`.
use serde::Deserialize;
use serde_json::Value;
use sqlx::AnyConnection;
use vici_kit::{Error, Result};
use vici_store::now_ms;

use super::Service;
use crate::domain::{IntentStatus, Payment, Refund, RefundStatus, Status};
use crate::events;
use crate::signature;
use crate::store::{intents, payments, refunds, webhooks};

#[derive(Deserialize)]
struct Event {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    data: EventData,
}

#[derive(Deserialize)]
struct EventData {
    object: Value,
}

pub struct Ack {
    pub event_id: String,
    pub kind: String,
    pub applied: bool,
}

impl Service {
    #[tracing::instrument(skip_all)]
    pub async fn handle_webhook(&self, payload: &[u8], header: &str) -> Result<Ack> {
        let secret = self
            .webhooks
            .secret
            .as_deref()
            .ok_or_else(|| Error::validation("signature", "Webhooks are not configured"))?;
        let now = chrono::Utc::now().timestamp();
        signature::verify(payload, header, secret, self.webhooks.tolerance, now)
            .map_err(|e| Error::validation("signature", e.message()))?;
        let event: Event = serde_json::from_slice(payload)
            .ok()
            .filter(|e: &Event| !e.id.is_empty())
            .ok_or_else(|| {
                Error::validation("payload", "The webhook payload is not a Stripe event")
            })?;
        let mut tx = self.begin("starting the webhook transaction").await?;
        let fresh = webhooks::record(&mut tx, &event.id, &event.kind, now_ms()).await?;
        let applied = fresh && self.apply(&mut tx, &event).await?;
        if applied {
            webhooks::mark_applied(&mut tx, &event.id).await?;
        }
        self.commit(tx, "committing a webhook's effect").await?;
        tracing::info!(event_id = %event.id, kind = %event.kind, applied, "webhook handled");
        Ok(Ack {
            event_id: event.id,
            kind: event.kind,
            applied,
        })
    }

    /// The event's effect on the payment it names; whether anything changed.
    async fn apply(&self, conn: &mut AnyConnection, event: &Event) -> Result<bool> {
        let object = &event.data.object;
        let intent_field = match event.kind.as_str() {
            "payment_intent.succeeded"
            | "payment_intent.payment_failed"
            | "payment_intent.canceled" => "id",
            "charge.refunded" => "payment_intent",
            _ => return Ok(false),
        };
        let Some(intent_id) = object[intent_field].as_str() else {
            return Ok(false);
        };
        let Some(found) = payments::by_intent(conn, intent_id).await? else {
            return Ok(false);
        };
        let Some(mut p) = payments::lock(conn, &found.id).await? else {
            return Ok(false);
        };
        let before = p.status;
        let now = now_ms();
        let why = format!("Stripe event {} ({})", event.kind, event.id);
        match (event.kind.as_str(), p.status) {
            ("payment_intent.succeeded", Status::Processing | Status::Authorized) => {
                p.status = Status::Succeeded;
                events::enqueue(conn, &p.order_id, &events::succeeded(&p)).await?;
            }
            ("payment_intent.payment_failed", Status::Processing) => {
                let error = &object["last_payment_error"];
                let text = |f: &str| {
                    error[f]
                        .as_str()
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                };
                p.status = Status::Failed;
                p.failure_code = text("decline_code")
                    .filter(|c| c != "generic_decline")
                    .or_else(|| text("code"))
                    .unwrap_or_else(|| "card_declined".into());
                p.failure_message =
                    text("message").unwrap_or_else(|| "Your card was declined.".into());
                events::enqueue(conn, &p.order_id, &events::failed(&p)).await?;
            }
            ("payment_intent.canceled", Status::Processing | Status::Authorized) => {
                p.status = Status::Cancelled;
            }
            ("charge.refunded", status) if status.is_captured() => {
                if !self
                    .refunded_elsewhere(conn, &mut p, object, event, now)
                    .await?
                {
                    return Ok(false);
                }
            }
            _ => return Ok(false),
        }
        p.lease_until = 0;
        p.updated_at = now;
        payments::save(conn, before, &p, &why).await?;
        intents::set_status(conn, &p.intent_id, IntentStatus::of_payment(p.status), now).await?;
        Ok(true)
    }

    /// A refund made outside vici (the Stripe dashboard): what the charge says was refunded
    /// beyond what vici refunded or is refunding is recorded as a refund of its own.
    async fn refunded_elsewhere(
        &self,
        conn: &mut AnyConnection,
        p: &mut Payment,
        charge: &Value,
        event: &Event,
        now: i64,
    ) -> Result<bool> {
        let total = charge["amount_refunded"]
            .as_i64()
            .unwrap_or(0)
            .min(p.amount_cents);
        let extra = total - p.refunded_cents - refunds::in_flight(conn, &p.id).await?;
        if extra <= 0 {
            return Ok(false);
        }
        let refund = Refund {
            id: vici_types::new_id(),
            payment_id: p.id.clone(),
            order_id: p.order_id.clone(),
            idempotency_key: format!("vici:webhook:{}", event.id),
            amount_cents: extra,
            status: RefundStatus::Succeeded,
            reason: "Refunded at the provider".into(),
            lease_until: 0,
            created_at: now,
        };
        refunds::insert(conn, &refund).await?;
        self.count_refund(conn, p, &refund, now).await?;
        Ok(true)
    }
}
