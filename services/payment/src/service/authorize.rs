//! Authorize: one row per attempt, inserted PROCESSING under a lease before the provider is
//! asked to confirm, so a concurrent duplicate of the attempt waits for the first caller's
//! outcome and a second attempt for an order that has a live payment is refused by the
//! database (`payments_live_order`). A card attempt's intent is asked for just before its row
//! (see [`Service::intent_for`]). Cash on delivery is recorded PENDING and never reaches a
//! provider.
use vici_kit::{Error, Result};
use vici_store::now_ms;
use vici_types::{OrderId, UserId};

use vici_store::claim::Poll;

use super::{LEASE_MS, Service, leased};
use crate::domain::{self, CASH_ON_DELIVERY, IntentStatus, Payment, ProviderKind, Status};
use crate::events;
use crate::provider::{Authorization, Decline, NewIntent, ProviderError};
use crate::store::{intents, payments};

pub struct AuthorizeRequest {
    pub order_id: OrderId,
    pub attempt_id: String,
    pub user_id: UserId,
    pub payment_method: String,
    pub amount_cents: i64,
    pub currency: String,
    pub intent_id: Option<String>,
}

/// Whether this caller created (or took over) the attempt, or found someone else's.
enum Start {
    Mine(Payment),
    Theirs(Payment),
}

/// Code recorded when the provider refuses the confirmation itself (e.g. an unknown Stripe
/// PaymentMethod id): to the shopper it is a failed payment like a decline.
const REFUSED_CODE: &str = "payment_method_refused";

impl Service {
    #[tracing::instrument(skip_all, fields(order_id = %req.order_id, attempt_id = %req.attempt_id))]
    pub async fn authorize(&self, req: AuthorizeRequest) -> Result<Payment> {
        let req = AuthorizeRequest {
            order_id: req.order_id,
            attempt_id: domain::required("attemptId", &req.attempt_id)?,
            user_id: req.user_id,
            payment_method: domain::required("paymentMethod", &req.payment_method)?,
            amount_cents: domain::positive_amount(req.amount_cents)?,
            currency: domain::currency(&req.currency)?,
            intent_id: req.intent_id.filter(|i| !i.trim().is_empty()),
        };
        if req.payment_method != CASH_ON_DELIVERY {
            self.provider
                .check_method(&req.payment_method)
                .map_err(|e| e.into_error(Some("paymentMethod")))?;
        }
        let made = self.intent_for(&req).await?;
        let payment = loop {
            let theirs = match self.start_attempt(&req, made.as_deref()).await? {
                Start::Mine(p) => break p,
                Start::Theirs(p) => p,
            };
            if theirs.order_id != req.order_id {
                return Err(
                    Error::conflict("This payment attempt belongs to another order")
                        .with_detail("attemptId", req.attempt_id.clone()),
                );
            }
            if theirs.status != Status::Processing {
                return Ok(theirs);
            }
            let first = self
                .wait_for(|| self.poll_attempt(&theirs.attempt_id))
                .await?;
            if let Some(p) = first {
                return Ok(p);
            }
            if let Some(p) = self.take_over(&theirs.id).await? {
                break p;
            }
        };
        if payment.provider == ProviderKind::Cash {
            return Ok(payment);
        }
        self.run_attempt(payment).await
    }

    /// The provider's intent for a card attempt whose client made none and which has no row
    /// yet, created before the row so the row is written once with it (before: a transaction
    /// more per checkout to record it). Keyed by the attempt id, so duplicates racing here get
    /// the same intent; one made for an attempt the database then refuses is never confirmed,
    /// so nothing is charged through it. An attempt that has a row, or whose request failed
    /// while a duplicate's row appeared (Stripe refuses a key another request holds), asks
    /// nothing: the loop in [`Self::authorize`] waits for that row's outcome, as before.
    async fn intent_for(&self, req: &AuthorizeRequest) -> Result<Option<String>> {
        if req.payment_method == CASH_ON_DELIVERY
            || req.intent_id.is_some()
            || self.attempt_recorded(&req.attempt_id).await?
        {
            return Ok(None);
        }
        let created = self
            .provider
            .create_intent(NewIntent {
                amount_cents: req.amount_cents,
                currency: &req.currency,
                user_id: req.user_id.as_str(),
                order_id: Some(req.order_id.as_str()),
                idempotency_key: &create_key(&req.attempt_id),
            })
            .await;
        match created {
            Ok(c) => Ok(Some(c.id)),
            Err(_) if self.attempt_recorded(&req.attempt_id).await? => Ok(None),
            Err(e) => Err(e.into_error(Some("paymentMethod"))),
        }
    }

