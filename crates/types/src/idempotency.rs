//! Idempotency keys: the `Idempotency-Key` a client sends so a repeated request does not act
//! twice, the operation it guards ([`Scope`]) and how long the shop remembers it. The gateway
//! checks the key and fingerprints the request under the scope's label; the order service
//! applies the same rule to the key it is handed and keeps its rows under the same scope names.
use std::fmt;

use vici_kit::{Error, Result};

use crate::ids::OrderId;

/// How long a key answers for: rows older than this are replaced and purged.
pub const KEEP_MS: i64 = 24 * 3600 * 1000;
/// The longest key accepted, in characters (all visible ASCII, so also bytes).
pub const MAX_KEY: usize = 255;

/// The operation a key guards. A key is remembered per user and scope, so one key may be reused
/// for another operation; the names below are stored in the order database and hashed into
/// every fingerprint, so they never change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    /// `POST /checkout/payment-intent` (the key goes on to the payment service).
    PaymentIntent,
    /// `POST /checkout/confirm`: an order placed and paid.
    Confirm,
    /// `POST /orders`: an order placed to be paid later (or on delivery).
    CreateOrder,
    /// `POST /orders/{id}/pay`.
    PayOrder,
}

impl Scope {
    pub const ALL: [Scope; 4] = [
        Self::PaymentIntent,
        Self::Confirm,
        Self::CreateOrder,
        Self::PayOrder,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::PaymentIntent => "checkout.payment-intent",
            Self::Confirm => "checkout.confirm",
            Self::CreateOrder => "orders.create",
            Self::PayOrder => "orders.pay",
        }
    }

    /// A stored scope name; `None` for anything else.
    pub fn parse(stored: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == stored)
    }

    /// The scope of placing an order: paid at once (checkout confirm) or later.
    pub fn of_placement(pay_now: bool) -> Self {
        if pay_now {
            Self::Confirm
        } else {
            Self::CreateOrder
        }
    }

    /// What a fingerprint starts with: the scope's name and, for a payment, the order it pays,
    /// so one key sent to pay two orders is refused as another request.
    pub fn fingerprint_label(self, order_id: Option<&OrderId>) -> String {
        match (self, order_id) {
            (Self::PayOrder, Some(id)) => format!("{}:{id}", self.as_str()),
            _ => self.as_str().to_string(),
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A client's key: trimmed, 1 to [`MAX_KEY`] visible ASCII characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Key(String);

impl Key {
    /// The header it comes in, and the name a bad one is reported under.
    pub const FIELD: &'static str = "Idempotency-Key";

    pub fn parse(raw: &str) -> Result<Self> {
        Self::parse_as(Self::FIELD, raw)
    }

    /// A caller's key reported under `field` when it breaks the rule.
    pub fn parse_as(field: &str, raw: &str) -> Result<Self> {
        let key = raw.trim();
        let visible = key.bytes().all(|b| b.is_ascii_graphic());
        if key.is_empty() || key.len() > MAX_KEY || !visible {
            return Err(Error::validation(
                field,
                format!("`{field}` must be 1 to {MAX_KEY} visible ASCII characters"),
            ));
        }
        Ok(Self(key.to_string()))
    }

    /// A key a message may leave blank: blank is no key.
    pub fn optional_as(field: &str, raw: &str) -> Result<Option<Self>> {
        if raw.trim().is_empty() {
            return Ok(None);
        }
        Self::parse_as(field, raw).map(Some)
    }

    /// A key read back from storage, where only checked keys are written.
    pub fn trusted(stored: String) -> Self {
        Self(stored)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A key with the operation it guards: what a stored row (per user) is found by.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IdempotencyKey {
    pub scope: Scope,
    pub key: Key,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TypedId;

    #[test]
    fn keys_are_trimmed_visible_ascii_of_bounded_length() {
        assert_eq!(Key::parse("  abc-1 ").unwrap().as_str(), "abc-1");
        assert_eq!(
            Key::parse(&"k".repeat(MAX_KEY)).unwrap().as_str().len(),
            255
        );
        for bad in ["", "   ", "a b", "clé", &"k".repeat(MAX_KEY + 1)] {
            let e = Key::parse(bad).unwrap_err();
            assert_eq!(
                e.message, "`Idempotency-Key` must be 1 to 255 visible ASCII characters",
                "{bad:?}"
            );
            assert!(e.details.contains_key("Idempotency-Key"));
        }
        assert!(
            Key::parse_as("idempotencyKey", "a b")
                .unwrap_err()
                .details
                .contains_key("idempotencyKey")
        );
        assert_eq!(Key::optional_as("k", " ").unwrap(), None);
        assert!(Key::optional_as("k", "a b").is_err());
    }

    #[test]
    fn scopes_keep_their_stored_names_and_labels() {
        let names: Vec<&str> = Scope::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(
            names,
            [
                "checkout.payment-intent",
                "checkout.confirm",
                "orders.create",
                "orders.pay"
            ]
        );
        for s in Scope::ALL {
            assert_eq!(Scope::parse(s.as_str()), Some(s));
        }
        assert_eq!(Scope::parse("orders.pay:x"), None);
        let order = OrderId::generate();
        assert_eq!(
            Scope::PayOrder.fingerprint_label(Some(&order)),
            format!("orders.pay:{order}")
        );
        assert_eq!(Scope::Confirm.fingerprint_label(None), "checkout.confirm");
        assert_eq!(Scope::of_placement(true), Scope::Confirm);
        assert_eq!(Scope::of_placement(false), Scope::CreateOrder);
    }
}
