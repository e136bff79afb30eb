//! The order's two statuses as typed enums and the state machine of contract §2: the one
//! transition table every move (saga, shopper, admin, recovery) is checked against.
use vici_kit::{Error, Result};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OrderStatus {
    Pending,
    PaymentPending,
    Confirmed,
    Processing,
    Shipped,
    Delivered,
    Cancelled,
    Refunded,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 8] = [
        Self::Pending,
        Self::PaymentPending,
        Self::Confirmed,
        Self::Processing,
        Self::Shipped,
        Self::Delivered,
        Self::Cancelled,
        Self::Refunded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::PaymentPending => "PAYMENT_PENDING",
            Self::Confirmed => "CONFIRMED",
            Self::Processing => "PROCESSING",
            Self::Shipped => "SHIPPED",
            Self::Delivered => "DELIVERED",
            Self::Cancelled => "CANCELLED",
            Self::Refunded => "REFUNDED",
        }
    }

    /// The contract's spelling (as stored, and as the API's enum names it after its prefix).
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// What a caller hears for a status that is none of these, under `field`.
    pub fn unknown(field: &str) -> Error {
        Error::validation(
            field,
            format!(
                "`{field}` must be one of {}",
                Self::ALL.map(Self::as_str).join(", ")
            ),
        )
    }

    /// Whether the shopper may still cancel: everything before the parcel leaves.
    pub fn cancellable(self) -> bool {
        can_move(self, Self::Cancelled)
    }
}

/// The transition table (contract §2). Staying in the same status is not a move.
pub fn can_move(from: OrderStatus, to: OrderStatus) -> bool {
    use OrderStatus::*;
    matches!(
        (from, to),
        (Pending, PaymentPending | Confirmed | Cancelled)
            | (PaymentPending, Confirmed | Cancelled)
            | (Confirmed, Processing | Cancelled)
            | (Processing, Shipped | Cancelled)
            | (Shipped, Delivered)
            | (Delivered, Refunded)
    )
}

/// `can_move`, or the contract's CONFLICT naming the order.
pub fn check_move(order_number: &str, from: OrderStatus, to: OrderStatus) -> Result<()> {
    if can_move(from, to) {
        Ok(())
    } else {
        Err(Error::conflict(format!(
            "Cannot move order {order_number} from {} to {}",
            from.as_str(),
            to.as_str()
        ))
        .with_detail("status", from.as_str()))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PaymentStatus {
    Pending,
    Paid,
    Failed,
    Refunded,
    PartiallyRefunded,
}

impl PaymentStatus {
    pub const ALL: [PaymentStatus; 5] = [
        Self::Pending,
        Self::Paid,
        Self::Failed,
        Self::Refunded,
        Self::PartiallyRefunded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Paid => "PAID",
            Self::Failed => "FAILED",
            Self::Refunded => "REFUNDED",
            Self::PartiallyRefunded => "PARTIALLY_REFUNDED",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

#[cfg(test)]
mod tests {
    use super::OrderStatus::*;
    use super::*;

    #[test]
    fn the_table_is_exactly_the_contracts() {
        let allowed = [
            (Pending, PaymentPending),
            (Pending, Confirmed),
            (Pending, Cancelled),
            (PaymentPending, Confirmed),
            (PaymentPending, Cancelled),
            (Confirmed, Processing),
            (Confirmed, Cancelled),
            (Processing, Shipped),
            (Processing, Cancelled),
            (Shipped, Delivered),
            (Delivered, Refunded),
        ];
        for from in OrderStatus::ALL {
            for to in OrderStatus::ALL {
                assert_eq!(
                    can_move(from, to),
                    allowed.contains(&(from, to)),
                    "{from:?} → {to:?}"
                );
            }
        }
    }

    #[test]
    fn refusals_name_the_order_and_both_statuses() {
        let e = check_move("VS-100001", Shipped, Cancelled).unwrap_err();
        assert_eq!(
            e.message,
            "Cannot move order VS-100001 from SHIPPED to CANCELLED"
        );
        assert!(check_move("VS-1", Delivered, Delivered).is_err());
    }

    #[test]
    fn statuses_round_trip() {
        for s in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(OrderStatus::parse("LOST"), None);
        let e = OrderStatus::unknown("status");
        assert!(
            e.message
                .starts_with("`status` must be one of PENDING, PAYMENT_PENDING")
        );
        assert!(Processing.cancellable() && !Shipped.cancellable() && !Cancelled.cancellable());
        for p in PaymentStatus::ALL {
            assert_eq!(PaymentStatus::parse(p.as_str()), Some(p));
        }
    }
}
