//! Query parameters of the account routes: the wishlist's paging and the admin user list.
use vici_proto::auth::v1::Role;

use super::{DEFAULT_LIMIT, Invalid, PageQuery, Reader, spelled};

/// `GET /admin/users`.
#[derive(Clone, Debug, PartialEq)]
pub struct UsersQuery {
    pub page: PageQuery,
    pub search: String,
    /// Absent: both roles.
    pub role: Option<Role>,
}

/// A list with nothing but paging (`page`, `limit` / `pageSize`).
pub fn paged(pairs: &[(String, String)]) -> Result<PageQuery, Invalid> {
    let mut r = Reader::new(pairs);
    let page = r.page(DEFAULT_LIMIT);
    r.finish(page)
}

pub fn users(pairs: &[(String, String)]) -> Result<UsersQuery, Invalid> {
    let mut r = Reader::new(pairs);
    let search = r.text(&["search", "q"]).unwrap_or_default();
    let role = r.parse(&["role"], spelled::<Role>);
    let query = UsersQuery {
        page: r.page(DEFAULT_LIMIT),
        search,
        role,
    };
    r.finish(query)
}

/// `GET /users/notifications`: a page, and whether only the unread ones.
pub fn notifications(pairs: &[(String, String)]) -> Result<(PageQuery, bool), Invalid> {
    let mut r = Reader::new(pairs);
    let unread = r.parse(&["unread"], super::parse_bool).unwrap_or(false);
    let page = r.page(DEFAULT_LIMIT);
    r.finish((page, unread))
}

/// `GET /admin/notifications`: a page of the delivery log and its filters (checked by the
/// notification service, which names the offending field).
pub struct DeliveriesQuery {
    pub page: PageQuery,
    pub status: String,
    pub channel: String,
    pub user_id: String,
}

pub fn deliveries(pairs: &[(String, String)]) -> Result<DeliveriesQuery, Invalid> {
    let mut r = Reader::new(pairs);
    let query = DeliveriesQuery {
        status: r.text(&["status"]).unwrap_or_default(),
        channel: r.text(&["channel"]).unwrap_or_default(),
        user_id: r.text(&["userId"]).unwrap_or_default(),
        page: r.page(DEFAULT_LIMIT),
    };
    r.finish(query)
}

/// `GET /admin/users/{id}/events`: how many (`limit`, default 50, at most 100) and of which
/// `type`.
pub fn user_events(pairs: &[(String, String)]) -> Result<(u32, Option<String>), Invalid> {
    let mut r = Reader::new(pairs);
    let event_type = r.text(&["type"]);
    let limit = r.parse(&["limit"], |raw| super::fields::parse_limit(raw, 100));
    r.finish((limit.unwrap_or(50), event_type))
}

/// `from`, `to` and `interval` as given (the event service checks them) and `limit`, the
/// number of top products.
pub struct AnalyticsQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    pub interval: Option<String>,
    pub top: u32,
}

pub fn analytics(pairs: &[(String, String)]) -> Result<AnalyticsQuery, Invalid> {
    let mut r = Reader::new(pairs);
    let from = r.text(&["from"]);
    let to = r.text(&["to"]);
    let interval = r.text(&["interval"]);
    let top = r.parse(&["limit"], |raw| super::fields::parse_limit(raw, 50));
    r.finish(AnalyticsQuery {
        from,
        to,
        interval,
        top: top.unwrap_or(10),
    })
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
    fn user_queries_validate_role_and_paging() {
        let q = users(&pairs(&[
            ("search", " jane "),
            ("role", "Admin"),
            ("limit", "500"),
        ]))
        .unwrap();
        assert_eq!(
            (q.search.as_str(), q.role, q.page.limit),
            ("jane", Some(Role::Admin), 100)
        );
        let bad = users(&pairs(&[("role", "root"), ("page", "0")])).unwrap_err();
        assert!(bad.0.details.contains_key("role") && bad.0.details.contains_key("page"));
        assert_eq!(
            paged(&pairs(&[])).unwrap(),
            PageQuery {
                page: 1,
                limit: DEFAULT_LIMIT
            }
        );
    }
}
