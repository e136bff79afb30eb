//! The flows of the plan: PlaceOrder (`pay_now` true: steps 2–11; false: 2–6 then
//! PAYMENT_PENDING, or cash authorised and committed) and PayOrder (7–10), each under the
//! user's checkout lock. A failed step compensates what the saga did before answering.
use vici_kit::{Error, ErrorCode, Result};
use vici_store::now_ms;
use vici_types::{IdempotencyKey, OrderId, TypedId as _, UserId};

use super::undo::Undo;
use super::{Engine, Failure, Record, Settle, stop_at};
use crate::domain::checkout::{Checkout, draft};
use crate::domain::order::{CASH_ON_DELIVERY, Order, SYSTEM};
use crate::domain::payment::ChargeStatus;
use crate::domain::saga::{Kind, State, Step};
use crate::domain::status::{OrderStatus, PaymentStatus};
use crate::moves::Move;
use crate::store::sagas;

pub const EXPIRED: &str = "Your reservation expired before payment; nothing was charged";
pub const NOT_COMPLETED: &str = "Checkout could not be completed; nothing was charged";
const CART_BUSY: &str = "A checkout of this cart is already in progress";
const PAYMENT_BUSY: &str = "A payment for this order is already in progress";

impl Engine {
    /// PlaceOrder. `stop` is the test hook: the saga stops right after that step.
    pub async fn place(&self, c: Checkout, stop: Option<Step>) -> Result<Order, Failure> {
        let now = now_ms();
        let kind = if c.pay_now {
            Kind::Confirm
        } else {
            Kind::Place
        };
        let rec = Record::begin(
            kind,
            OrderId::generate(),
            c.user_id.clone(),
            c.payment_method.clone(),
            now,
            self.due_after(now),
        )
        .keyed(c.idempotency.clone());
        let (saga_id, user_id) = (rec.id.clone(), rec.user_id.clone());
        self.lock(&user_id, &saga_id, CART_BUSY).await?;
        let result = self.place_locked(rec, c, stop).await;
        self.conclude(&saga_id, &user_id, result).await
    }

    /// PayOrder on `order` (already checked to be the caller's).
    pub async fn pay(
        &self,
        order: &Order,
        payment_method: &str,
        idempotency: Option<IdempotencyKey>,
        stop: Option<Step>,
    ) -> Result<Order, Failure> {
        if order.status != OrderStatus::PaymentPending {
            return Err(Error::conflict(format!(
                "Order {} cannot be paid: it is {}",
                order.order_number,
                order.status.as_str()
            ))
            .with_detail("status", order.status.as_str())
            .into());
        }
        let now = now_ms();
        let mut rec = Record::begin(
            Kind::Pay,
            order.id.clone(),
            order.user_id.clone(),
            payment_method.into(),
            now,
            self.due_after(now),
        )
        .keyed(idempotency);
        let saga_id = rec.id.clone();
        self.lock(&order.user_id, &saga_id, PAYMENT_BUSY).await?;
        let result = async {
            let mut conn = self
                .writer("taking a connection to record a payment saga")
                .await?;
            sagas::insert(&mut conn, &rec).await?;
            drop(conn);
            self.take_payment(&mut rec, stop).await
        }
        .await;
        self.conclude(&saga_id, &order.user_id, result).await
    }

    async fn lock(&self, user_id: &UserId, holder: &str, busy: &str) -> Result<(), Failure> {
        let now = now_ms();
        let stale = now - i64::try_from(self.config.recovery_after.as_millis()).unwrap_or(0);
        let mut conn = self
            .writer("taking a connection for the checkout lock")
            .await?;
        if sagas::lock(&mut conn, user_id, holder, now, stale).await? {
            Ok(())
        } else {
            Err(Error::conflict(busy).into())
        }
    }

    /// The answer of a flow: an error says whether the saga is over; the lock of a saga that
    /// never got a record (or ended) is given back.
    async fn conclude(
        &self,
        saga_id: &str,
        user_id: &UserId,
        result: Result<Order>,
    ) -> Result<Order, Failure> {
        let error = match result {
            Ok(o) => return Ok(o),
            Err(e) => e,
        };
        let settled = self.settled(saga_id).await;
        if settled && let Ok(mut conn) = self.db.writer().acquire().await {
            let _ = sagas::unlock(&mut conn, user_id, saga_id).await;
        }
        Err(Failure { error, settled })
    }

    async fn place_locked(&self, rec: Record, c: Checkout, stop: Option<Step>) -> Result<Order> {
        // Step 3: the cart as it is now, the coupon asked for applied to it first.
        let snapshot = self
            .cart_for_checkout(&c.user_id, c.coupon_code.as_deref(), &c.session_id)
            .await?;
        let mut rec = rec.drafting(draft(&c, snapshot)?);
        if rec.awaits_payment() {
            self.room_for_unpaid(&rec).await?;
        }
        {
            let mut conn = self
                .writer("taking a connection to record a checkout saga")
                .await?;
            sagas::insert(&mut conn, &rec).await?;
        }
        stop_at(&rec, Step::Started, stop)?;
        if let Err(e) = self.reserve(&rec).await {
            return self.fail(&rec, e, undo_all(NOT_COMPLETED, None)).await;
        }
        self.passed(&mut rec, Step::Reserved, stop)?;
        if let Err(e) = self.redeem_coupon(&rec).await {
            return self.fail(&rec, e, undo_all(NOT_COMPLETED, None)).await;
        }
        self.passed(&mut rec, Step::CouponRedeemed, stop)?;
        self.write_order(&rec).await?;
        rec.step = Step::OrderWritten;
        stop_at(&rec, Step::OrderWritten, stop)?;
        if rec.awaits_payment() {
            let mv = Move::new(
                OrderStatus::PaymentPending,
                "Awaiting payment",
                rec.user_id.as_str(),
            );
            let order = self.finalise(&rec, mv).await?;
            rec.step = Step::Finalised;
            stop_at(&rec, Step::Finalised, stop)?;
            self.wind_up_or_leave(&rec).await;
            return Ok(order);
        }
        self.take_payment(&mut rec, stop).await
    }