    async fn attempt_recorded(&self, attempt_id: &str) -> Result<bool> {
        let mut conn = self
            .reader("taking a read connection to look a payment attempt up")
            .await?;
        Ok(payments::by_attempt(&mut conn, attempt_id).await?.is_some())
    }

    /// Inserts the attempt, or finds it. The intent named by the request is checked and
    /// claimed in the same transaction, so an order never keeps an intent it was refused;
    /// `made` is the one [`Self::intent_for`] created.
    async fn start_attempt(&self, req: &AuthorizeRequest, made: Option<&str>) -> Result<Start> {
        let mut tx = self
            .begin("starting the transaction of a new payment attempt")
            .await?;
        let now = now_ms();
        let cash = req.payment_method == CASH_ON_DELIVERY;
        let payment = Payment {
            id: vici_types::new_id(),
            order_id: req.order_id.to_string(),
            user_id: req.user_id.to_string(),
            attempt_id: req.attempt_id.clone(),
            intent_id: match (&req.intent_id, made) {
                _ if cash => String::new(),
                (Some(claimed), _) => claimed.clone(),
                (None, made) => made.unwrap_or_default().to_string(),
            },
            payment_method: req.payment_method.clone(),
            amount_cents: req.amount_cents,
            refunded_cents: 0,
            currency: req.currency.clone(),
            status: if cash {
                Status::Pending
            } else {
                Status::Processing
            },
            failure_code: String::new(),
            failure_message: String::new(),
            provider: if cash {
                ProviderKind::Cash
            } else {
                self.provider.kind()
            },
            lease_until: if cash { 0 } else { now + LEASE_MS },
            created_at: now,
            updated_at: now,
        };
        // A duplicate that got here (or a second attempt for an order with a live payment) is
        // refused by a unique key, and then read.
        if !payments::insert(&mut tx, &payment).await? {
            return match payments::by_attempt(&mut tx, &req.attempt_id).await? {
                Some(p) => Ok(Start::Theirs(p)),
                None => Err(Error::conflict(
                    "This order already has a payment in progress or made",
                )
                .with_detail("orderId", req.order_id.as_str())),
            };
        }
        if let Some(intent_id) = &req.intent_id {
            self.claim_intent(&mut tx, req, intent_id, now).await?;
        }
        self.commit(tx, "committing a new payment attempt").await?;
        Ok(Start::Mine(payment))
    }

    async fn claim_intent(
        &self,
        conn: &mut sqlx::AnyConnection,
        req: &AuthorizeRequest,
        intent_id: &str,
        now: i64,
    ) -> Result<()> {
        let intent = intents::by_id(conn, intent_id)
            .await?
            .ok_or_else(|| Error::not_found("Payment intent not found"))?;
        if intent.user_id != req.user_id {
            return Err(Error::conflict(
                "This payment intent belongs to someone else",
            ));
        }
        if intent.amount_cents != req.amount_cents || intent.currency != req.currency {
            return Err(Error::conflict("Cart changed")
                .with_detail("intentAmountCents", intent.amount_cents)
                .with_detail("amountCents", req.amount_cents));
        }
        if !intents::claim(conn, intent_id, req.order_id.as_str(), now).await? {
            return Err(Error::conflict(
                "This payment intent was used by another order",
            ));
        }
        intents::set_status(conn, intent_id, IntentStatus::Processing, now).await
    }

    async fn poll_attempt(&self, attempt_id: &str) -> Result<Poll<Payment>> {
        let mut conn = self
            .reader("taking a read connection to poll a payment attempt")
            .await?;
        let p = payments::by_attempt(&mut conn, attempt_id)
            .await?
            .ok_or_else(|| Error::internal(anyhow::anyhow!("attempt {attempt_id} vanished")))?;
        Ok(match p.status {
            Status::Processing if leased(p.lease_until) => Poll::Busy,
            Status::Processing => Poll::Free,
            _ => Poll::Done(p),
        })
    }

    /// Takes a PROCESSING attempt whose lease lapsed or was released; `None` if someone else
    /// took it first or it finished meanwhile.
    pub(super) async fn take_over(&self, id: &str) -> Result<Option<Payment>> {
        let mut tx = self
            .begin("starting the transaction taking over a payment attempt")
            .await?;
        let Some(mut p) = payments::lock(&mut tx, id).await? else {
            return Ok(None);
        };
        if p.status != Status::Processing || leased(p.lease_until) {
            return Ok(None);
        }
        p.lease_until = now_ms() + LEASE_MS;
        payments::save(&mut tx, p.status, &p, "").await?;
        self.commit(tx, "committing a payment attempt's takeover")
            .await?;
        Ok(Some(p))
    }

