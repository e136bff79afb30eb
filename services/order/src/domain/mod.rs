//! The order service's pure rules: statuses and the transition table (`status`), the order and
//! its checks (`order`), stored idempotent outcomes (`outcome`), ids and paging. No I/O here.
pub mod order;
pub mod outcome;
pub mod saga;
pub mod status;

use vici_kit::ids::parse_id;
use vici_kit::{Error, Result};

/// An id a caller sends; anything but a UUID is a bad request naming `field`. Returned in the
/// canonical lower-case form, so one id is always stored as one text.
pub fn id(field: &str, raw: &str) -> Result<String> {
    Ok(parse_id(field, raw)?.to_string())
}

pub const DEFAULT_PAGE_LIMIT: u32 = 20;
pub const MAX_PAGE_LIMIT: u32 = 100;

/// A page of a list: `page` from 1 (0 means the first), `limit` 0 means the default, anything
/// above the maximum is clamped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    pub page: u32,
    pub limit: u32,
}

impl Page {
    pub fn new(page: u32, limit: u32) -> Self {
        let limit = match limit {
            0 => DEFAULT_PAGE_LIMIT,
            n => n.min(MAX_PAGE_LIMIT),
        };
        Self {
            page: page.max(1),
            limit,
        }
    }

    pub fn offset(self) -> i64 {
        (i64::from(self.page) - 1) * i64::from(self.limit)
    }
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
    fn pages_default_and_clamp() {
        assert_eq!(Page::new(0, 0), Page { page: 1, limit: 20 });
        assert_eq!(Page::new(3, 500).limit, 100);
        assert_eq!(Page::new(3, 10).offset(), 20);
    }

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
