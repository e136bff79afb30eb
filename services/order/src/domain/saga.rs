//! The saga record's vocabulary: which flow it is (`Kind`) and the last step it completed
//! (`Step`), in the order the confirm saga of the plan runs them. Recovery decides from these.

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

#[cfg(test)]
mod tests {
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
}
