//! The payment service's facts as checkout uses them: an order's payment and where it stands
//! (`ChargeStatus`), what authorising one asks for, and a payment intent made for a cart.
use vici_types::idempotency::Key;
use vici_types::{OrderId, UserId};

/// Where a payment stands, as the payment service reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChargeStatus {
    /// Cash on delivery, recorded and not yet collected.
    Pending,
    /// The provider call is still running.
    Processing,
    /// Funds held, not taken.
    Authorized,
    /// Money taken.
    Succeeded,
    /// Declined.
    Failed,
    /// Voided before any money was taken.
    Cancelled,
    PartiallyRefunded,
    Refunded,
}

/// An order's payment (one attempt of it).
#[derive(Clone, Debug, PartialEq)]
pub struct Payment {
    pub id: String,
    pub status: ChargeStatus,
    pub refunded_cents: i64,
    /// Why it was declined, in a sentence for the shopper (empty unless FAILED).
    pub failure_message: String,
}

/// Authorize for one attempt of an order's payment.
#[derive(Clone, Debug, PartialEq)]
pub struct Authorization {
    pub order_id: OrderId,
    pub attempt_id: String,
    pub user_id: UserId,
    pub payment_method: String,
    pub amount_cents: i64,
    pub currency: String,
    /// The intent the client made at checkout, when it made one.
    pub intent_id: Option<String>,
}

/// What a payment intent is made for: a cart's total, once per key when the client sent one.
#[derive(Clone, Debug, PartialEq)]
pub struct IntentRequest {
    pub user_id: UserId,
    pub amount_cents: i64,
    pub currency: String,
    pub key: Option<Key>,
}

/// A payment intent as the payment service made it, handed to the client unchanged.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PaymentIntent {
    pub id: String,
    pub client_secret: String,
    pub amount_cents: i64,
    pub currency: String,
    pub status: String,
    pub user_id: String,
    pub created_at: String,
}
