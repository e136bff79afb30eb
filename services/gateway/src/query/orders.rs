//! Query parameters of the order lists: a shopper's `GET /orders` (paging, status) and the
//! admin's `GET /admin/orders` (also a date range and a customer), and the one reading of an
//! order status the REST API takes (any case) into the order service's enum.
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use vici_proto::order::v1::OrderStatus;

use super::{DEFAULT_LIMIT, Invalid, PageQuery, Reader};

pub const STATUSES: [&str; 8] = [
    "PENDING",
    "PAYMENT_PENDING",
    "CONFIRMED",
    "PROCESSING",
    "SHIPPED",
    "DELIVERED",
    "CANCELLED",
    "REFUNDED",
];

#[derive(Clone, Debug, PartialEq)]
pub struct OrdersQuery {
    pub page: PageQuery,
    pub status: Option<OrderStatus>,
    /// RFC 3339 bounds: `from` inclusive, `to` exclusive.
    pub from: Option<String>,
    pub to: Option<String>,
    pub customer: Option<String>,
}

/// An order status in the contract's spelling, in any case → the order service's enum.
pub fn parse_status(raw: &str) -> Result<OrderStatus, String> {
    let upper = raw.trim().to_ascii_uppercase();
    STATUSES
        .contains(&upper.as_str())
        .then(|| OrderStatus::from_str_name(&format!("ORDER_STATUS_{upper}")))
        .flatten()
        .ok_or_else(|| format!("must be one of {}", STATUSES.join(", ")))
}

/// A time bound: RFC 3339, or a calendar day (`to=2026-11-24` includes that whole day).
fn bound(raw: &str, end_of_day: bool) -> Result<String, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Ok(t
            .with_timezone(&Utc)
            .to_rfc3339_opts(SecondsFormat::Millis, true));
    }
    let day = NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map_err(|_| "must be a date (2026-11-24) or an RFC 3339 time".to_string())?;
    let day = if end_of_day {
        day.succ_opt().unwrap_or(day)
    } else {
        day
    };
    let start = day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    Ok(start.to_rfc3339_opts(SecondsFormat::Millis, true))
}

/// `GET /orders` (`admin` false: only paging and status) and `GET /admin/orders`.
pub fn orders(pairs: &[(String, String)], admin: bool) -> Result<OrdersQuery, Invalid> {
    let mut r = Reader::new(pairs);
    let status = r.parse(&["status"], parse_status);
    let (from, to, customer) = if admin {
        (
            r.parse(&["from", "dateFrom"], |raw| bound(raw, false)),
            r.parse(&["to", "dateTo"], |raw| bound(raw, true)),
            r.text(&["customer", "userId", "email", "search"]),
        )
    } else {
        (None, None, None)
    };
    let query = OrdersQuery {
        page: r.page(DEFAULT_LIMIT),
        status,
        from,
        to,
        customer,
    };
    r.finish(query)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn statuses_fold_case_and_unknown_ones_are_refused() {
        let q = orders(&pairs(&[("status", "shipped")]), false).unwrap();
        assert_eq!(q.status, Some(OrderStatus::Shipped));
        for name in STATUSES {
            let named = parse_status(&name.to_lowercase()).unwrap();
            assert_eq!(named.as_str_name(), format!("ORDER_STATUS_{name}"));
        }
        assert!(parse_status("unspecified").is_err());
        let bad = orders(&pairs(&[("status", "lost"), ("page", "0")]), false).unwrap_err();
        assert!(bad.0.details.contains_key("status") && bad.0.details.contains_key("page"));
    }

    #[test]
    fn admin_filters_read_days_and_times() {
        let q = orders(
            &pairs(&[
                ("from", "2026-11-01"),
                ("to", "2026-11-24"),
                ("customer", "ada@"),
            ]),
            true,
        )
        .unwrap();
        assert_eq!(q.from.as_deref(), Some("2026-11-01T00:00:00.000Z"));
        assert_eq!(q.to.as_deref(), Some("2026-11-25T00:00:00.000Z"));
        assert_eq!(q.customer.as_deref(), Some("ada@"));
        let q = orders(&pairs(&[("from", "2026-11-01T10:00:00+01:00")]), true).unwrap();
        assert_eq!(q.from.as_deref(), Some("2026-11-01T09:00:00.000Z"));
        assert!(orders(&pairs(&[("to", "yesterday")]), true).is_err());
        // A shopper's list ignores the admin's filters.
        let q = orders(&pairs(&[("customer", "x"), ("from", "bad")]), false).unwrap();
        assert_eq!((q.customer, q.from), (None, None));
    }
}
