//! The payment service's vocabulary: statuses, methods and the rows the use cases pass around.
//! Statuses are enums inside the crate; their text forms are what the proto and the tables hold.
use vici_kit::Error;

/// Where an attempt stands. `Processing` is internal (the provider call is in flight); the
/// contract's statuses are the others.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Processing,
    Pending,
    Authorized,
    Succeeded,
    Failed,
    Cancelled,
    PartiallyRefunded,
    Refunded,
}

impl Status {
    pub const ALL: [Status; 8] = [
        Self::Processing,
        Self::Pending,
        Self::Authorized,
        Self::Succeeded,
        Self::Failed,
        Self::Cancelled,
        Self::PartiallyRefunded,
        Self::Refunded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Processing => "PROCESSING",
            Self::Pending => "PENDING",
            Self::Authorized => "AUTHORIZED",
            Self::Succeeded => "SUCCEEDED",
            Self::Failed => "FAILED",
            Self::Cancelled => "CANCELLED",
            Self::PartiallyRefunded => "PARTIALLY_REFUNDED",
            Self::Refunded => "REFUNDED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Live statuses hold the order's one payment: anything but a decline or a void. The SQL
    /// spells the set out (`payments_live_order`, `store::payments`); a test keeps them equal.
    #[cfg(test)]
    pub fn is_live(self) -> bool {
        !matches!(self, Self::Failed | Self::Cancelled)
    }

    /// Money was taken and some of it may still be refunded.
    pub fn is_captured(self) -> bool {
        matches!(self, Self::Succeeded | Self::PartiallyRefunded)
    }

    /// The status after `refunded` of `amount` is refunded.
    pub fn after_refund(refunded: i64, amount: i64) -> Self {
        if refunded >= amount {
            Self::Refunded
        } else {
            Self::PartiallyRefunded
        }
    }
}

/// Who moves the money of a payment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProviderKind {
    Simulated,
    Stripe,
    /// Cash on delivery: no provider, the courier collects.
    Cash,
}

impl ProviderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Simulated => "simulated",
            Self::Stripe => "stripe",
            Self::Cash => "cash",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Simulated, Self::Stripe, Self::Cash]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// The payment method as the contract names it.
pub const CASH_ON_DELIVERY: &str = "cash_on_delivery";

/// A refund's outcome at the provider. `Processing` is internal (the call is in flight or its
/// outcome is unknown; a repeat with the same key finishes it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefundStatus {
    Processing,
    Succeeded,
    Failed,
}

impl RefundStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Processing => "PROCESSING",
            Self::Succeeded => "SUCCEEDED",
            Self::Failed => "FAILED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Processing, Self::Succeeded, Self::Failed]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// One payment attempt as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct Payment {
    pub id: String,
    pub order_id: String,
    pub user_id: String,
    pub attempt_id: String,
    /// The provider's intent (`pi_…`); empty for cash and before the intent exists.
    pub intent_id: String,
    pub payment_method: String,
    pub amount_cents: i64,
    pub refunded_cents: i64,
    pub currency: String,
    pub status: Status,
    pub failure_code: String,
    pub failure_message: String,
    pub provider: ProviderKind,
    /// While a provider call for this attempt runs, until when it may take (unix ms); 0 = none.
    pub lease_until: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Payment {
    /// What may still be refunded.
    pub fn refundable(&self) -> i64 {
        self.amount_cents - self.refunded_cents
    }
}

/// A client-made intent (CreateIntent), possibly claimed by an order.
#[derive(Clone, Debug, PartialEq)]
pub struct Intent {
    pub id: String,
    pub user_id: String,
    pub amount_cents: i64,
    pub currency: String,
    pub client_secret: String,
    /// pending | processing | succeeded | failed (the contract's PaymentIntent statuses).
    pub status: IntentStatus,
    pub order_id: Option<String>,
    pub created_at: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntentStatus {
    Pending,
    Processing,
    Succeeded,
    Failed,
}

impl IntentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Processing => "processing",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Pending,
            Self::Processing,
            Self::Succeeded,
            Self::Failed,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }

    /// How an intent reads once its payment reached `status`.
    pub fn of_payment(status: Status) -> Self {
        match status {
            Status::Processing | Status::Pending | Status::Authorized => Self::Processing,
            Status::Failed | Status::Cancelled => Self::Failed,
            _ => Self::Succeeded,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Refund {
    pub id: String,
    pub payment_id: String,
    pub order_id: String,
    pub idempotency_key: String,
    pub amount_cents: i64,
    pub status: RefundStatus,
    pub reason: String,
    pub lease_until: i64,
    pub created_at: i64,
}

/// Checks a caller-chosen identifier (order, attempt, user, key): present and of sane length.
pub fn required(field: &str, value: &str) -> Result<String, Error> {
    let v = value.trim();
    if v.is_empty() {
        return Err(Error::validation(field, format!("`{field}` is required")));
    }
    if v.len() > 200 {
        return Err(Error::validation(
            field,
            format!("`{field}` must be at most 200 characters"),
        ));
    }
    Ok(v.to_string())
}

/// A positive amount in cents.
pub fn positive_amount(cents: i64) -> Result<i64, Error> {
    if cents <= 0 {
        return Err(Error::validation(
            "amountCents",
            "The amount must be a positive number of cents",
        ));
    }
    Ok(cents)
}

/// A three-letter currency code, upper case; empty means USD (the only one the shop sells in).
pub fn currency(code: &str) -> Result<String, Error> {
    let c = code.trim();
    if c.is_empty() {
        return Ok("USD".into());
    }
    if c.len() != 3 || !c.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(Error::validation(
            "currency",
            "The currency must be a three-letter ISO code such as USD",
        ));
    }
    Ok(c.to_ascii_uppercase())
}

/// Lower-case hex of `bytes` (ids, client secrets, signatures).
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 0xf) as usize] as char);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_and_know_what_is_live() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        let live: Vec<_> = Status::ALL.into_iter().filter(|s| s.is_live()).collect();
        assert_eq!(live.len(), 6);
        assert!(!Status::Failed.is_live() && !Status::Cancelled.is_live());
        assert_eq!(Status::after_refund(5, 10), Status::PartiallyRefunded);
        assert_eq!(Status::after_refund(10, 10), Status::Refunded);
    }

    #[test]
    fn hex_encodes_like_the_usual_tools() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
    }

    #[test]
    fn currencies_are_upper_cased_and_checked() {
        assert_eq!(currency("usd").unwrap(), "USD");
        assert_eq!(currency("").unwrap(), "USD");
        assert!(currency("US").is_err());
    }
}
