//! One function per saga step and one per undo. Each is idempotent: the neighbours key their
//! effect by the order id (reservation, redemption, payment) or the attempt id (authorisation),
//! and the order row is written once per id; repeating any of them after a crash acts once.
use vici_kit::{Error, Result};
use vici_store::error::SqlxResultExt as _;
use vici_store::now_ms;
use vici_types::{OrderId, UserId};

use super::{Engine, Record, Settle, settle_idempotency};
use crate::domain::checkout::CartSnapshot;
use crate::domain::checkout::{UnpaidLimits, room_for_unpaid};
use crate::domain::order::{CASH_ON_DELIVERY, Draft, HistoryEntry, Order};
use crate::domain::outcome::Outcome;
use crate::domain::payment::{Authorization, Payment};
use crate::domain::saga::{Kind, Step};
use crate::domain::status::{OrderStatus, PaymentStatus};
use crate::events;
use crate::moves::{self, Move};
use crate::store::{orders, sagas};

impl Record {
    pub(crate) fn draft(&self) -> Result<&Draft> {
        self.draft
            .as_ref()
            .ok_or_else(|| Error::internal(anyhow::anyhow!("saga {} has no draft", self.id)))
    }

    /// Whether this checkout leaves an order awaiting payment (POST /orders by card).
    pub(crate) fn awaits_payment(&self) -> bool {
        self.kind == Kind::Place && self.payment_method != CASH_ON_DELIVERY
    }
}

impl Engine {
    /// Step 3's input: the user's cart as it is now, a coupon asked for put on it first (with
    /// the cart's refusals).
    pub(crate) async fn cart_for_checkout(
        &self,
        user_id: &UserId,
        coupon_code: Option<&str>,
        session_id: &str,
    ) -> Result<CartSnapshot> {
        if let Some(code) = coupon_code {
            self.cart.apply_coupon(user_id, code).await?;
        }
        self.cart.snapshot(user_id, session_id).await
    }

    /// Before an order awaiting payment is recorded: the account's limits on such orders.
    /// Runs under the account's checkout lock, so two placements cannot both take the last
    /// place.
    pub async fn room_for_unpaid(&self, rec: &Record) -> Result<()> {
        let mut conn = self
            .writer("taking a connection to count unpaid orders")
            .await?;
        let unpaid =
            orders::of_user_in(&mut conn, &rec.user_id, OrderStatus::PaymentPending).await?;
        let limits = UnpaidLimits {
            max_orders: self.config.max_unpaid_orders,
            max_units: self.config.max_unpaid_units,
        };
        room_for_unpaid(&unpaid, rec.draft()?, limits)
    }

    /// Step 4: holds the stock of every line for the order (all or none); an order awaiting
    /// payment for its own, shorter time.
    pub async fn reserve(&self, rec: &Record) -> Result<()> {
        let hold = rec.awaits_payment().then_some(self.config.unpaid_hold);
        self.stock
            .reserve(&rec.order_id, &rec.draft()?.items, hold)
            .await
    }

    /// Undo of steps 4 and 8: held stock returns, committed stock is put back. An order that
    /// never got a reservation has nothing to release.
    pub async fn release_stock(&self, order_id: &OrderId, reason: &str) -> Result<()> {
        self.stock.release(order_id, reason).await
    }

    /// Step 5: counts the coupon's use for the order (nothing without a coupon).
    pub async fn redeem_coupon(&self, rec: &Record) -> Result<()> {
        let draft = rec.draft()?;
        let Some(code) = &draft.coupon_code else {
            return Ok(());
        };
        let subtotal = draft.totals.subtotal_cents;
        self.cart
            .redeem_coupon(code, &rec.user_id, &rec.order_id, subtotal)
            .await
    }

    /// Undo of step 5 (a no-op when nothing was redeemed).
    pub async fn release_coupon(&self, order_id: &OrderId) -> Result<()> {
        self.cart.release_coupon(order_id).await
    }

    /// Step 6: the order row PENDING with its number, its first history entry and
    /// `order.created`, with the step recorded in the same transaction. A repeat finds the row
    /// and writes nothing. The number is taken after the saga's step: on SQLite it is a
    /// counter row held until the commit (`orders::next_number`).
    pub async fn write_order(&self, rec: &Record) -> Result<Order> {
        let now = now_ms();
        let mut tx = self
            .begin("starting the transaction writing an order")
            .await?;
        sagas::advance(
            &mut tx,
            &rec.id,
            Step::OrderWritten,
            self.due_after(now),
            now,
        )
        .await?;
        let order = Order {
            id: rec.order_id.clone(),
            order_number: orders::next_number(&mut tx).await?,
            user_id: rec.user_id.clone(),
            status: OrderStatus::Pending,
            payment_status: PaymentStatus::Pending,
            payment_id: None,
            tracking: None,
            status_reason: None,
            draft: rec.draft()?.clone(),
            created_at: now,
            updated_at: now,
        };
        // Written without a read first: a repeat of the step would find the row there and read
        // it, leaving a gap where the number it took would have been (on SQLite too).
        let order = if orders::insert(&mut tx, &order).await? {
            let placed = HistoryEntry {
                status: OrderStatus::Pending,
                note: "Order placed".into(),
                at: now,
                by: rec.user_id.to_string(),
            };
            orders::add_history(&mut tx, &order.id, &placed).await?;
            events::enqueue(&mut tx, &order, 0, false).await?;
            order
        } else {
            moves::load(&mut tx, &rec.order_id).await?
        };
        tx.commit().await.db_err("committing a written order")?;
        self.wake();
        Ok(order)
    }

