//! The saga's ports over the neighbours' gRPC clients: each call builds the neighbour's
//! message, maps its status to a `vici_kit::Error` (`peer`, keeping code, message and details)
//! and its answer to the order service's types. NOT_FOUND means "none" where the port says so.
use std::time::Duration;

use tonic::{Code, Status};
use vici_kit::grpc::Channel;
use vici_kit::{Error, Result};
use vici_proto::cart::v1 as cart;
use vici_proto::cart::v1::cart_service_client::CartServiceClient;
use vici_proto::inventory::v1 as inv;
use vici_proto::inventory::v1::inventory_service_client::InventoryServiceClient;
use vici_proto::payment::v1 as pay;
use vici_proto::payment::v1::payment_service_client::PaymentServiceClient;
use vici_types::{OrderId, TypedId, UserId};

use crate::domain::checkout::{CartLine, CartSnapshot};
use crate::domain::order::Item;
use crate::domain::payment::{Authorization, ChargeStatus, IntentRequest, Payment, PaymentIntent};
use crate::ports::{CartPort, PaymentPort, Ports, StockPort};

/// The ports of a service whose neighbours are reached through these clients.
pub fn ports(
    cart: CartServiceClient<Channel>,
    inventory: InventoryServiceClient<Channel>,
    payments: PaymentServiceClient<Channel>,
) -> Ports {
    Ports {
        cart: std::sync::Arc::new(GrpcCart(cart)),
        stock: std::sync::Arc::new(GrpcStock(inventory)),
        payments: std::sync::Arc::new(GrpcPayments(payments)),
    }
}

/// A neighbour's refusal or failure, as this service answers it.
fn peer(s: Status) -> Error {
    Error::from_status(&s)
}

/// An answer, or `None` for NOT_FOUND.
fn unless_missing<T>(answer: Result<tonic::Response<T>, Status>) -> Result<Option<T>> {
    match answer {
        Ok(r) => Ok(Some(r.into_inner())),
        Err(s) if s.code() == Code::NotFound => Ok(None),
        Err(s) => Err(peer(s)),
    }
}

struct GrpcCart(CartServiceClient<Channel>);

#[async_trait::async_trait]
impl CartPort for GrpcCart {
    async fn apply_coupon(&self, user_id: &UserId, code: &str) -> Result<()> {
        let req = cart::ApplyCouponRequest {
            user_id: user_id.to_string(),
            code: code.into(),
        };
        self.0.clone().apply_coupon(req).await.map_err(peer)?;
        Ok(())
    }

    async fn snapshot(&self, user_id: &UserId, session_id: &str) -> Result<CartSnapshot> {
        let req = cart::CartRef {
            user_id: user_id.to_string(),
            session_id: session_id.into(),
        };
        let c = self
            .0
            .clone()
            .get_cart(req)
            .await
            .map_err(peer)?
            .into_inner();
        Ok(CartSnapshot {
            lines: c.items.into_iter().map(cart_line).collect::<Result<_>>()?,
            coupon_code: c.coupon_code,
            discount_cents: c.discount_cents,
            currency: c.currency,
        })
    }

    async fn redeem_coupon(
        &self,
        code: &str,
        user_id: &UserId,
        order_id: &OrderId,
        subtotal_cents: i64,
    ) -> Result<()> {
        let req = cart::RedeemCouponRequest {
            code: code.into(),
            user_id: user_id.to_string(),
            order_id: order_id.to_string(),
            subtotal_cents,
        };
        self.0.clone().redeem_coupon(req).await.map_err(peer)?;
        Ok(())
    }

    async fn release_coupon(&self, order_id: &OrderId) -> Result<()> {
        let req = cart::ReleaseCouponRequest {
            order_id: order_id.to_string(),
        };
        self.0.clone().release_coupon(req).await.map_err(peer)?;
        Ok(())
    }

    async fn clear(&self, user_id: &UserId, session_id: &str, line_ids: Vec<String>) -> Result<()> {
        let req = cart::ClearCartRequest {
            user_id: user_id.to_string(),
            session_id: session_id.into(),
            after_order: true,
            item_ids: line_ids,
        };
        self.0.clone().clear_cart(req).await.map_err(peer)?;
        Ok(())
    }
}

/// An id a neighbour sent: one that is not an id is that neighbour's fault.
fn sent<T: TypedId>(raw: &str) -> Result<T> {
    T::parse(raw).map_err(|_| Error::internal(anyhow::anyhow!("a neighbour sent the id `{raw}`")))
}

/// A cart line as the order line it would become, with an order-line id of its own.
fn cart_line(i: cart::CartItem) -> Result<CartLine> {
    Ok(CartLine {
        cart_line_id: i.id,
        available: i.available,
        item: Item {
            id: vici_types::new_id(),
            product_id: sent(&i.product_id)?,
            variant_id: match i.variant_id.as_deref().filter(|v| !v.is_empty()) {
                Some(v) => Some(sent(v)?),
                None => None,
            },
            name: i.name,
            image: i.image,
            sku: i.sku,
            product_slug: i.product_slug,
            quantity: i.quantity,
            unit_price_cents: i.unit_price_cents,
            original_price_cents: i.original_price_cents,
        },
    })
}

struct GrpcStock(InventoryServiceClient<Channel>);

fn reservation(order_id: &OrderId, reason: &str) -> inv::ReservationKey {
    inv::ReservationKey {
        order_id: order_id.to_string(),
        reason: reason.into(),
    }
}

