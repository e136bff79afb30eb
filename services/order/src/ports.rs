//! What the saga asks of its neighbours, in the order service's own terms: the cart
//! (`CartPort`), the stock (`StockPort`) and the payments (`PaymentPort`). The gRPC layer
//! implements them over the neighbours' clients (`grpc::clients`); nothing below it sees a
//! protobuf message. Every call that acts is idempotent per order id or attempt id, so the saga
//! may repeat any of them after a crash.
use std::sync::Arc;
use std::time::Duration;

use vici_kit::Result;
use vici_types::{OrderId, UserId};

use crate::domain::checkout::CartSnapshot;
use crate::domain::order::Item;
use crate::domain::payment::{Authorization, IntentRequest, Payment, PaymentIntent};

#[async_trait::async_trait]
pub trait CartPort: Send + Sync {
    /// Puts the coupon `code` on the user's cart, with the cart's refusals.
    async fn apply_coupon(&self, user_id: &UserId, code: &str) -> Result<()>;

    /// The user's cart as it is now (`session_id` labels the read).
    async fn snapshot(&self, user_id: &UserId, session_id: &str) -> Result<CartSnapshot>;

    /// Counts one use of `code` for the order.
    async fn redeem_coupon(
        &self,
        code: &str,
        user_id: &UserId,
        order_id: &OrderId,
        subtotal_cents: i64,
    ) -> Result<()>;

    /// Gives the order's coupon use back (nothing when it made none).
    async fn release_coupon(&self, order_id: &OrderId) -> Result<()>;

    /// Removes the ordered lines `line_ids` from the cart (every line when empty), as after an
    /// order.
    async fn clear(&self, user_id: &UserId, session_id: &str, line_ids: Vec<String>) -> Result<()>;
}

#[async_trait::async_trait]
pub trait StockPort: Send + Sync {
    /// Holds the stock of every line for the order, all or none: for `hold` when given, else
    /// for the inventory service's own time.
    async fn reserve(
        &self,
        order_id: &OrderId,
        lines: &[Item],
        hold: Option<Duration>,
    ) -> Result<()>;

    /// The held stock leaves for good; CONFLICT when the reservation expired.
    async fn commit(&self, order_id: &OrderId) -> Result<()>;

    /// Held stock returns, committed stock is put back; an order that holds none is fine.
    async fn release(&self, order_id: &OrderId, reason: &str) -> Result<()>;
}

#[async_trait::async_trait]
pub trait PaymentPort: Send + Sync {
    async fn create_intent(&self, request: IntentRequest) -> Result<PaymentIntent>;

    /// A decline is an answer (FAILED), not an error.
    async fn authorize(&self, request: Authorization) -> Result<Payment>;

    /// Takes the authorised money (a captured payment is returned as it is).
    async fn capture(&self, order_id: &OrderId) -> Result<Payment>;

    /// Voids an authorisation or refunds a capture; `None` when the order never had a payment.
    async fn reverse(&self, order_id: &OrderId, reason: &str) -> Result<Option<Payment>>;

    /// The order's payment as the payment service knows it; `None` when it has none.
    async fn payment(&self, order_id: &OrderId) -> Result<Option<Payment>>;
}

/// The neighbours a saga engine runs against.
#[derive(Clone)]
pub struct Ports {
    pub cart: Arc<dyn CartPort>,
    pub stock: Arc<dyn StockPort>,
    pub payments: Arc<dyn PaymentPort>,
}
