//! Checkout's pure part: the cart as checkout reads it (`CartSnapshot`), a checked PlaceOrder
//! request (`Checkout`), the cart priced with `vici_pricing::checkout_totals`, the one totals
//! function (`price`), and the order draft the saga records before anything else happens
//! (`draft`).
use vici_kit::{Error, Result};
use vici_types::{IdempotencyKey, UserId};

use super::order::{Address, Draft, Item, Order, Totals};

/// The cart as checkout reads it: catalogue prices, and the coupon with what it takes off now.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CartSnapshot {
    pub lines: Vec<CartLine>,
    pub coupon_code: Option<String>,
    pub discount_cents: i64,
    /// Empty when the cart does not say: US dollars.
    pub currency: String,
}

/// One line of the cart, as the order line it would become.
#[derive(Clone, Debug, PartialEq)]
pub struct CartLine {
    /// The cart's id of the line, which ClearCart takes.
    pub cart_line_id: String,
    /// False when the product was retired since it was put in the cart.
    pub available: bool,
    pub item: Item,
}

/// A checked PlaceOrder request.
#[derive(Clone, Debug)]
pub struct Checkout {
    pub user_id: UserId,
    pub user_email: String,
    pub shipping_address: Address,
    pub billing_address: Option<Address>,
    pub payment_method: String,
    pub payment_intent_id: Option<String>,
    pub coupon_code: Option<String>,
    pub pay_now: bool,
    pub session_id: String,
    /// The total the shopper was shown, when the client sent it.
    pub expected_total_cents: Option<i64>,
    /// The claimed idempotency row.
    pub idempotency: Option<IdempotencyKey>,
}

/// A cart priced for checkout: the order's lines, its totals and the coupon that counts.
#[derive(Clone, Debug, PartialEq)]
pub struct Priced {
    pub items: Vec<Item>,
    pub totals: Totals,
    pub coupon_code: Option<String>,
    pub currency: String,
}

/// Step 3: the cart as it is now (catalogue prices, the coupon's discount), priced with the
/// one totals function. INVALID_ARGUMENT `cart` when empty; CONFLICT for a retired product.
pub fn price(cart: &CartSnapshot) -> Result<Priced> {
    if cart.lines.is_empty() {
        return Err(Error::validation("cart", "Your cart is empty"));
    }
    if let Some(gone) = cart.lines.iter().find(|l| !l.available) {
        return Err(
            Error::conflict(format!("{} is no longer available", gone.item.name))
                .with_detail("productId", gone.item.product_id.as_str()),
        );
    }
    let items: Vec<Item> = cart.lines.iter().map(|l| l.item.clone()).collect();
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

/// What checkout `c` of `cart` will write: kept on the saga record before anything happens.
/// CONFLICT "Cart changed" when the cart is not what the shopper was shown ([`as_shown`]).
pub fn draft(c: &Checkout, cart: CartSnapshot) -> Result<Draft> {
    let priced = price(&cart)?;
    as_shown(c, &cart, &priced)?;
    Ok(Draft {
        user_email: c.user_email.clone(),
        items: priced.items,
        cart_item_ids: cart.lines.into_iter().map(|l| l.cart_line_id).collect(),
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

/// How much stock one account may hold in orders awaiting payment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnpaidLimits {
    pub max_orders: usize,
    pub max_units: i64,
}

/// Refuses a new order awaiting payment (`draft`) when the account's `unpaid` orders already
/// reach either limit, or would with it: one account cannot hold the shop's stock unpaid.
pub fn room_for_unpaid(unpaid: &[Order], draft: &Draft, limits: UnpaidLimits) -> Result<()> {
    let units = |items: &[Item]| items.iter().map(|i| i.quantity).sum::<i64>();
    if unpaid.len() >= limits.max_orders {
        return Err(Error::conflict(format!(
            "You have {} orders awaiting payment: pay or cancel one first",
            unpaid.len()
        ))
        .with_detail("unpaidOrders", unpaid.len() as i64));
    }
    let held: i64 = unpaid.iter().map(|o| units(&o.draft.items)).sum();
    if held + units(&draft.items) > limits.max_units {
        return Err(Error::conflict(format!(
            "At most {} items can wait for payment at once; pay for your open orders or buy fewer",
            limits.max_units
        ))
        .with_detail("unpaidUnits", held));
    }
    Ok(())
}

/// Refuses a cart that changed since the shopper saw it: a coupon on it that takes nothing off
/// any more (expired, used up, or its minimum no longer met) — charging without it would charge
/// more than the quote the coupon made — or a total above the one the client says it showed.
fn as_shown(c: &Checkout, cart: &CartSnapshot, priced: &Priced) -> Result<()> {
    if let Some(code) = cart.coupon_code.as_deref()
        && priced.coupon_code.is_none()
    {
        let problem = format!("{code} no longer applies: remove it, then check the new total");
        return Err(Error::conflict("Cart changed").with_detail("couponCode", problem));
    }
    if let Some(expected) = c.expected_total_cents
        && priced.totals.total_cents > expected
    {
        return Err(Error::conflict("Cart changed")
            .with_detail("expectedTotal", vici_pricing::dollars(expected))
            .with_detail("total", vici_pricing::dollars(priced.totals.total_cents)));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    use vici_types::{ProductId, TypedId as _};

    fn line(cart_line_id: &str, cents: i64, quantity: i64) -> CartLine {
        CartLine {
            cart_line_id: cart_line_id.into(),
            available: true,
            item: Item {
                id: format!("order-{cart_line_id}"),
                product_id: ProductId::generate(),
                variant_id: None,
                name: format!("Product {cart_line_id}"),
                image: String::new(),
                sku: String::new(),
                product_slug: String::new(),
                quantity,
                unit_price_cents: cents,
                original_price_cents: None,
            },
        }
    }

    #[test]
    fn carts_are_priced_with_the_coupon_that_counts() {
        let mut cart = CartSnapshot {
            lines: vec![line("a", 2_500, 2), line("b", 1_000, 1)],
            coupon_code: Some("SAVE5".into()),
            discount_cents: 500,
            currency: String::new(),
        };
        let priced = price(&cart).unwrap();
        assert_eq!(priced.items.len(), 2);
        assert_eq!(priced.totals.subtotal_cents, 6_000);
        assert_eq!(priced.totals.discount_cents, 500);
        assert_eq!(priced.coupon_code.as_deref(), Some("SAVE5"));
        assert_eq!(priced.currency, "USD");
        cart.discount_cents = 0;
        let priced = price(&cart).unwrap();
        assert_eq!(
            (priced.coupon_code, priced.totals.discount_cents),
            (None, 0)
        );
    }

    #[test]
    fn empty_carts_and_retired_products_are_refused() {
        let e = price(&CartSnapshot::default()).unwrap_err();
        assert!(e.details.contains_key("cart"));
        let mut gone = line("a", 100, 1);
        gone.available = false;
        let cart = CartSnapshot {
            lines: vec![line("b", 100, 1), gone],
            ..CartSnapshot::default()
        };
        let e = price(&cart).unwrap_err();
        assert_eq!(e.message, "Product a is no longer available");
        assert_eq!(
            e.details["productId"],
            cart.lines[1].item.product_id.as_str()
        );
    }
}
