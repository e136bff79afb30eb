//! Stock rules: how an adjustment changes a level, which thresholds it crosses, and the errors
//! a stock request can meet. Reservation rules live in [`reservation`].
pub mod reservation;

use vici_kit::{Error, Result};

/// The movement kind of an admin adjustment (reservation kinds are [`reservation::LineMove`]).
pub const ADJUST: &str = "ADJUST";
/// Upper bound of a product's low-stock threshold.
pub const MAX_THRESHOLD: i64 = 1_000_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    Add,
    Subtract,
    Set,
}

/// The new available quantity after `op` with `quantity`, refusing anything that would make
/// stock negative.
pub fn apply_operation(available: i64, op: Operation, quantity: i64) -> Result<i64> {
    if quantity < 0 {
        return Err(Error::validation(
            "quantity",
            "`quantity` must be zero or more",
        ));
    }
    if quantity > 1_000_000_000 {
        return Err(Error::validation(
            "quantity",
            "`quantity` is unreasonably large",
        ));
    }
    match op {
        Operation::Add => Ok(available + quantity),
        Operation::Set => Ok(quantity),
        Operation::Subtract if quantity > available => Err(Error::validation(
            "quantity",
            format!("Cannot subtract {quantity}: only {available} available"),
        )
        .with_detail("available", available)),
        Operation::Subtract => Ok(available - quantity),
    }
}

pub fn no_stock_record(product_id: &str, variant_id: &str) -> Error {
    let mut err = Error::not_found(format!("No stock record for product {product_id}"))
        .with_detail("productId", product_id);
    if !variant_id.is_empty() {
        err = err.with_detail("variantId", variant_id);
    }
    err
}

pub fn threshold(value: i64) -> Result<i64> {
    if (0..=MAX_THRESHOLD).contains(&value) {
        Ok(value)
    } else {
        Err(Error::validation(
            "lowStockThreshold",
            format!("`lowStockThreshold` must be between 0 and {MAX_THRESHOLD}"),
        ))
    }
}

/// Events a change from `before` to `after` announces besides `inventory.stock_changed`.
pub fn crossings(before: i64, after: i64, threshold: i64) -> Vec<&'static str> {
    let mut out = Vec::new();
    if after == 0 && before > 0 {
        out.push("inventory.out_of_stock");
    } else if after > 0 && after <= threshold && before > threshold {
        out.push("inventory.low_stock");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_never_go_negative() {
        assert_eq!(apply_operation(5, Operation::Add, 3).unwrap(), 8);
        assert_eq!(apply_operation(5, Operation::Set, 0).unwrap(), 0);
        assert_eq!(apply_operation(5, Operation::Subtract, 5).unwrap(), 0);
        let e = apply_operation(5, Operation::Subtract, 6).unwrap_err();
        assert_eq!(e.details["available"], 5);
        assert!(apply_operation(5, Operation::Add, -1).is_err());
    }

    #[test]
    fn thresholds_fire_once_when_crossed() {
        assert_eq!(crossings(11, 10, 10), vec!["inventory.low_stock"]);
        assert!(crossings(10, 9, 10).is_empty());
        assert_eq!(crossings(3, 0, 10), vec!["inventory.out_of_stock"]);
        assert!(crossings(0, 0, 10).is_empty());
        assert!(
            crossings(0, 5, 10).is_empty(),
            "restocking announces no crossing"
        );
    }

    #[test]
    fn thresholds_are_bounded() {
        assert_eq!(threshold(0).unwrap(), 0);
        assert_eq!(threshold(MAX_THRESHOLD).unwrap(), MAX_THRESHOLD);
        assert!(threshold(-1).is_err());
        assert!(threshold(MAX_THRESHOLD + 1).is_err());
    }
}