#[async_trait::async_trait]
impl StockPort for GrpcStock {
    async fn reserve(
        &self,
        order_id: &OrderId,
        lines: &[Item],
        hold: Option<Duration>,
    ) -> Result<()> {
        let lines = lines
            .iter()
            .map(|i| inv::ReserveLine {
                product_id: i.product_id.to_string(),
                variant_id: i.variant_id.as_ref().map(|v| v.to_string()),
                quantity: i.quantity,
            })
            .collect();
        let req = inv::ReserveRequest {
            order_id: order_id.to_string(),
            lines,
            ttl_seconds: hold.map_or(0, |h| h.as_secs() as u32),
        };
        self.0.clone().reserve(req).await.map_err(peer)?;
        Ok(())
    }

    async fn commit(&self, order_id: &OrderId) -> Result<()> {
        let key = reservation(order_id, "");
        self.0.clone().commit_reservation(key).await.map_err(peer)?;
        Ok(())
    }

    async fn release(&self, order_id: &OrderId, reason: &str) -> Result<()> {
        let key = reservation(order_id, reason);
        unless_missing(self.0.clone().release_reservation(key).await)?;
        Ok(())
    }
}

struct GrpcPayments(PaymentServiceClient<Channel>);

/// The order service's reading of the payment service's status; none is the payment service's
/// fault, not the caller's.
fn charge_status(status: pay::PaymentStatus) -> Result<ChargeStatus> {
    Ok(match status {
        pay::PaymentStatus::Processing => ChargeStatus::Processing,
        pay::PaymentStatus::Pending => ChargeStatus::Pending,
        pay::PaymentStatus::Authorized => ChargeStatus::Authorized,
        pay::PaymentStatus::Succeeded => ChargeStatus::Succeeded,
        pay::PaymentStatus::Failed => ChargeStatus::Failed,
        pay::PaymentStatus::Cancelled => ChargeStatus::Cancelled,
        pay::PaymentStatus::PartiallyRefunded => ChargeStatus::PartiallyRefunded,
        pay::PaymentStatus::Refunded => ChargeStatus::Refunded,
        pay::PaymentStatus::Unspecified => {
            let why = anyhow::anyhow!("the payment service sent a payment without a status");
            return Err(Error::internal(why));
        }
    })
}

fn payment(p: pay::Payment) -> Result<Payment> {
    Ok(Payment {
        status: charge_status(p.status())?,
        id: p.id,
        refunded_cents: p.refunded_cents,
        failure_message: p.failure_message,
    })
}

fn payment_key(order_id: &OrderId) -> pay::PaymentKey {
    pay::PaymentKey {
        order_id: order_id.to_string(),
    }
}

#[async_trait::async_trait]
impl PaymentPort for GrpcPayments {
    async fn create_intent(&self, r: IntentRequest) -> Result<PaymentIntent> {
        let req = pay::CreateIntentRequest {
            user_id: r.user_id.into(),
            amount_cents: r.amount_cents,
            currency: r.currency,
            idempotency_key: r.key.map(|k| k.as_str().to_string()).unwrap_or_default(),
        };
        let i = self.0.clone().create_intent(req).await.map_err(peer)?;
        let i = i.into_inner();
        Ok(PaymentIntent {
            id: i.id,
            client_secret: i.client_secret,
            amount_cents: i.amount_cents,
            currency: i.currency,
            status: i.status,
            user_id: i.user_id,
            created_at: i.created_at,
        })
    }

    async fn authorize(&self, a: Authorization) -> Result<Payment> {
        let req = pay::AuthorizeRequest {
            order_id: a.order_id.into(),
            attempt_id: a.attempt_id,
            user_id: a.user_id.into(),
            payment_method: a.payment_method,
            amount_cents: a.amount_cents,
            currency: a.currency,
            intent_id: a.intent_id,
        };
        payment(
            self.0
                .clone()
                .authorize(req)
                .await
                .map_err(peer)?
                .into_inner(),
        )
    }

    async fn capture(&self, order_id: &OrderId) -> Result<Payment> {
        let key = payment_key(order_id);
        payment(
            self.0
                .clone()
                .capture(key)
                .await
                .map_err(peer)?
                .into_inner(),
        )
    }

    async fn reverse(&self, order_id: &OrderId, reason: &str) -> Result<Option<Payment>> {
        let req = pay::ReverseRequest {
            order_id: order_id.to_string(),
            reason: reason.into(),
        };
        unless_missing(self.0.clone().reverse(req).await)?
            .map(payment)
            .transpose()
    }

    async fn payment(&self, order_id: &OrderId) -> Result<Option<Payment>> {
        let key = payment_key(order_id);
        unless_missing(self.0.clone().get_payment(key).await)?
            .map(payment)
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use vici_types::ProductId;

    use super::*;

    #[test]
    fn cart_lines_carry_checked_ids() {
        let product = ProductId::generate();
        let line = cart::CartItem {
            id: "line-1".into(),
            product_id: product.to_string().to_uppercase(),
            variant_id: Some(String::new()),
            quantity: 2,
            available: true,
            ..cart::CartItem::default()
        };
        let read = cart_line(line.clone()).unwrap();
        assert_eq!(
            (read.item.product_id, read.item.variant_id),
            (product, None)
        );
        assert_eq!(read.cart_line_id, "line-1");
        let broken = cart::CartItem {
            product_id: "mouse".into(),
            ..line
        };
        assert!(cart_line(broken).unwrap_err().code.is_server_fault());
    }
}