    /// The provider calls of an attempt this caller holds: the intent (when its row has none,
    /// written before intents were made first), then the confirmation. Keys come from the
    /// attempt id, so a takeover repeats them.
    async fn run_attempt(&self, mut p: Payment) -> Result<Payment> {
        if p.intent_id.is_empty() {
            let created = self
                .provider
                .create_intent(NewIntent {
                    amount_cents: p.amount_cents,
                    currency: &p.currency,
                    user_id: &p.user_id,
                    order_id: Some(&p.order_id),
                    idempotency_key: &create_key(&p.attempt_id),
                })
                .await;
            match created {
                Ok(c) => {
                    p.intent_id = c.id;
                    self.record_intent(&p).await?;
                }
                Err(e) => return Err(self.release(&p, e).await),
            }
        }
        let key = format!("vici:attempt:{}:confirm", p.attempt_id);
        let outcome = match self
            .provider
            .authorize(&p.intent_id, &p.payment_method, &key)
            .await
        {
            Ok(Authorization::Authorized) => None,
            Ok(Authorization::Declined(d)) => Some(d),
            Err(ProviderError::Refused(message)) => Some(Decline {
                code: REFUSED_CODE.into(),
                message,
            }),
            Err(e) => return Err(self.release(&p, e).await),
        };
        self.finish_attempt(&p.id, outcome).await
    }

    async fn record_intent(&self, p: &Payment) -> Result<()> {
        let mut tx = self
            .begin("starting the transaction recording an attempt's intent")
            .await?;
        if let Some(mut stored) = payments::lock(&mut tx, &p.id).await? {
            stored.intent_id = p.intent_id.clone();
            payments::save(&mut tx, stored.status, &stored, "").await?;
        }
        self.commit(tx, "committing an attempt's intent").await
    }

    /// Gives the lease up after an unknown outcome so a repeat retries at once; the provider
    /// error is what the caller gets.
    async fn release(&self, p: &Payment, e: ProviderError) -> Error {
        let released = async {
            let mut tx = self
                .begin("starting the transaction releasing a payment lease")
                .await?;
            if let Some(mut stored) = payments::lock(&mut tx, &p.id).await?
                && stored.status == Status::Processing
            {
                stored.lease_until = 0;
                payments::save(&mut tx, stored.status, &stored, "").await?;
            }
            self.commit(tx, "committing a released payment lease").await
        };
        if let Err(db) = released.await {
            tracing::warn!(error = ?db, payment_id = %p.id, "could not release a payment lease");
        }
        e.into_error(Some("paymentMethod"))
    }

    /// Records the confirmation's outcome, unless a webhook already moved the payment on.
    pub(super) async fn finish_attempt(
        &self,
        id: &str,
        decline: Option<Decline>,
    ) -> Result<Payment> {
        let mut tx = self
            .begin("starting the transaction recording an authorisation")
            .await?;
        let mut p = payments::lock(&mut tx, id)
            .await?
            .ok_or_else(|| Error::internal(anyhow::anyhow!("payment {id} vanished")))?;
        if p.status != Status::Processing {
            return Ok(p);
        }
        let before = p.status;
        p.lease_until = 0;
        p.updated_at = now_ms();
        let reason = match decline {
            None => {
                p.status = Status::Authorized;
                "Authorised by the provider".to_string()
            }
            Some(d) => {
                p.status = Status::Failed;
                p.failure_code = d.code;
                p.failure_message = d.message;
                format!("Declined: {}", p.failure_message)
            }
        };
        payments::save(&mut tx, before, &p, &reason).await?;
        intents::set_status(
            &mut tx,
            &p.intent_id,
            IntentStatus::of_payment(p.status),
            p.updated_at,
        )
        .await?;
        if p.status == Status::Failed {
            events::enqueue(&mut tx, &p.order_id, &events::failed(&p)).await?;
        }
        self.commit(tx, "committing an authorisation's outcome")
            .await?;
        Ok(p)
    }
}

/// The provider's idempotency key for creating an attempt's intent.
fn create_key(attempt_id: &str) -> String {
    format!("vici:attempt:{attempt_id}:create")
}
