//! Checkout's use cases: the quote, the payment intent, PlaceOrder and PayOrder. Every request
//! is checked completely before anything acts, so a refused one changes nothing.
use vici_kit::{Error, Result};
use vici_proto::cart::v1 as cart;
use vici_proto::order::v1 as pb;
use vici_proto::payment::v1 as pay;
use vici_types::idempotency::{Key, Scope};

use super::{Caller, Service};
use crate::domain::id;
use crate::domain::order::{Address, check_payment_method};
use crate::grpc::convert;
use crate::saga::flows::Checkout;
use crate::saga::peer;
use crate::saga::snapshot::{Priced, price};

const MAX_TEXT: usize = 255;

/// An optional short text: trimmed, empty = absent, at most 255 characters.
fn short(field: &str, raw: Option<String>) -> Result<Option<String>> {
    let value = raw.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    if value.as_ref().is_some_and(|s| s.chars().count() > MAX_TEXT) {
        return Err(Error::validation(field, format!("`{field}` is too long")));
    }
    Ok(value)
}

fn address(field: &str, raw: Option<pb::Address>, required: bool) -> Result<Option<Address>> {
    match raw {
        None if required => Err(Error::validation(field, format!("`{field}` is required"))),
        None => Ok(None),
        Some(a) => {
            let a = convert::address_in(a);
            a.check(field)?;
            Ok(Some(a))
        }
    }
}

impl Service {
    /// The caller's cart priced for checkout (a coupon asked for is applied to the cart first).
    pub async fn calculate(
        &self,
        user_id: &str,
        coupon_code: Option<String>,
        session_id: &str,
    ) -> Result<(Priced, Vec<String>)> {
        let user = id("userId", user_id)?;
        let coupon = short("couponCode", coupon_code)?;
        let mut carts = self.engine.cart.clone();
        if let Some(code) = coupon {
            let req = cart::ApplyCouponRequest {
                user_id: user.clone(),
                code,
            };
            carts.apply_coupon(req).await.map_err(peer)?;
        }
        let cart_ref = cart::CartRef {
            user_id: user,
            session_id: session_id.into(),
        };
        let c = carts.get_cart(cart_ref).await.map_err(peer)?.into_inner();
        let priced = price(&c)?;
        Ok((priced, c.items.into_iter().map(|i| i.id).collect()))
    }

    pub async fn payment_intent(
        &self,
        r: pb::CreatePaymentIntentRequest,
    ) -> Result<pay::PaymentIntent> {
        let currency = r.currency.trim().to_ascii_uppercase();
        if !currency.is_empty() && currency != "USD" {
            return Err(Error::validation("currency", "Only USD is accepted"));
        }
        let (priced, _) = self.calculate(&r.user_id, None, "").await?;
        let total = priced.totals.total_cents;
        if let Some(expected) = r.expected_amount_cents
            && expected != total
        {
            return Err(Error::conflict("Cart changed")
                .with_detail("expectedAmount", expected)
                .with_detail("amount", total));
        }
        let key = Key::optional_as("idempotencyKey", &r.idempotency.unwrap_or_default().key)?;
        let req = pay::CreateIntentRequest {
            user_id: id("userId", &r.user_id)?,
            amount_cents: total,
            currency: priced.currency,
            idempotency_key: key.map(|k| k.as_str().to_string()).unwrap_or_default(),
        };
        let intent = self.engine.payments.clone().create_intent(req).await;
        Ok(intent.map_err(peer)?.into_inner())
    }

    pub async fn place_order(&self, r: pb::PlaceOrderRequest) -> Result<pb::Order> {
        let user_id = id("userId", &r.user_id)?;
        let method = r.payment_method.trim().to_string();
        check_payment_method(&method)?;
        let email = r.user_email.trim().to_string();
        if email.chars().count() > 320 {
            return Err(Error::validation("userEmail", "`userEmail` is too long"));
        }
        let checkout = Checkout {
            user_id: user_id.clone(),
            user_email: email,
            shipping_address: address("shippingAddress", r.shipping_address, true)?
                .unwrap_or_default(),
            billing_address: address("billingAddress", r.billing_address, false)?,
            payment_method: method,
            payment_intent_id: short("paymentIntentId", r.payment_intent_id)?,
            coupon_code: short("couponCode", r.coupon_code)?,
            pay_now: r.pay_now,
            session_id: short("sessionId", Some(r.session_id))?.unwrap_or_default(),
            idempotency: None,
        };
        let scope = Scope::of_placement(r.pay_now);
        let engine = self.engine.clone();
        self.once(&user_id, scope, r.idempotency, |idem| async move {
            let checkout = Checkout {
                idempotency: idem,
                ..checkout
            };
            engine.place(checkout, None).await
        })
        .await
    }

    pub async fn pay_order(&self, r: pb::PayOrderRequest) -> Result<pb::Order> {
        let caller = Caller::new(&r.user_id, false)?;
        let method = r.payment_method.trim().to_string();
        check_payment_method(&method)?;
        let order = self.order(&caller, &r.order_id).await?;
        let engine = self.engine.clone();
        self.once(
            &caller.user_id,
            Scope::PayOrder,
            r.idempotency,
            |idem| async move {
                // Re-read under the key: a duplicate that waited must see what the first did.
                let order = engine.order(&order.id).await?;
                engine.pay(&order, &method, idem, None).await
            },
        )
        .await
    }
}
