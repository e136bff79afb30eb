//! One function per saga step and one per undo. Each is idempotent: the neighbours key their
//! effect by the order id (reservation, redemption, payment) or the attempt id (authorisation),
//! and the order row is written once per id; repeating any of them after a crash acts once.
use tonic::Code;
use vici_kit::{Error, Result};
use vici_proto::cart::v1 as cart;
use vici_proto::inventory::v1 as inv;
use vici_proto::payment::v1 as pay;
use vici_store::error::SqlxResultExt as _;
use vici_store::now_ms;

use super::{Engine, Record, Settle, peer, settle_idempotency};
use crate::domain::order::{Draft, HistoryEntry, Order};
use crate::domain::outcome::Outcome;
use crate::domain::saga::Step;
use crate::domain::status::{OrderStatus, PaymentStatus};
use crate::moves::{self, Move};
use crate::store::{orders, sagas};
use crate::{events, grpc};

/// Payment statuses of `vici.payment.v1.Payment`.
pub const SUCCEEDED: &str = "SUCCEEDED";
pub const FAILED: &str = "FAILED";
pub const REFUNDED: &str = "REFUNDED";

impl Record {
    pub(crate) fn draft(&self) -> Result<&Draft> {
        self.draft
            .as_ref()
            .ok_or_else(|| Error::internal(anyhow::anyhow!("saga {} has no draft", self.id)))
    }
}

impl Engine {
    /// Step 4: holds the stock of every line for the order (all or none).
    pub async fn reserve(&self, rec: &Record) -> Result<()> {
        let lines = rec
            .draft()?
            .items
            .iter()
            .map(|i| inv::ReserveLine {
                product_id: i.product_id.clone(),
                variant_id: i.variant_id.clone(),
                quantity: i.quantity,
            })
            .collect();
        let req = inv::ReserveRequest {
            order_id: rec.order_id.clone(),
            lines,
            ttl_seconds: 0,
        };
        self.inventory.clone().reserve(req).await.map_err(peer)?;
        Ok(())
    }

    /// Undo of steps 4 and 8: held stock returns, committed stock is put back. An order that
    /// never got a reservation has nothing to release.
    pub async fn release_stock(&self, order_id: &str, reason: &str) -> Result<()> {
        let key = inv::ReservationKey {
            order_id: order_id.into(),
            reason: reason.into(),
        };
        match self.inventory.clone().release_reservation(key).await {
            Ok(_) => Ok(()),
            Err(s) if s.code() == Code::NotFound => Ok(()),
            Err(s) => Err(peer(s)),
        }
    }

    /// Step 5: counts the coupon's use for the order (nothing without a coupon).
    pub async fn redeem_coupon(&self, rec: &Record) -> Result<()> {
        let draft = rec.draft()?;
        let Some(code) = &draft.coupon_code else {
            return Ok(());
        };
        let req = cart::RedeemCouponRequest {
            code: code.clone(),
            user_id: rec.user_id.clone(),
            order_id: rec.order_id.clone(),
            subtotal_cents: draft.totals.subtotal_cents,
        };
        self.cart.clone().redeem_coupon(req).await.map_err(peer)?;
        Ok(())
    }

    /// Undo of step 5 (a no-op when nothing was redeemed).
    pub async fn release_coupon(&self, order_id: &str) -> Result<()> {
        let req = cart::ReleaseCouponRequest {
            order_id: order_id.into(),
        };
        self.cart.clone().release_coupon(req).await.map_err(peer)?;
        Ok(())
    }

