//! Compensation: undoing what a saga did (payment reversed, coupon released, stock released,
//! order CANCELLED), and cancellation of an existing order, whose compensation is recorded as
//! a `cancel` saga before it starts so recovery finishes it if this process dies half-way.
use vici_kit::Result;
use vici_store::error::SqlxResultExt as _;
use vici_store::now_ms;
use vici_types::OrderId;

use super::{Engine, Record, Settle};
use crate::domain::order::Order;
use crate::domain::payment::ChargeStatus;
use crate::domain::saga::{State, Step};
use crate::domain::status::{OrderStatus, PaymentStatus};
use crate::moves::{self, Move};
use crate::store::sagas;

/// How much of a saga to undo.
#[derive(Clone, Debug)]
pub enum Undo {
    /// Only the payment attempt (a failed payment of a PAYMENT_PENDING order: it stays so, with
    /// its stock held).
    Payment { reason: String },
    /// Everything, the order (if written) ending CANCELLED for `reason`; `payment_status`
    /// overrides what the order shows (FAILED for a decline).
    All {
        reason: String,
        payment_status: Option<PaymentStatus>,
        by: String,
    },
}

impl Engine {
    /// Undoes `rec` as far as `undo` says and ends it failed with `settle`. When a neighbour
    /// cannot be reached the saga stays running (and its lock taken) for recovery to retry.
    pub(crate) async fn compensate(&self, rec: &Record, undo: Undo, settle: Settle) -> Result<()> {
        let (reason, all) = match &undo {
            Undo::Payment { reason } => (reason.as_str(), None),
            Undo::All {
                reason,
                payment_status,
                by,
            } => (reason.as_str(), Some((*payment_status, by.as_str()))),
        };
        // A payment can only exist once the order row does (it is made in step 7).
        let reversed = if rec.step >= Step::OrderWritten {
            self.reverse(&rec.order_id, reason).await?
        } else {
            None
        };
        if let Some((payment_status, by)) = all {
            self.release_coupon(&rec.order_id).await?;
            self.release_stock(&rec.order_id, reason).await?;
            let refunded = reversed
                .as_ref()
                .is_some_and(|p| p.status == ChargeStatus::Refunded);
            let shown = payment_status.or(refunded.then_some(PaymentStatus::Refunded));
            self.mark_cancelled(&rec.order_id, reason, by, shown)
                .await?;
        }
        self.end(rec, State::Failed, settle).await
    }

    /// The order (when it was written) CANCELLED for `reason`, unless it already is.
    async fn mark_cancelled(
        &self,
        order_id: &OrderId,
        reason: &str,
        by: &str,
        payment_status: Option<PaymentStatus>,
    ) -> Result<()> {
        let now = now_ms();
        let mut tx = self
            .begin("starting the transaction cancelling a failed checkout's order")
            .await?;
        let Some(order) = crate::store::orders::get(&mut tx, order_id).await? else {
            return Ok(());
        };
        if order.status == OrderStatus::Cancelled {
            if payment_status.is_some() {
                moves::amend(&mut tx, order_id, payment_status, None, now).await?;
            }
        } else {
            let mut mv = Move::new(OrderStatus::Cancelled, reason, by).because(reason);
            mv.payment_status = payment_status;
            moves::apply(&mut tx, order_id, mv, now).await?;
        }
        tx.commit()
            .await
            .db_err("committing a failed checkout's cancelled order")?;
        self.wake();
        Ok(())
    }

    /// Cancels `order` (already checked to be the caller's): CANCELLED with its history and
    /// `order.cancelled` at once, then the compensation. A repeat is refused by the transition
    /// table before anything acts again, and a cancel while the payment is being taken is
    /// refused until it is (`moves::cancel`).
    pub async fn cancel(&self, order: &Order, by: &str, reason: &str) -> Result<Order> {
        let now = now_ms();
        let rec = Record::cancelling(order, by, reason, now, self.due_after(now));
        let mut tx = self
            .begin("starting the order cancellation transaction")
            .await?;
        let mv = Move::new(OrderStatus::Cancelled, reason, by).because(reason);
        let cancelled = moves::cancel(&mut tx, &order.id, mv, now).await?;
        sagas::insert(&mut tx, &rec).await?;
        tx.commit()
            .await
            .db_err("committing the order cancellation")?;
        self.wake();
        match self.run_cancel(&rec).await {
            Ok(o) => Ok(o),
            Err(e) => {
                // The order is cancelled; recovery completes the refund and the restock.
                tracing::warn!(order_id = %order.id, error = ?e, "cancellation left for recovery");
                Ok(cancelled)
            }
        }
    }

    /// A cancellation's compensation: payment reversed (REFUNDED when money had been taken),
    /// stock released or restocked, coupon released. Every call is idempotent.
    pub(crate) async fn run_cancel(&self, rec: &Record) -> Result<Order> {
        let reversed = self.reverse(&rec.order_id, &rec.reason).await?;
        self.release_stock(&rec.order_id, &rec.reason).await?;
        self.release_coupon(&rec.order_id).await?;
        let now = now_ms();
        let mut tx = self
            .begin("starting the transaction completing a cancellation")
            .await?;
        let order = if reversed.is_some_and(|p| p.status == ChargeStatus::Refunded) {
            moves::amend(
                &mut tx,
                &rec.order_id,
                Some(PaymentStatus::Refunded),
                None,
                now,
            )
            .await?
        } else {
            moves::load(&mut tx, &rec.order_id).await?
        };
        sagas::end(&mut tx, &rec.id, State::Done, now).await?;
        tx.commit()
            .await
            .db_err("committing a completed cancellation")?;
        Ok(order)
    }
}
