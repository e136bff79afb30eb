//! Writing an order's status moves: the row (conditional on the status the move was decided
//! for), its history entry and its events, in the caller's transaction. Every move — saga,
//! shopper, admin, recovery, consumer — goes through [`apply`], so the transition table is
//! checked in one place and no move is ever without its history. Cancellations from outside a
//! checkout go through [`cancel`], which first makes sure no payment is being taken.
use sqlx::AnyConnection;
use vici_kit::{Error, Result};
use vici_types::OrderId;

use crate::domain::order::{HistoryEntry, Order, Tracking};
use crate::domain::status::{OrderStatus, PaymentStatus, check_move};
use crate::events;
use crate::store::{orders, sagas};

/// One move of the state machine and what changes with it.
#[derive(Clone, Debug)]
pub struct Move {
    pub to: OrderStatus,
    pub note: String,
    /// A user id, or "system".
    pub by: String,
    pub payment_status: Option<PaymentStatus>,
    pub payment_id: Option<String>,
    pub tracking: Option<Tracking>,
    /// Kept as `status_reason` (cancellations).
    pub reason: Option<String>,
    /// For `order.refunded`.
    pub refunded_cents: i64,
    /// Payment was taken by this move: announce the purchases.
    pub paid_now: bool,
}

impl Move {
    pub fn new(to: OrderStatus, note: impl Into<String>, by: impl Into<String>) -> Self {
        Self {
            to,
            note: note.into(),
            by: by.into(),
            payment_status: None,
            payment_id: None,
            tracking: None,
            reason: None,
            refunded_cents: 0,
            paid_now: false,
        }
    }

    pub fn paid(mut self, status: PaymentStatus, payment_id: Option<String>) -> Self {
        self.payment_status = Some(status);
        if payment_id.is_some() {
            self.payment_id = payment_id;
        }
        self
    }

    pub fn because(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }
}

pub fn not_found() -> Error {
    Error::not_found("Order not found")
}

/// Loads the order in the caller's transaction.
pub async fn load(conn: &mut AnyConnection, order_id: &OrderId) -> Result<Order> {
    orders::get(conn, order_id).await?.ok_or_else(not_found)
}

/// Locks the order's row for the caller's transaction and loads it.
pub async fn lock(conn: &mut AnyConnection, order_id: &OrderId) -> Result<Order> {
    orders::lock(conn, order_id).await?.ok_or_else(not_found)
}

/// Applies `mv` to the order as it is now in the caller's transaction; the order afterwards.
/// CONFLICT when the table does not allow the move (or a concurrent move got there first).
pub async fn apply(
    conn: &mut AnyConnection,
    order_id: &OrderId,
    mv: Move,
    now: i64,
) -> Result<Order> {
    let o = load(conn, order_id).await?;
    apply_to(conn, o, mv, now).await
}

/// [`apply`] to `o`, the order as the caller's transaction has just read it.
pub async fn apply_to(conn: &mut AnyConnection, mut o: Order, mv: Move, now: i64) -> Result<Order> {
    let from = o.status;
    check_move(&o.order_number, from, mv.to)?;
    o.status = mv.to;
    if let Some(p) = mv.payment_status {
        o.payment_status = p;
    }
    if mv.payment_id.is_some() {
        o.payment_id = mv.payment_id.clone();
    }
    if mv.tracking.is_some() {
        o.tracking = mv.tracking.clone();
    }
    if mv.reason.is_some() {
        o.status_reason = mv.reason.clone();
    }
    o.updated_at = now.max(o.updated_at);
    if !orders::save(conn, &o, from).await? {
        return Err(Error::conflict(format!(
            "Order {} changed meanwhile; please retry",
            o.order_number
        )));
    }
    let entry = HistoryEntry {
        status: mv.to,
        note: mv.note,
        at: now,
        by: mv.by,
    };
    orders::add_history(conn, &o.id, &entry).await?;
    events::enqueue(conn, &o, mv.refunded_cents, mv.paid_now).await?;
    Ok(o)
}

/// Cancels the order from outside its checkout (the shopper, an admin, the expiry of its
/// reservation) with `mv`, unless a saga is taking its payment right now: then CONFLICT, and
/// nothing changes. The row lock comes first so the two cannot interleave on PostgreSQL
/// either: a claim committed before it is seen by the check, and a claim made after waits for
/// this transaction and finds the order CANCELLED. A card is thus never captured for an order
/// that was cancelled, and a cancellation never lands between a claim and its capture.
pub async fn cancel(
    conn: &mut AnyConnection,
    order_id: &OrderId,
    mv: Move,
    now: i64,
) -> Result<Order> {
    let o = lock(conn, order_id).await?;
    if sagas::taking_payment(conn, order_id).await? {
        return Err(Error::conflict(format!(
            "The payment for order {} is being taken right now; try again in a moment (once \
             it is taken, cancelling refunds it)",
            o.order_number
        ))
        .with_detail("status", o.status.as_str()));
    }
    apply(conn, order_id, mv, now).await
}

/// Changes fields that are not a status move (a reason, a refunded payment) of the order in
/// the status it is in; the order afterwards.
pub async fn amend(
    conn: &mut AnyConnection,
    order_id: &OrderId,
    payment_status: Option<PaymentStatus>,
    reason: Option<String>,
    now: i64,
) -> Result<Order> {
    let mut o = load(conn, order_id).await?;
    if let Some(p) = payment_status {
        o.payment_status = p;
    }
    if reason.is_some() {
        o.status_reason = reason;
    }
    o.updated_at = now.max(o.updated_at);
    orders::save(conn, &o, o.status).await?;
    Ok(o)
}
