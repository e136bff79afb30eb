//! Moves after checkout: a cancellation by the owner (or an admin), and an admin's SetStatus
//! along the transition table, each with what the move sets off (restock and refund, tracking,
//! cash collected at the door, a full refund). The table is checked before anything acts.
use vici_kit::{Error, Result};
use vici_store::error::SqlxResultExt as _;
use vici_store::now_ms;

use super::{Caller, Service};
use crate::domain::order::{Order, Tracking};
use crate::domain::status::{OrderStatus, PaymentStatus, check_move};
use crate::moves::{self, Move};
use vici_types::OrderId;

const MAX_NOTE: usize = 1000;

/// An admin's SetStatus as sent.
#[derive(Clone, Debug)]
pub struct StatusChange {
    pub order_id: OrderId,
    pub status: OrderStatus,
    pub note: String,
    pub tracking: Option<Tracking>,
    /// The admin's user id, kept in the history.
    pub actor: String,
}

fn note(field: &str, raw: &str) -> Result<String> {
    let n = raw.trim().to_string();
    if n.chars().count() > MAX_NOTE {
        return Err(Error::validation(
            field,
            format!("`{field}` has at most {MAX_NOTE} characters"),
        ));
    }
    Ok(n)
}

impl Service {
    /// Cancels the order `order_id` for `caller` (its owner, or an admin) because of `reason`.
    pub async fn cancel(&self, caller: &Caller, order_id: &OrderId, reason: &str) -> Result<Order> {
        let reason = note("reason", reason)?;
        let order = self.order(caller, order_id).await?;
        check_move(&order.order_number, order.status, OrderStatus::Cancelled)?;
        let reason = match (reason.is_empty(), caller.any_user) {
            (false, _) => reason,
            (true, false) => "Cancelled by the customer".into(),
            (true, true) => "Cancelled by an administrator".into(),
        };
        let by = caller.user_id.as_str();
        self.engine.cancel(&order, by, &reason).await
    }

    pub async fn set_status(&self, r: StatusChange) -> Result<Order> {
        let to = r.status;
        let actor = r.actor.trim().to_string();
        if actor.is_empty() || actor.chars().count() > 100 {
            return Err(Error::validation(
                "actor",
                "`actor` must name who moves the order",
            ));
        }
        let text = note("note", &r.note)?;
        let tracking = r.tracking;
        let order = self.engine.order(&r.order_id).await?;
        // The table first: tracking is only asked of a move that is allowed at all.
        check_move(&order.order_number, order.status, to)?;
        if to == OrderStatus::Shipped {
            tracking
                .as_ref()
                .ok_or_else(|| {
                    Error::validation("tracking", "Shipping needs a carrier and a tracking number")
                })?
                .check()?;
        }
        let default_note = || format!("Status changed to {}", to.as_str());
        let text = if text.is_empty() {
            default_note()
        } else {
            text
        };
        if to == OrderStatus::Cancelled {
            return self.engine.cancel(&order, &actor, &text).await;
        }
        let mv = self
            .side_effects(&order, Move::new(to, text, actor), tracking)
            .await?;
        let mut tx = self
            .engine
            .begin("starting the order status change transaction")
            .await?;
        let moved = moves::apply(&mut tx, &order.id, mv, now_ms()).await?;
        tx.commit()
            .await
            .db_err("committing the order status change")?;
        self.engine.wake();
        Ok(moved)
    }

    /// What must happen outside this database before the move is written (each idempotent,
    /// so a move that then loses a race can be retried).
    async fn side_effects(
        &self,
        order: &Order,
        mut mv: Move,
        tracking: Option<Tracking>,
    ) -> Result<Move> {
        match mv.to {
            OrderStatus::Shipped => {
                let mut t = tracking.unwrap_or_default();
                t.shipped_at = Some(now_ms());
                mv.tracking = Some(t);
            }
            // Stock leaves only once the order is confirmed.
            OrderStatus::Confirmed => self.engine.commit_stock(&order.id).await?,
            // Cash is collected at the door: that is when the shop is paid.
            OrderStatus::Delivered if order.is_cash() => {
                let paid = self.engine.capture(&order.id).await?;
                mv = mv.paid(PaymentStatus::Paid, Some(paid.id));
                mv.paid_now = true;
            }
            OrderStatus::Refunded => {
                let reason = mv.note.clone();
                let refunded = self.engine.reverse(&order.id, &reason).await?;
                let amount = refunded.map_or(0, |p| p.refunded_cents);
                mv = mv.paid(PaymentStatus::Refunded, None);
                mv.refunded_cents = if amount > 0 {
                    amount
                } else {
                    order.draft.totals.total_cents
                };
            }
            _ => {}
        }
        Ok(mv)
    }
}