    /// Step 6: the order row PENDING with its number, its first history entry and
    /// `order.created`, with the step recorded in the same transaction. A repeat finds the row
    /// and writes nothing.
    pub async fn write_order(&self, rec: &Record) -> Result<Order> {
        let now = now_ms();
        let mut tx = self.db.begin().await.db_err()?;
        if !orders::exists(&mut tx, &rec.order_id).await.db_err()? {
            let order = Order {
                id: rec.order_id.clone(),
                order_number: orders::next_number(&mut tx).await.db_err()?,
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
            orders::insert(&mut tx, &order).await.db_err()?;
            let placed = HistoryEntry {
                status: OrderStatus::Pending,
                note: "Order placed".into(),
                at: now,
                by: rec.user_id.clone(),
            };
            orders::add_history(&mut tx, &order.id, &placed)
                .await
                .db_err()?;
            events::enqueue(&mut tx, &order, 0, false).await.db_err()?;
        }
        sagas::advance(
            &mut tx,
            &rec.id,
            Step::OrderWritten,
            self.due_after(now),
            now,
        )
        .await
        .db_err()?;
        let order = moves::load(&mut tx, &rec.order_id).await?;
        tx.commit().await.db_err()?;
        self.wake();
        Ok(order)
    }

    /// Step 7: authorises the attempt recorded on the saga. A decline is an answer (status
    /// FAILED), not an error.
    pub async fn authorize(&self, rec: &Record) -> Result<pay::Payment> {
        let order = self.order(&rec.order_id).await?;
        let req = pay::AuthorizeRequest {
            order_id: rec.order_id.clone(),
            attempt_id: rec.attempt_id.clone(),
            user_id: rec.user_id.clone(),
            payment_method: rec.payment_method.clone(),
            amount_cents: order.draft.totals.total_cents,
            currency: order.draft.currency.clone(),
            intent_id: order.draft.payment_intent_id.clone(),
        };
        Ok(self
            .payments
            .clone()
            .authorize(req)
            .await
            .map_err(peer)?
            .into_inner())
    }

    /// Undo of steps 7 and 9: voids an authorisation, refunds a capture. `None` when the order
    /// never had a payment.
    pub async fn reverse(&self, order_id: &str, reason: &str) -> Result<Option<pay::Payment>> {
        let req = pay::ReverseRequest {
            order_id: order_id.into(),
            reason: reason.into(),
        };
        match self.payments.clone().reverse(req).await {
            Ok(p) => Ok(Some(p.into_inner())),
            Err(s) if s.code() == Code::NotFound => Ok(None),
            Err(s) => Err(peer(s)),
        }
    }

    /// The order's payment as the payment service knows it; `None` when it has none.
    pub async fn payment(&self, order_id: &str) -> Result<Option<pay::Payment>> {
        let key = pay::PaymentKey {
            order_id: order_id.into(),
        };
        match self.payments.clone().get_payment(key).await {
            Ok(p) => Ok(Some(p.into_inner())),
            Err(s) if s.code() == Code::NotFound => Ok(None),
            Err(s) => Err(peer(s)),
        }
    }

    /// Step 8: the held stock leaves for good. CONFLICT when the reservation expired.
    pub async fn commit_stock(&self, order_id: &str) -> Result<()> {
        let key = inv::ReservationKey {
            order_id: order_id.into(),
            reason: String::new(),
        };
        self.inventory
            .clone()
            .commit_reservation(key)
            .await
            .map_err(peer)?;
        Ok(())
    }

    /// Step 9: takes the authorised money (a captured payment is returned as it is).
    pub async fn capture(&self, order_id: &str) -> Result<pay::Payment> {
        let key = pay::PaymentKey {
            order_id: order_id.into(),
        };
        Ok(self
            .payments
            .clone()
            .capture(key)
            .await
            .map_err(peer)?
            .into_inner())
    }

    /// Step 10: the order reaches where the flow aims (`mv`), with the step recorded, the lock
    /// released and the answer stored for the idempotency key, in one transaction. A repeat
    /// finds the order there already and only settles what is left.
    pub async fn finalise(&self, rec: &Record, mv: Move) -> Result<Order> {
        let now = now_ms();
        let mut tx = self.db.begin().await.db_err()?;
        let current = moves::load(&mut tx, &rec.order_id).await?;
        let order = if current.status == mv.to {
            current
        } else {
            moves::apply(&mut tx, &rec.order_id, mv, now).await?
        };
        sagas::advance(&mut tx, &rec.id, Step::Finalised, self.due_after(now), now)
            .await
            .db_err()?;
        sagas::unlock(&mut tx, &rec.user_id, &rec.id)
            .await
            .db_err()?;
        let answer = Outcome::success(&grpc::convert::order_bytes(order.clone()));
        settle_idempotency(&mut tx, rec, Settle::Keep(answer), now).await?;
        tx.commit().await.db_err()?;
        self.wake();
        Ok(order)
    }

    /// Step 11: the ordered lines leave the cart (checkout confirm), or the whole cart and its
    /// coupon (POST /orders); a payment of an existing order touches no cart.
    pub async fn clear_cart(&self, rec: &Record) -> Result<()> {
        use crate::domain::saga::Kind;
        let item_ids = match rec.kind {
            Kind::Confirm => rec.draft()?.cart_item_ids.clone(),
            Kind::Place => Vec::new(),
            Kind::Pay | Kind::Cancel => return Ok(()),
        };
        let req = cart::ClearCartRequest {
            user_id: rec.user_id.clone(),
            session_id: rec.draft()?.session_id.clone(),
            after_order: true,
            item_ids,
        };
        self.cart.clone().clear_cart(req).await.map_err(peer)?;
        Ok(())
    }

    /// Who holds the user's checkout lock (a saga id), if anyone.
    pub async fn lock_holder(&self, user_id: &str) -> Result<Option<String>> {
        let mut conn = self.db.reader().acquire().await.db_err()?;
        sagas::lock_holder(&mut conn, user_id).await.db_err()
    }

    /// The order as stored.
    pub async fn order(&self, order_id: &str) -> Result<Order> {
        let mut conn = self.db.reader().acquire().await.db_err()?;
        moves::load(&mut conn, order_id).await
    }
}
