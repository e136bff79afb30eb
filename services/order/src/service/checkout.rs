//! Checkout's use cases: the quote, the payment intent, PlaceOrder and PayOrder. Every request
//! is checked completely before anything acts, so a refused one changes nothing.
use vici_kit::{Error, Result};
use vici_types::idempotency::{Key, Scope};
use vici_types::{OrderId, UserId};

use super::{Caller, Service};
use crate::domain::checkout::{Checkout, Priced, price};
use crate::domain::order::{Address, check_payment_method};
use crate::domain::outcome::{Answer, Presented};
use crate::domain::payment::{IntentRequest, PaymentIntent};

const MAX_TEXT: usize = 255;

/// A PlaceOrder request as the caller sent it.
#[derive(Clone, Debug)]
pub struct PlaceOrder {
    pub user_id: UserId,
    pub user_email: String,
    pub shipping_address: Option<Address>,
    pub billing_address: Option<Address>,
    pub payment_method: String,
    pub payment_intent_id: Option<String>,
    pub coupon_code: Option<String>,
    pub pay_now: bool,
    pub session_id: String,
    pub expected_total_cents: Option<i64>,
}

/// A PayOrder request as the caller sent it.
#[derive(Clone, Debug)]
pub struct PayOrder {
    pub user_id: UserId,
    pub order_id: OrderId,
    pub payment_method: String,
}

/// A payment intent for the caller's cart, as the caller asked for it.
#[derive(Clone, Debug)]
pub struct CartIntent {
    pub user_id: UserId,
    /// The total the client showed: CONFLICT when the cart's is another.
    pub expected_amount_cents: Option<i64>,
    pub currency: String,
    pub key: Option<Key>,
}

/// An optional short text: trimmed, empty = absent, at most 255 characters.
fn short(field: &str, raw: Option<String>) -> Result<Option<String>> {
    let value = raw.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    if value.as_ref().is_some_and(|s| s.chars().count() > MAX_TEXT) {
        return Err(Error::validation(field, format!("`{field}` is too long")));
    }
    Ok(value)
}

fn address(field: &str, raw: Option<Address>, required: bool) -> Result<Option<Address>> {
    match raw {
        None if required => Err(Error::validation(field, format!("`{field}` is required"))),
        None => Ok(None),
        Some(a) => a.checked(field).map(Some),
    }
}

impl Service {
    /// The caller's cart priced for checkout (a coupon asked for is applied to the cart first).
    pub async fn calculate(
        &self,
        user_id: &UserId,
        coupon_code: Option<String>,
        session_id: &str,
    ) -> Result<Priced> {
        let coupon = short("couponCode", coupon_code)?;
        let cart = self
            .engine
            .cart_for_checkout(user_id, coupon.as_deref(), session_id)
            .await?;
        price(&cart)
    }

    pub async fn payment_intent(&self, r: CartIntent) -> Result<PaymentIntent> {
        let currency = r.currency.trim().to_ascii_uppercase();
        if !currency.is_empty() && currency != "USD" {
            return Err(Error::validation("currency", "Only USD is accepted"));
        }
        let priced = self.calculate(&r.user_id, None, "").await?;
        let total = priced.totals.total_cents;
        if let Some(expected) = r.expected_amount_cents
            && expected != total
        {
            return Err(Error::conflict("Cart changed")
                .with_detail("expectedAmount", expected)
                .with_detail("amount", total));
        }
        let request = IntentRequest {
            user_id: r.user_id,
            amount_cents: total,
            currency: priced.currency,
            key: r.key,
        };
        self.engine.payments.create_intent(request).await
    }

    pub async fn place_order(&self, r: PlaceOrder, idem: Option<Presented>) -> Result<Answer> {
        let user_id = r.user_id;
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
            expected_total_cents: match r.expected_total_cents {
                Some(c) if c < 0 => {
                    return Err(Error::validation(
                        "expectedTotal",
                        "`expectedTotal` must not be negative",
                    ));
                }
                other => other,
            },
            idempotency: None,
        };
        let scope = Scope::of_placement(r.pay_now);
        let engine = self.engine.clone();
        self.once(&user_id, scope, idem, |idem| async move {
            let checkout = Checkout {
                idempotency: idem,
                ..checkout
            };
            engine.place(checkout, None).await
        })
        .await
    }

    pub async fn pay_order(&self, r: PayOrder, idem: Option<Presented>) -> Result<Answer> {
        let caller = Caller {
            user_id: r.user_id,
            any_user: false,
        };
        let method = r.payment_method.trim().to_string();
        check_payment_method(&method)?;
        let order = self.order(&caller, &r.order_id).await?;
        let engine = self.engine.clone();
        self.once(&caller.user_id, Scope::PayOrder, idem, |idem| async move {
            // Re-read under the key: a duplicate that waited must see what the first did.
            let order = engine.order(&order.id).await?;
            engine.pay(&order, &method, idem, None).await
        })
        .await
    }
}
