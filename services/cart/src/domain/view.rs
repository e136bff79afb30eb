//! How a stored cart is shown: every line priced from the catalogue now, the attached coupon
//! evaluated against that subtotal, the totals from `vici_pricing`.
//!
//! - A line shows the catalogue's current price. When that differs from the price the line
//!   showed last, it is flagged once (`price_changed`, `previous_price_cents`) and a
//!   [`Repricing`] tells the caller to store the new price, so the next read no longer flags it.
//! - A line whose product is no longer buyable (retired, hidden, unknown, or its variant gone)
//!   stays in the cart, shown as unavailable with stock 0 and left out of the subtotal and the
//!   item count until the shopper removes it; its stored price is kept.
//! - The discount is never stored: the coupon is evaluated on every rendering, so every change
//!   re-evaluates it. A coupon that stops applying stays attached with discount 0 and a message.
use vici_pricing::{CartTotals, CouponRefusal, Usage};

use super::cart::{Cart, Line};
use super::catalogue::{Offer, Snapshot};

/// The currency of a cart with nothing priced in it (the shop's currency).
pub const DEFAULT_CURRENCY: &str = "USD";
pub const COUPON_GONE: &str = "This coupon is no longer available";

/// One line as shown.
#[derive(Clone, Debug, PartialEq)]
pub struct ItemView {
    pub line: Line,
    /// The catalogue's terms; `None` when the catalogue no longer has the product or variant.
    pub offer: Option<Offer>,
    pub available: bool,
    pub unit_price_cents: i64,
    pub stock: i64,
    /// The price shown before this read, when the catalogue's differs.
    pub previous_price_cents: Option<i64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct View {
    pub cart: Cart,
    pub items: Vec<ItemView>,
    pub totals: CartTotals,
    pub currency: String,
    pub coupon_code: Option<String>,
    pub coupon_message: Option<String>,
}

/// A line's stored price to bring in line with the catalogue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Repricing {
    pub line_id: String,
    pub from: i64,
    pub to: i64,
}

/// The cart's coupon as stored, with its use so far.
#[derive(Clone, Debug, PartialEq)]
pub struct Attached {
    pub code: String,
    /// `None` when the coupon was deleted or deactivated.
    pub terms: Option<vici_pricing::Coupon>,
    pub usage: Usage,
}

/// The answer of every RPC that returns a cart, and the price updates it implies.
pub fn render(
    cart: Cart,
    lines: Vec<Line>,
    snapshot: &Snapshot,
    coupon: Option<Attached>,
    now_ms: i64,
) -> (View, Vec<Repricing>) {
    let mut repricings = Vec::new();
    let items: Vec<ItemView> = lines
        .into_iter()
        .map(|line| {
            let offer = snapshot.offer(&line.item.product_id, &line.item.variant_id);
            let live = offer.as_ref().filter(|o| o.buyable);
            let Some(live) = live else {
                return ItemView {
                    unit_price_cents: line.unit_price_cents,
                    line,
                    offer,
                    available: false,
                    stock: 0,
                    previous_price_cents: None,
                };
            };
            let price = live.price_cents;
            let previous = (line.unit_price_cents != price).then_some(line.unit_price_cents);
            if let Some(from) = previous {
                repricings.push(Repricing {
                    line_id: line.id.clone(),
                    from,
                    to: price,
                });
            }
            ItemView {
                unit_price_cents: price,
                stock: live.stock.max(0),
                line,
                offer: offer.clone(),
                available: true,
                previous_price_cents: previous,
            }
        })
        .collect();
    let priced: Vec<vici_pricing::Line> = items
        .iter()
        .filter(|i| i.available)
        .map(|i| vici_pricing::Line {
            unit_price_cents: i.unit_price_cents,
            original_price_cents: i.offer.as_ref().and_then(|o| o.original_price_cents),
            quantity: i.line.quantity,
        })
        .collect();
    let subtotal = vici_pricing::subtotal_cents(&priced);
    let (discount, coupon_message) = match &coupon {
        None => (0, None),
        Some(a) => match evaluate(a, subtotal, now_ms) {
            Ok(d) => (d, None),
            Err(message) => (0, Some(message)),
        },
    };
    let currency = items
        .iter()
        .find(|i| i.available)
        .and_then(|i| i.offer.as_ref())
        .map_or_else(|| DEFAULT_CURRENCY.to_string(), |o| o.currency.clone());
    let view = View {
        cart,
        totals: vici_pricing::cart_totals(&priced, discount),
        items,
        currency,
        coupon_code: coupon.map(|a| a.code),
        coupon_message,
    };
    (view, repricings)
}

