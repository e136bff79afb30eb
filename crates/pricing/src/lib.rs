//! The shop's money rules in one place, shared by the cart and checkout so they can never
//! disagree: line and cart totals, shipping, tax, savings, and what a coupon takes off.
//! Everything is in integer cents; the only rounding is half-up to the cent.

mod coupon;

pub use coupon::{Coupon, CouponKind, CouponRefusal, Usage};

/// Orders whose subtotal after discount is above this ship free.
pub const FREE_SHIPPING_ABOVE_CENTS: i64 = 5_000;
/// Shipping charged at or below [`FREE_SHIPPING_ABOVE_CENTS`].
pub const SHIPPING_CENTS: i64 = 599;
/// Sales tax on the discounted subtotal, in basis points (8 %).
pub const TAX_BASIS_POINTS: i64 = 800;

/// One priced line: prices come from the catalogue, never from the client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Line {
    pub unit_price_cents: i64,
    /// The "was" price when the product is on sale.
    pub original_price_cents: Option<i64>,
    pub quantity: i64,
}

impl Line {
    pub fn total_cents(&self) -> i64 {
        self.unit_price_cents * self.quantity
    }

    /// What the sale price saves on this line (never negative).
    pub fn savings_cents(&self) -> i64 {
        self.original_price_cents.map_or(0, |was| {
            (was - self.unit_price_cents).max(0) * self.quantity
        })
    }
}

/// What the cart shows: `total` = subtotal − discount (shipping and tax come at checkout).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CartTotals {
    pub item_count: i64,
    pub subtotal_cents: i64,
    pub discount_cents: i64,
    pub total_cents: i64,
}

/// What checkout charges (api-contract §2 "Totals").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub subtotal_cents: i64,
    pub discount_cents: i64,
    pub shipping_cents: i64,
    pub tax_cents: i64,
    pub total_cents: i64,
    pub savings_cents: i64,
}

pub fn subtotal_cents(lines: &[Line]) -> i64 {
    lines.iter().map(Line::total_cents).sum()
}

/// Cart totals for `lines` with a coupon discount already evaluated against their subtotal.
/// The discount is clamped to the subtotal, so a total is never negative.
pub fn cart_totals(lines: &[Line], discount_cents: i64) -> CartTotals {
    let subtotal = subtotal_cents(lines);
    let discount = discount_cents.clamp(0, subtotal);
    CartTotals {
        item_count: lines.iter().map(|l| l.quantity).sum(),
        subtotal_cents: subtotal,
        discount_cents: discount,
        total_cents: subtotal - discount,
    }
}

/// Checkout totals: the cart's, plus shipping, tax and savings.
pub fn checkout_totals(lines: &[Line], discount_cents: i64) -> Totals {
    let cart = cart_totals(lines, discount_cents);
    let taxable = cart.total_cents;
    let shipping = if taxable > FREE_SHIPPING_ABOVE_CENTS {
        0
    } else {
        SHIPPING_CENTS
    };
    let tax = ratio_half_up(taxable, TAX_BASIS_POINTS, 10_000);
    let sale_savings: i64 = lines.iter().map(Line::savings_cents).sum();
    Totals {
        subtotal_cents: cart.subtotal_cents,
        discount_cents: cart.discount_cents,
        shipping_cents: shipping,
        tax_cents: tax,
        total_cents: taxable + shipping + tax,
        savings_cents: cart.discount_cents + sale_savings,
    }
}

/// `amount × numerator / denominator`, rounded half-up to a whole cent (amounts are never
/// negative here; a negative one rounds half away from zero).
pub fn ratio_half_up(amount: i64, numerator: i64, denominator: i64) -> i64 {
    let product = i128::from(amount) * i128::from(numerator);
    let d = i128::from(denominator);
    let rounded = if product >= 0 {
        (product + d / 2) / d
    } else {
        (product - d / 2) / d
    };
    rounded as i64
}

/// `$50.00`: how messages show an amount.
pub fn dollars(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    format!("{sign}${}.{:02}", c / 100, c % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(price: i64, qty: i64) -> Line {
        Line {
            unit_price_cents: price,
            original_price_cents: None,
            quantity: qty,
        }
    }

    #[test]
    fn shipping_is_free_only_strictly_above_fifty_dollars_after_discount() {
        assert_eq!(checkout_totals(&[line(5_000, 1)], 0).shipping_cents, 599);
        assert_eq!(checkout_totals(&[line(5_001, 1)], 0).shipping_cents, 0);
        // The discount counts: 60.00 − 15.00 = 45.00 pays shipping.
        assert_eq!(
            checkout_totals(&[line(6_000, 1)], 1_500).shipping_cents,
            599
        );
        // The formula as written, even for nothing (checkout refuses an empty cart first).
        assert_eq!(checkout_totals(&[], 0).total_cents, 599);
    }

    #[test]
    fn tax_is_eight_percent_of_the_discounted_subtotal_rounded_half_up() {
        // 8 % of 0.06 = 0.0048 → 0.00; of 0.07 = 0.0056 → 0.01; of 12.50 = 1.00.
        assert_eq!(checkout_totals(&[line(6, 1)], 0).tax_cents, 0);
        assert_eq!(checkout_totals(&[line(7, 1)], 0).tax_cents, 1);
        assert_eq!(checkout_totals(&[line(1_250, 1)], 0).tax_cents, 100);
        // Exactly half a cent rounds up, a hair less rounds down.
        assert_eq!(ratio_half_up(15, 1, 10), 2);
        assert_eq!(ratio_half_up(149, 1, 100), 1);
        assert_eq!(ratio_half_up(1, 1, 2), 1);
    }

    #[test]
    fn totals_add_up_and_savings_include_sale_prices() {
        let lines = [
            Line {
                unit_price_cents: 12_999,
                original_price_cents: Some(15_999),
                quantity: 2,
            },
            line(2_499, 1),
        ];
        let t = checkout_totals(&lines, 2_000);
        assert_eq!(t.subtotal_cents, 28_497);
        assert_eq!(t.discount_cents, 2_000);
        assert_eq!(t.shipping_cents, 0);
        assert_eq!(t.tax_cents, 2_120); // 8 % of 264.97 = 21.1976
        assert_eq!(t.total_cents, 26_497 + 2_120);
        assert_eq!(t.savings_cents, 2_000 + 6_000);
    }

    #[test]
    fn a_discount_never_exceeds_the_subtotal() {
        let t = cart_totals(&[line(1_000, 1)], 1_500);
        assert_eq!((t.discount_cents, t.total_cents), (1_000, 0));
        assert_eq!(cart_totals(&[line(100, 3), line(5, 2)], 0).item_count, 5);
    }

    #[test]
    fn dollars_read_like_money() {
        assert_eq!(dollars(5_000), "$50.00");
        assert_eq!(dollars(7), "$0.07");
        assert_eq!(dollars(-150), "-$1.50");
    }
}