    /// Steps 7–11 for a saga whose order is written.
    async fn take_payment(&self, rec: &mut Record, stop: Option<Step>) -> Result<Order> {
        let on_error = match rec.kind {
            Kind::Pay => Undo::Payment {
                reason: NOT_COMPLETED.into(),
            },
            _ => undo_all(NOT_COMPLETED, None),
        };
        let payment = match self.authorize(rec).await {
            Ok(p) => p,
            Err(e) => return self.fail(rec, e, on_error).await,
        };
        if payment.status == ChargeStatus::Failed {
            return self.declined(rec, &payment.failure_message).await;
        }
        self.passed(rec, Step::Authorized, stop)?;
        if let Err(e) = self.commit_stock(&rec.order_id).await {
            return match e.code {
                ErrorCode::Conflict => {
                    let e = Error::conflict(EXPIRED).with_detail("orderId", rec.order_id.as_str());
                    self.fail(rec, e, undo_all(EXPIRED, None)).await
                }
                _ => self.fail(rec, e, on_error).await,
            };
        }
        match self.claim_payment(rec).await {
            Ok(()) => stop_at(rec, Step::Committed, stop)?,
            Err(e) if e.code == ErrorCode::Conflict => {
                let reason = e.message.clone();
                return self.fail(rec, e, undo_all(&reason, None)).await;
            }
            Err(e) => return Err(e),
        }
        let cash = rec.payment_method == CASH_ON_DELIVERY;
        let payment = if cash {
            payment
        } else {
            match self.capture(&rec.order_id).await {
                Ok(p) => p,
                Err(e) => return self.fail(rec, e, on_error).await,
            }
        };
        self.passed(rec, Step::Captured, stop)?;
        let order = self.confirm(rec, &payment.id).await?;
        stop_at(rec, Step::Finalised, stop)?;
        self.wind_up_or_leave(rec).await;
        Ok(order)
    }

    /// Step 10 once the money is taken (or, for cash, promised). An order cancelled meanwhile
    /// cannot be confirmed: the payment is then reversed.
    pub async fn confirm(&self, rec: &mut Record, payment_id: &str) -> Result<Order> {
        let mv = if rec.payment_method == CASH_ON_DELIVERY {
            Move::new(
                OrderStatus::Confirmed,
                "Order confirmed; payment on delivery",
                SYSTEM,
            )
            .paid(PaymentStatus::Pending, Some(payment_id.into()))
        } else {
            let mut mv = Move::new(OrderStatus::Confirmed, "Payment received", SYSTEM)
                .paid(PaymentStatus::Paid, Some(payment_id.into()));
            mv.paid_now = true;
            mv
        };
        match self.finalise(rec, mv).await {
            Ok(o) => {
                rec.step = Step::Finalised;
                Ok(o)
            }
            Err(e) if e.code == ErrorCode::Conflict => {
                let reason = "The order was cancelled during payment; the payment was reversed";
                self.fail(rec, e, undo_all(reason, None)).await
            }
            Err(e) => Err(e),
        }
    }

    /// A declined payment: checkout cancels its order; a PayOrder leaves it PAYMENT_PENDING
    /// with the decline as its reason. Either way PAYMENT_FAILED names the order.
    async fn declined(&self, rec: &Record, message: &str) -> Result<Order> {
        let message = if message.trim().is_empty() {
            "Your payment was declined."
        } else {
            message
        };
        let e = Error::new(ErrorCode::PaymentFailed, message)
            .with_detail("orderId", rec.order_id.as_str());
        if rec.kind == Kind::Pay {
            {
                // Given back before compensating: SQLite has one writer connection.
                let mut conn = self
                    .writer("taking a connection to note a declined payment")
                    .await?;
                let reason = Some(message.to_string());
                crate::moves::amend(&mut conn, &rec.order_id, None, reason, now_ms()).await?;
            }
            let undo = Undo::Payment {
                reason: message.into(),
            };
            return self.fail(rec, e, undo).await;
        }
        self.fail(rec, e, undo_all(message, Some(PaymentStatus::Failed)))
            .await
    }

    /// Compensates `rec` as `undo` says and answers `e`, which is stored for the key.
    async fn fail(&self, rec: &Record, e: Error, undo: Undo) -> Result<Order> {
        if let Err(cause) = self.compensate(rec, undo, Settle::error(&e)).await {
            // Still running: recovery retries the compensation; the answer is still `e`.
            tracing::warn!(saga = %rec.id, error = ?cause, "compensation left for recovery");
        }
        Err(e)
    }

    /// Step 11 and the end of the saga.
    pub async fn wind_up(&self, rec: &Record) -> Result<()> {
        self.clear_cart(rec).await?;
        self.end(rec, State::Done, Settle::AsIs).await
    }

    /// Step 11 in a request: a cart that cannot be cleared now is cleared by recovery; the
    /// order stands either way.
    async fn wind_up_or_leave(&self, rec: &Record) {
        if let Err(e) = self.wind_up(rec).await {
            tracing::warn!(saga = %rec.id, error = ?e, "clearing the cart left for recovery");
        }
    }
}

fn undo_all(reason: &str, payment_status: Option<PaymentStatus>) -> Undo {
    Undo::All {
        reason: reason.into(),
        payment_status,
        by: SYSTEM.into(),
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure {
            error,
            settled: true,
        }
    }
}
