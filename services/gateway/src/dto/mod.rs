//! The JSON objects of contract §2 and their converters from the product service's messages.
//! Money travels as integer cents everywhere inside; only these converters render dollars.
pub mod account;
pub mod admin_catalogue;
pub mod admin_category;
pub mod analytics;
pub mod cart;
mod catalogue;
pub mod checkout;
pub mod coupon;
pub mod events;
pub mod generations;
pub mod input;
pub mod notification;
pub mod order;
pub mod order_bodies;
pub mod params;
mod product;
pub mod rendered;
mod shelf;
pub mod stock;

pub use catalogue::{
    CategoryDto, PriceRangeDto, ReviewDto, ReviewSummaryDto, ReviewsEnvelope, SearchResultDto,
    SuggestionDto,
};
pub use product::ProductDto;
pub use rendered::RenderedProduct;
pub use shelf::{ShelfEnvelope, ShelfMeta};

/// Cents → a dollar amount with at most two decimals (`12999` → `129.99`). The division is
/// correctly rounded, so the nearest double prints back as exactly two decimals.
pub fn dollars(cents: i64) -> f64 {
    cents as f64 / 100.0
}

/// Ratings are shown with one decimal.
pub fn one_decimal(x: f64) -> f64 {
    if x.is_finite() {
        (x * 10.0).round() / 10.0
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dollars_print_as_plain_two_decimal_numbers() {
        for (cents, text) in [
            (12_999, "129.99"),
            (29, "0.29"),
            (1, "0.01"),
            (5_000, "50.0"),
            (0, "0.0"),
            (-150, "-1.5"),
        ] {
            assert_eq!(serde_json::to_string(&dollars(cents)).unwrap(), text);
        }
        // Exhaustive over a wide band: no amount ever renders with float noise.
        for cents in 0..200_000 {
            let text = serde_json::to_string(&dollars(cents)).unwrap();
            let decimals = text.split_once('.').map_or(0, |(_, f)| f.len());
            assert!(decimals <= 2, "{cents} → {text}");
        }
    }

    #[test]
    fn ratings_keep_one_decimal() {
        assert_eq!(one_decimal(4.349), 4.3);
        assert_eq!(one_decimal(4.35), 4.4);
        assert_eq!(one_decimal(f64::NAN), 0.0);
    }
}
