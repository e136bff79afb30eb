//! Capture and Reverse of an order's live payment. Both are idempotent by looking at where the
//! payment stands: a captured payment is returned as it is, a reversed one too. The provider is
//! called with keys derived from the payment id (`vici:payment:<id>:capture|cancel`), so two
//! racing callers are one request to it; the first to record the outcome wins and the other
//! returns what it recorded.
use vici_kit::{Error, Result};
use vici_store::now_ms;
use vici_types::OrderId;

use super::{Service, leased};
use crate::domain::{IntentStatus, Payment, ProviderKind, RefundStatus, Status};
use crate::events;
use crate::store::{intents, payments};

/// The refund key a Reverse of a captured payment uses: one per order, as an order keeps its
/// refunded payment live and is never reversed twice.
const REVERSE_KEY: &str = "vici:reverse";

impl Service {
    async fn live_payment(&self, order_id: &str) -> Result<Option<Payment>> {
        let mut conn = self
            .reader("taking a read connection for an order's live payment")
            .await?;
        payments::live(&mut conn, order_id).await
    }

    #[tracing::instrument(skip(self))]
    pub async fn capture(&self, order_id: &OrderId) -> Result<Payment> {
        let p = self
            .live_payment(order_id.as_str())
            .await?
            .ok_or_else(|| Error::not_found("This order has no payment to capture"))?;
        match p.status {
            Status::Pending => {
                self.mark(
                    &p.id,
                    p.status,
                    Status::Succeeded,
                    "Cash collected at delivery",
                )
                .await
            }
            Status::Authorized => {
                let key = format!("vici:payment:{}:capture", p.id);
                self.provider
                    .capture(&p.intent_id, p.amount_cents, &key)
                    .await
                    .map_err(|e| e.into_error(None))?;
                self.mark(&p.id, p.status, Status::Succeeded, "Captured")
                    .await
            }
            Status::Processing => Err(Error::unavailable(
                "This payment is still being authorised; retry shortly",
            )
            .with_detail("retryable", "true")),
            _ => Ok(p),
        }
    }

    #[tracing::instrument(skip(self))]
    pub async fn reverse(&self, order_id: &OrderId, reason: &str) -> Result<Payment> {
        let Some(p) = self.live_payment(order_id.as_str()).await? else {
            return self.payment_of(order_id).await;
        };
        let why = if reason.trim().is_empty() {
            "Reversed"
        } else {
            reason.trim()
        };
        match p.status {
            Status::Pending => self.mark(&p.id, p.status, Status::Cancelled, why).await,
            Status::Authorized => {
                self.void(&p).await?;
                self.mark(&p.id, p.status, Status::Cancelled, why).await
            }
            Status::Processing => {
                if leased(p.lease_until) {
                    return Err(Error::unavailable(
                        "This payment is still being authorised; retry shortly",
                    )
                    .with_detail("retryable", "true"));
                }
                // An attempt whose outcome is unknown: hold it so nobody confirms it meanwhile,
                // then release whatever the provider may have authorised.
                let Some(p) = self.take_over(&p.id).await? else {
                    return Box::pin(self.reverse(order_id, reason)).await;
                };
                if !p.intent_id.is_empty() {
                    self.void(&p).await?;
                }
                self.mark(&p.id, p.status, Status::Cancelled, why).await
            }
            Status::Succeeded | Status::PartiallyRefunded => {
                let (refund, payment) = self
                    .refund_with(order_id.as_str(), 0, why, REVERSE_KEY)
                    .await?;
                if refund.status == RefundStatus::Failed {
                    return Err(Error::conflict(
                        "The payment provider could not refund this payment",
                    ));
                }
                Ok(payment)
            }
            _ => Ok(p),
        }
    }

    async fn void(&self, p: &Payment) -> Result<()> {
        if p.provider == ProviderKind::Cash {
            return Ok(());
        }
        let key = format!("vici:payment:{}:cancel", p.id);
        self.provider
            .void(&p.intent_id, &key)
            .await
            .map_err(|e| e.into_error(None))
    }

    /// Moves the payment from `from` to `to` (announcing a capture), unless someone else moved
    /// it first: then it is returned as it now is.
    pub(super) async fn mark(
        &self,
        id: &str,
        from: Status,
        to: Status,
        reason: &str,
    ) -> Result<Payment> {
        let mut tx = self
            .begin("starting the payment status change transaction")
            .await?;
        let mut p = payments::lock(&mut tx, id)
            .await?
            .ok_or_else(|| Error::internal(anyhow::anyhow!("payment {id} vanished")))?;
        if p.status != from {
            return Ok(p);
        }
        p.status = to;
        p.lease_until = 0;
        p.updated_at = now_ms();
        payments::save(&mut tx, from, &p, reason).await?;
        intents::set_status(
            &mut tx,
            &p.intent_id,
            IntentStatus::of_payment(to),
            p.updated_at,
        )
        .await?;
        if to == Status::Succeeded {
            events::enqueue(&mut tx, &p.order_id, &events::succeeded(&p)).await?;
        }
        self.commit(tx, "committing a payment status change")
            .await?;
        Ok(p)
    }
}
