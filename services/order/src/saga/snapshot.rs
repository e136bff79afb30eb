//! Step 3's snapshot: the cart as it is now, priced with `vici_pricing::checkout_totals` (the
//! one totals function), and the order draft the saga records before anything else happens.
use vici_kit::{Error, Result};
use vici_proto::cart::v1 as cart;

use super::flows::Checkout;
use crate::domain::order::{Draft, Item};

/// A cart priced for checkout: the order's lines, its totals and the coupon that counts.
pub struct Priced {
    pub items: Vec<Item>,
    pub totals: crate::domain::order::Totals,
    pub coupon_code: Option<String>,
    pub currency: String,
}

/// Step 3: the cart as it is now (catalogue prices, the coupon's discount), priced with the
/// one totals function. INVALID_ARGUMENT `cart` when empty; CONFLICT for a retired product.
pub fn price(cart: &cart::Cart) -> Result<Priced> {
    if cart.items.is_empty() {
        return Err(Error::validation("cart", "Your cart is empty"));
    }
    if let Some(gone) = cart.items.iter().find(|i| !i.available) {
        return Err(
            Error::conflict(format!("{} is no longer available", gone.name))
                .with_detail("productId", gone.product_id.clone()),
        );
    }
    let items: Vec<Item> = cart
        .items
        .iter()
        .map(|i| Item {
            id: vici_types::new_id(),
            product_id: i.product_id.clone(),
            variant_id: i.variant_id.clone().filter(|v| !v.is_empty()),
            name: i.name.clone(),
            image: i.image.clone(),
            sku: i.sku.clone(),
            product_slug: i.product_slug.clone(),
            quantity: i.quantity,
            unit_price_cents: i.unit_price_cents,
            original_price_cents: i.original_price_cents,
        })
        .collect();
    let lines: Vec<vici_pricing::Line> = items
        .iter()
        .map(|i| vici_pricing::Line {
            unit_price_cents: i.unit_price_cents,
            original_price_cents: i.original_price_cents,
            quantity: i.quantity,
        })
        .collect();
    // A coupon that takes nothing off right now is neither redeemed nor kept on the order.
    let coupon_code = cart.coupon_code.clone().filter(|_| cart.discount_cents > 0);
    let discount = if coupon_code.is_some() {
        cart.discount_cents
    } else {
        0
    };
    Ok(Priced {
        items,
        totals: vici_pricing::checkout_totals(&lines, discount).into(),
        coupon_code,
        currency: if cart.currency.is_empty() {
            "USD".into()
        } else {
            cart.currency.clone()
        },
    })
}

pub fn draft(c: &Checkout, cart: cart::Cart) -> Result<Draft> {
    let priced = price(&cart)?;
    Ok(Draft {
        user_email: c.user_email.clone(),
        items: priced.items,
        cart_item_ids: cart.items.iter().map(|i| i.id.clone()).collect(),
        totals: priced.totals,
        currency: priced.currency,
        shipping_address: c.shipping_address.clone(),
        billing_address: c.billing_address.clone(),
        payment_method: c.payment_method.clone(),
        payment_intent_id: c.payment_intent_id.clone(),
        coupon_code: priced.coupon_code,
        session_id: c.session_id.clone(),
    })
}
