//! The saga record (`Record`, made in one place: [`Record::begin`]) and its vocabulary: which
//! flow it is (`Kind`), the last step it completed (`Step`, in the order the confirm saga of the
//! plan runs them) and whether it is over (`State`). Recovery decides from these.
use vici_types::{IdempotencyKey, OrderId, UserId};

use super::order::{Draft, Order};

/// Which flow a saga record belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// PlaceOrder with `pay_now` (checkout confirm): steps 1–11.
    Confirm,
    /// PlaceOrder without `pay_now` (POST /orders): steps 1–6, then PAYMENT_PENDING, or
    /// authorise + commit for cash on delivery, then the whole cart emptied.
    Place,
    /// PayOrder: steps 7–10 on a PAYMENT_PENDING order.
    Pay,
    /// A cancellation's compensation (release stock, reverse the payment, release the coupon),
    /// run after the order was marked CANCELLED.
    Cancel,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Confirm => "confirm",
            Self::Place => "place",
            Self::Pay => "pay",
            Self::Cancel => "cancel",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Confirm, Self::Place, Self::Pay, Self::Cancel]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// The last step a saga completed. Every step is idempotent and has an undo, so a saga can be
/// resumed or compensated from any of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Step {
    /// The record exists (snapshot taken, lock held); nothing done outside this database.
    Started,
    /// Stock reserved for the order id. Undo: ReleaseReservation.
    Reserved,
    /// The coupon's use counted for the order. Undo: ReleaseCoupon.
    CouponRedeemed,
    /// The order row (PENDING) and `order.created` written. Undo: the order CANCELLED.
    OrderWritten,
    /// The payment authorised (or, for cash, recorded). Undo: Reverse (void).
    Authorized,
    /// The reservation committed. Undo: ReleaseReservation (restock).
    Committed,
    /// The payment captured. Undo: Reverse (refund).
    Captured,
    /// The order reached the state the flow aims at (CONFIRMED, or PAYMENT_PENDING) with its
    /// events. Only forward from here: the order stands.
    Finalised,
    /// The ordered lines left the cart; the saga is over.
    CartCleared,
}

impl Step {
    pub const ALL: [Step; 9] = [
        Self::Started,
        Self::Reserved,
        Self::CouponRedeemed,
        Self::OrderWritten,
        Self::Authorized,
        Self::Committed,
        Self::Captured,
        Self::Finalised,
        Self::CartCleared,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Started => "started",
            Self::Reserved => "reserved",
            Self::CouponRedeemed => "coupon_redeemed",
            Self::OrderWritten => "order_written",
            Self::Authorized => "authorized",
            Self::Committed => "committed",
            Self::Captured => "captured",
            Self::Finalised => "finalised",
            Self::CartCleared => "cart_cleared",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Running,
    Done,
    Failed,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Done => "done",
            Self::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Running, Self::Done, Self::Failed]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// A saga as recorded: enough to resume or undo it without the request that started it.
#[derive(Clone, Debug)]
pub struct Record {
    pub id: String,
    pub kind: Kind,
    pub order_id: OrderId,
    pub user_id: UserId,
    /// The payment attempt, chosen before the first Authorize so a repeat is the same attempt
    /// (empty for a cancellation, which pays nothing).
    pub attempt_id: String,
    pub payment_method: String,
    pub step: Step,
    pub state: State,
    /// The order to write (checkouts only).
    pub draft: Option<Draft>,
    /// The idempotency row whose outcome this saga decides.
    pub idempotency: Option<IdempotencyKey>,
    /// Who acted: the shopper, an admin, or "system".
    pub actor: String,
    /// Why (cancellations).
    pub reason: String,
    pub due_at: i64,
    pub created_at: i64,
}

impl Record {
    /// A running record of `kind` for the order `order_id` of `user_id`, acted on by that user,
    /// recoverable from `due_at`. A checkout starts at [`Step::Started`]; a payment at
    /// [`Step::OrderWritten`], its order existing already; both choose their payment attempt
    /// now. What else a flow keeps is added with [`Record::drafting`], [`Record::keyed`] and
    /// [`Record::by`].
    pub fn begin(
        kind: Kind,
        order_id: OrderId,
        user_id: UserId,
        payment_method: String,
        now: i64,
        due_at: i64,
    ) -> Self {
        let pays = kind != Kind::Cancel;
        Self {
            id: vici_types::new_id(),
            kind,
            order_id,
            actor: user_id.to_string(),
            user_id,
            attempt_id: if pays {
                vici_types::new_id()
            } else {
                String::new()
            },
            payment_method,
            step: if kind == Kind::Pay {
                Step::OrderWritten
            } else {
                Step::Started
            },
            state: State::Running,
            draft: None,
            idempotency: None,
            reason: String::new(),
            due_at,
            created_at: now,
        }
    }

    /// The record of cancelling `order` (already marked CANCELLED) by `by` for `reason`: its
    /// compensation, which recovery finishes if the process dies half-way.
    pub fn cancelling(order: &Order, by: &str, reason: &str, now: i64, due_at: i64) -> Self {
        let method = order.draft.payment_method.clone();
        Self::begin(
            Kind::Cancel,
            order.id.clone(),
            order.user_id.clone(),
            method,
            now,
            due_at,
        )
        .by(by, reason)
    }

    /// The order the checkout will write.
    pub fn drafting(mut self, draft: Draft) -> Self {
        self.draft = Some(draft);
        self
    }

    /// The idempotency row the saga settles when it ends.
    pub fn keyed(mut self, idempotency: Option<IdempotencyKey>) -> Self {
        self.idempotency = idempotency;
        self
    }

    /// Who acts (an admin, "system") and why, when it is not the user for no stated reason.
    pub fn by(mut self, actor: &str, reason: &str) -> Self {
        self.actor = actor.to_string();
        self.reason = reason.to_string();
        self
    }
}

#[cfg(test)]
mod tests {
    use vici_types::TypedId as _;

    use super::*;

    #[test]
    fn names_round_trip_and_steps_are_ordered() {
        for s in Step::ALL {
            assert_eq!(Step::parse(s.as_str()), Some(s));
        }
        assert!(Step::ALL.windows(2).all(|w| w[0] < w[1]));
        for k in [Kind::Confirm, Kind::Place, Kind::Pay, Kind::Cancel] {
            assert_eq!(Kind::parse(k.as_str()), Some(k));
        }
        for s in [State::Running, State::Done, State::Failed] {
            assert_eq!(State::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn records_begin_where_their_flow_starts() {
        let user = UserId::generate();
        let begin = |kind| {
            let order = OrderId::generate();
            Record::begin(kind, order, user.clone(), "pm_x".into(), 5, 9)
        };
        let confirm = begin(Kind::Confirm);
        assert_eq!(
            (confirm.step, confirm.state),
            (Step::Started, State::Running)
        );
        assert_eq!(confirm.actor, user.as_str());
        assert_eq!((confirm.due_at, confirm.created_at), (9, 5));
        assert!(!confirm.attempt_id.is_empty() && confirm.id != confirm.attempt_id);
        assert_eq!(begin(Kind::Pay).step, Step::OrderWritten);
        let cancel = begin(Kind::Cancel).by("system", "late");
        assert_eq!(cancel.attempt_id, "");
        assert_eq!(
            (cancel.actor.as_str(), cancel.reason.as_str()),
            ("system", "late")
        );
        assert_ne!(begin(Kind::Place).id, begin(Kind::Place).id);
    }
}