/// The attached coupon's discount on `subtotal`, or the sentence saying why there is none.
fn evaluate(a: &Attached, subtotal: i64, now_ms: i64) -> Result<i64, String> {
    let terms = a.terms.as_ref().ok_or_else(|| COUPON_GONE.to_string())?;
    terms
        .discount(subtotal, now_ms, a.usage)
        .map_err(|r: CouponRefusal| r.message())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::cart::ItemKey;
    use crate::domain::catalogue::tests::product;
    use vici_pricing::CouponKind;

    fn line(product: &str, quantity: i64, price: i64) -> Line {
        Line {
            id: format!("line-{product}"),
            item: ItemKey {
                product_id: product.into(),
                variant_id: String::new(),
            },
            quantity,
            unit_price_cents: price,
            currency: "USD".into(),
            added_at: 1,
        }
    }

    fn cart() -> Cart {
        Cart {
            id: "c".into(),
            user_id: "u".into(),
            coupon_id: None,
            created_at: 1,
            updated_at: 1,
            version: 0,
        }
    }

    fn save20() -> Attached {
        Attached {
            code: "SAVE20".into(),
            terms: Some(vici_pricing::Coupon {
                kind: CouponKind::Percent(20),
                min_subtotal_cents: 5_000,
                expires_at_ms: None,
                usage_limit: None,
                per_user_limit: None,
            }),
            usage: Usage::default(),
        }
    }

    #[test]
    fn prices_come_from_the_catalogue_and_changes_are_flagged_once() {
        let mut s = Snapshot::default();
        let mut retired = product("b", 900, 5);
        retired.status = "INACTIVE".into();
        s.record(
            ["a", "b", "gone"].map(String::from),
            vec![product("a", 2_600, 7), retired],
        );
        let lines = vec![line("a", 2, 2_500), line("b", 1, 900), line("gone", 3, 100)];
        let (view, repricings) = render(cart(), lines, &s, Some(save20()), 0);
        assert_eq!(
            repricings,
            vec![Repricing {
                line_id: "line-a".into(),
                from: 2_500,
                to: 2_600
            }]
        );
        let a = &view.items[0];
        assert_eq!(
            (a.unit_price_cents, a.previous_price_cents, a.stock),
            (2_600, Some(2_500), 7)
        );
        assert!(view.items[1..].iter().all(|i| !i.available && i.stock == 0));
        assert_eq!(view.items[1].offer.as_ref().unwrap().name, "Product b");
        assert_eq!(view.totals.subtotal_cents, 5_200);
        assert_eq!(view.totals.item_count, 2);
        assert_eq!(view.totals.discount_cents, 1_040);
        assert_eq!(view.totals.total_cents, 4_160);
        assert_eq!(view.coupon_message, None);
    }

    #[test]
    fn a_coupon_that_stops_applying_stays_with_a_message() {
        let mut s = Snapshot::default();
        s.record(["a".to_string()], vec![product("a", 4_999, 7)]);
        let (view, _) = render(cart(), vec![line("a", 1, 4_999)], &s, Some(save20()), 0);
        assert_eq!(view.totals.discount_cents, 0);
        assert_eq!(view.coupon_code.as_deref(), Some("SAVE20"));
        assert_eq!(
            view.coupon_message.as_deref(),
            Some("Minimum order $50.00 required")
        );
        let gone = Attached {
            terms: None,
            ..save20()
        };
        let (view, _) = render(cart(), vec![line("a", 2, 4_999)], &s, Some(gone), 0);
        assert_eq!(view.coupon_message.as_deref(), Some(COUPON_GONE));
        assert_eq!(view.totals.total_cents, 9_998);
    }

    #[test]
    fn an_empty_cart_is_in_the_shop_currency() {
        let (view, _) = render(cart(), Vec::new(), &Snapshot::default(), None, 0);
        assert_eq!(view.currency, "USD");
        assert_eq!(view.totals, CartTotals::default());
    }
}
