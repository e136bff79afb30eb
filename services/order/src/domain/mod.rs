//! The order service's pure rules: statuses and the transition table (`status`), the order and
//! its checks (`order`), pricing a cart for checkout (`checkout`), the payment service's facts
//! (`payment`), stored idempotent outcomes (`outcome`), the saga record (`saga`), ids and the
//! time bounds of list filters. No I/O here.
pub mod checkout;
pub mod order;
pub mod outcome;
pub mod payment;
pub mod saga;
pub mod status;

use vici_kit::{Error, Result};
use vici_types::ids::parse_id;

/// An id a caller sends; anything but a UUID is a bad request naming `field`. Returned in the
/// canonical lower-case form, so one id is always stored as one text.
pub fn id(field: &str, raw: &str) -> Result<String> {
    parse_id(field, raw)
}

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
    fn ids_and_bounds_are_checked() {
        assert!(id("orderId", "nope").is_err());
        let u = uuid::Uuid::now_v7();
        assert_eq!(
            id("orderId", &u.to_string().to_uppercase()).unwrap(),
            u.to_string()
        );
        assert_eq!(time_bound("from", None).unwrap(), None);
        assert_eq!(
            time_bound("from", Some("1970-01-01T00:00:01Z")).unwrap(),
            Some(1000)
        );
        assert!(time_bound("to", Some("yesterday")).is_err());
    }
}