    /// Step 7: authorises the attempt recorded on the saga. A decline is an answer (status
    /// FAILED), not an error.
    pub async fn authorize(&self, rec: &Record) -> Result<Payment> {
        // A checkout's record carries the draft its order was written from; a payment of an
        // existing order reads it.
        let read;
        let draft = match &rec.draft {
            Some(draft) => draft,
            None => {
                read = self.order(&rec.order_id).await?;
                &read.draft
            }
        };
        let request = Authorization {
            order_id: rec.order_id.clone(),
            attempt_id: rec.attempt_id.clone(),
            user_id: rec.user_id.clone(),
            payment_method: rec.payment_method.clone(),
            amount_cents: draft.totals.total_cents,
            currency: draft.currency.clone(),
            intent_id: draft.payment_intent_id.clone(),
        };
        self.payments.authorize(request).await
    }

    /// Undo of steps 7 and 9: voids an authorisation, refunds a capture. `None` when the order
    /// never had a payment.
    pub async fn reverse(&self, order_id: &OrderId, reason: &str) -> Result<Option<Payment>> {
        self.payments.reverse(order_id, reason).await
    }

    /// The order's payment as the payment service knows it; `None` when it has none.
    pub async fn payment(&self, order_id: &OrderId) -> Result<Option<Payment>> {
        self.payments.payment(order_id).await
    }

    /// Step 8: the held stock leaves for good. CONFLICT when the reservation expired.
    pub async fn commit_stock(&self, order_id: &OrderId) -> Result<()> {
        self.stock.commit(order_id).await
    }

    /// Between steps 8 and 9: the saga claims the capture, recorded as step `Committed` in the
    /// transaction that holds the order row's lock. CONFLICT when the order was cancelled
    /// first; from the claim until the order is finalised a cancellation is refused
    /// (`moves::cancel`), so a capture never follows a cancel.
    pub async fn claim_payment(&self, rec: &mut Record) -> Result<()> {
        let now = now_ms();
        let mut tx = self
            .begin("starting the transaction claiming an order's payment")
            .await?;
        let order = moves::lock(&mut tx, &rec.order_id).await?;
        if order.status == OrderStatus::Cancelled {
            return Err(Error::conflict(format!(
                "Order {} was cancelled before its payment was taken; nothing was charged",
                order.order_number
            ))
            .with_detail("orderId", rec.order_id.as_str())
            .with_detail("status", order.status.as_str()));
        }
        sagas::advance(&mut tx, &rec.id, Step::Committed, self.due_after(now), now).await?;
        tx.commit().await.db_err("committing a payment's claim")?;
        rec.step = Step::Committed;
        Ok(())
    }

    /// Step 9: takes the authorised money (a captured payment is returned as it is).
    pub async fn capture(&self, order_id: &OrderId) -> Result<Payment> {
        self.payments.capture(order_id).await
    }

    /// Step 10: the order reaches where the flow aims (`mv`), with the step recorded, the lock
    /// released and the answer stored for the idempotency key, in one transaction. A repeat
    /// finds the order there already and only settles what is left.
    pub async fn finalise(&self, rec: &Record, mv: Move) -> Result<Order> {
        let now = now_ms();
        let mut tx = self
            .begin("starting the transaction finalising an order")
            .await?;
        let current = moves::load(&mut tx, &rec.order_id).await?;
        let order = if current.status == mv.to {
            current
        } else {
            moves::apply_to(&mut tx, current, mv, now).await?
        };
        sagas::advance(&mut tx, &rec.id, Step::Finalised, self.due_after(now), now).await?;
        sagas::unlock(&mut tx, &rec.user_id, &rec.id).await?;
        let answer = Outcome::success(&(self.encode)(&order));
        settle_idempotency(&mut tx, rec, Settle::Keep(answer), now).await?;
        tx.commit().await.db_err("committing a finalised order")?;
        self.wake();
        Ok(order)
    }

    /// Step 11: the ordered lines leave the cart (checkout confirm), or the whole cart and its
    /// coupon (POST /orders); a payment of an existing order touches no cart.
    pub async fn clear_cart(&self, rec: &Record) -> Result<()> {
        let line_ids = match rec.kind {
            Kind::Confirm => rec.draft()?.cart_item_ids.clone(),
            Kind::Place => Vec::new(),
            Kind::Pay | Kind::Cancel => return Ok(()),
        };
        let session_id = &rec.draft()?.session_id;
        self.cart.clear(&rec.user_id, session_id, line_ids).await
    }

    /// Who holds the user's checkout lock (a saga id), if anyone.
    pub async fn lock_holder(&self, user_id: &UserId) -> Result<Option<String>> {
        let mut conn = self
            .reader("taking a read connection for a checkout lock")
            .await?;
        sagas::lock_holder(&mut conn, user_id).await
    }

    /// The order as stored.
    pub async fn order(&self, order_id: &OrderId) -> Result<Order> {
        let mut conn = self.reader("taking a read connection for an order").await?;
        moves::load(&mut conn, order_id).await
    }
}
