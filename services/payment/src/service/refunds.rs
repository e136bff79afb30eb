//! RefundPayment (and the refund behind a Reverse of a captured payment): partial or full,
//! idempotent per (order, key). The refund row is inserted PROCESSING under the payment's lock
//! after checking what is left (refunded plus in-flight refunds), so concurrent refunds never
//! take more than was captured; the provider is called with `vici:refund:<refund id>`.
use vici_kit::{Error, Result};
use vici_store::now_ms;
use vici_types::OrderId;

use vici_store::claim::Poll;

use super::{LEASE_MS, Service, leased};
use crate::domain::{self, Payment, ProviderKind, Refund, RefundStatus, Status};
use crate::events;
use crate::provider::ProviderError;
use crate::store::{payments, refunds};

pub struct RefundRequest {
    pub order_id: OrderId,
    /// 0 = everything not yet refunded.
    pub amount_cents: i64,
    pub reason: String,
    pub idempotency_key: String,
}

enum Start {
    Mine(Refund, Box<Payment>),
    Theirs(Refund),
}

impl Service {
    #[tracing::instrument(skip_all, fields(order_id = %req.order_id))]
    pub async fn refund(&self, req: RefundRequest) -> Result<(Refund, Payment)> {
        let order_id = req.order_id.as_str();
        let key = domain::required("idempotencyKey", &req.idempotency_key)?;
        if req.amount_cents < 0 {
            return Err(Error::validation(
                "amountCents",
                "The amount must be positive, or 0 for everything not yet refunded",
            ));
        }
        self.refund_with(order_id, req.amount_cents, req.reason.trim(), &key)
            .await
    }

    pub(super) async fn refund_with(
        &self,
        order_id: &str,
        amount: i64,
        reason: &str,
        key: &str,
    ) -> Result<(Refund, Payment)> {
        loop {
            let theirs = match self.start_refund(order_id, amount, reason, key).await? {
                Start::Mine(r, p) => return self.run_refund(r, *p).await,
                Start::Theirs(r) => r,
            };
            if theirs.status != RefundStatus::Processing {
                return self.with_payment(theirs).await;
            }
            if let Some(r) = self.wait_for(|| self.poll_refund(order_id, key)).await? {
                return self.with_payment(r).await;
            }
            let mut tx = self
                .begin("starting the transaction taking over a refund")
                .await?;
            let until = now_ms() + LEASE_MS;
            let mine = refunds::take_lease(&mut tx, &theirs.id, theirs.lease_until, until).await?;
            self.commit(tx, "committing a refund's takeover").await?;
            if mine {
                let (_, p) = self.with_payment(theirs.clone()).await?;
                return self.run_refund(theirs, p).await;
            }
        }
    }

    async fn with_payment(&self, r: Refund) -> Result<(Refund, Payment)> {
        let mut conn = self
            .reader("taking a read connection for a refund's payment")
            .await?;
        let p = payments::by_id(&mut conn, &r.payment_id)
            .await?
            .ok_or_else(|| Error::internal(anyhow::anyhow!("payment {} vanished", r.payment_id)))?;
        Ok((r, p))
    }

    async fn poll_refund(&self, order_id: &str, key: &str) -> Result<Poll<Refund>> {
        let mut conn = self
            .reader("taking a read connection to poll a refund")
            .await?;
        let r = refunds::by_key(&mut conn, order_id, key)
            .await?
            .ok_or_else(|| Error::internal(anyhow::anyhow!("refund {key} vanished")))?;
        Ok(match r.status {
            RefundStatus::Processing if leased(r.lease_until) => Poll::Busy,
            RefundStatus::Processing => Poll::Free,
            _ => Poll::Done(r),
        })
    }

