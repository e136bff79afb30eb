//! The order service's pure rules: statuses and the transition table (`status`), the order and
//! its checks (`order`), pricing a cart for checkout (`checkout`), the payment service's facts
//! (`payment`), stored idempotent outcomes (`outcome`), the saga record (`saga`) and the time
//! bounds of list filters. No I/O here.
pub mod checkout;
pub mod order;
pub mod outcome;
pub mod payment;
pub mod saga;
pub mod status;

use vici_kit::{Error, Result};

/// An RFC 3339 bound of a list filter, as unix milliseconds.
pub fn time_bound(field: &str, raw: Option<&str>) -> Result<Option<i64>> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => chrono::DateTime::parse_from_rfc3339(s)
            .map(|t| Some(t.timestamp_millis()))
            .map_err(|_| Error::validation(field, format!("`{field}` must be an RFC 3339 time"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_checked() {
        assert_eq!(time_bound("from", None).unwrap(), None);
        assert_eq!(
            time_bound("from", Some("1970-01-01T00:00:01Z")).unwrap(),
            Some(1000)
        );
        assert!(time_bound("to", Some("yesterday")).is_err());
    }
}