    async fn start_refund(
        &self,
        order_id: &str,
        amount: i64,
        reason: &str,
        key: &str,
    ) -> Result<Start> {
        let mut tx = self.begin("starting the refund transaction").await?;
        if let Some(r) = refunds::by_key(&mut tx, order_id, key).await? {
            return Ok(Start::Theirs(r));
        }
        let Some(live) = payments::live(&mut tx, order_id).await? else {
            return Err(match payments::latest(&mut tx, order_id).await? {
                Some(_) => Error::conflict("Nothing has been captured for this order"),
                None => Error::not_found("This order has no payment"),
            });
        };
        let p = payments::lock(&mut tx, &live.id)
            .await?
            .ok_or_else(|| Error::internal(anyhow::anyhow!("payment {} vanished", live.id)))?;
        // Another caller with the same key may have inserted while this one waited for the lock.
        if let Some(r) = refunds::by_key(&mut tx, order_id, key).await? {
            return Ok(Start::Theirs(r));
        }
        if !p.status.is_captured() && p.status != Status::Refunded {
            return Err(Error::conflict("Nothing has been captured for this order"));
        }
        let left = p.refundable() - refunds::in_flight(&mut tx, &p.id).await?;
        let amount = if amount == 0 { left } else { amount };
        if left <= 0 {
            return Err(Error::conflict("Nothing is left to refund on this payment")
                .with_detail("refundableCents", 0));
        }
        if amount > left {
            return Err(Error::conflict(format!(
                "Only {left} cents of this payment can still be refunded"
            ))
            .with_detail("refundableCents", left));
        }
        let now = now_ms();
        let refund = Refund {
            id: vici_types::new_id(),
            payment_id: p.id.clone(),
            order_id: order_id.to_string(),
            idempotency_key: key.to_string(),
            amount_cents: amount,
            status: RefundStatus::Processing,
            reason: reason.to_string(),
            lease_until: now + LEASE_MS,
            created_at: now,
        };
        refunds::insert(&mut tx, &refund).await?;
        self.commit(tx, "committing a new refund").await?;
        Ok(Start::Mine(refund, Box::new(p)))
    }

    /// Refunds at the provider (cash is handed back by the shop, no provider) and records it.
    async fn run_refund(&self, r: Refund, p: Payment) -> Result<(Refund, Payment)> {
        let outcome = if p.provider == ProviderKind::Cash {
            Ok(String::new())
        } else {
            let key = format!("vici:refund:{}", r.id);
            self.provider
                .refund(&p.intent_id, r.amount_cents, &key)
                .await
        };
        match outcome {
            Ok(provider_id) => {
                self.finish_refund(r, RefundStatus::Succeeded, &provider_id)
                    .await
            }
            Err(ProviderError::Refused(message)) => {
                tracing::warn!(refund_id = %r.id, %message, "the provider refused a refund");
                self.finish_refund(r, RefundStatus::Failed, "").await
            }
            Err(e) => {
                let mut tx = self
                    .begin("starting the transaction releasing a refund lease")
                    .await?;
                refunds::release(&mut tx, &r.id).await?;
                self.commit(tx, "committing a released refund lease")
                    .await?;
                Err(e.into_error(None))
            }
        }
    }

    async fn finish_refund(
        &self,
        mut r: Refund,
        status: RefundStatus,
        provider_id: &str,
    ) -> Result<(Refund, Payment)> {
        let mut tx = self
            .begin("starting the transaction recording a refund's outcome")
            .await?;
        let mut p = payments::lock(&mut tx, &r.payment_id)
            .await?
            .ok_or_else(|| Error::internal(anyhow::anyhow!("payment {} vanished", r.payment_id)))?;
        let now = now_ms();
        if refunds::finish(&mut tx, &r.id, status, provider_id, now).await? {
            r.status = status;
            r.lease_until = 0;
            if status == RefundStatus::Succeeded {
                let before = p.status;
                self.count_refund(&mut tx, &mut p, &r, now).await?;
                let why = format!("Refunded {} cents: {}", r.amount_cents, r.reason);
                payments::save(&mut tx, before, &p, why.trim_end_matches(": ")).await?;
            }
        } else if let Some(stored) =
            refunds::by_key(&mut tx, &r.order_id, &r.idempotency_key).await?
        {
            r = stored;
        }
        self.commit(tx, "committing a refund's outcome").await?;
        Ok((r, p))
    }

    /// Adds a succeeded refund to the payment (to be saved by the caller) and announces it.
    pub(super) async fn count_refund(
        &self,
        conn: &mut sqlx::AnyConnection,
        p: &mut Payment,
        r: &Refund,
        now: i64,
    ) -> Result<()> {
        p.refunded_cents += r.amount_cents;
        p.status = Status::after_refund(p.refunded_cents, p.amount_cents);
        p.updated_at = now;
        events::enqueue(conn, &p.order_id, &events::refunded(r)).await
    }
}
