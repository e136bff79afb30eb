//! The console's pages, one module per area of the shop; each reads and acts through the API
//! as the signed-in admin ([`super::Admin`]).
pub mod dashboard;
pub mod login;
pub mod orders;
pub mod products;
pub mod recommendations;
pub mod shop;
pub mod users;

use axum::response::Response;
use serde_json::{Value, json};

use crate::console::Admin;

/// A list page as asked: its filters (`names`, as typed, empty when not given) and the API's
/// answer for them at the page asked. The console's list pages sit at the same paths as the
/// API's lists (`/admin/products` …), so `path` names both.
pub struct Listed {
    pub query: Vec<(&'static str, String)>,
    pub answer: Value,
}

impl Listed {
    /// The filters as the page's form shows them again.
    pub fn shown(&self) -> Value {
        let shown: serde_json::Map<String, Value> = self
            .query
            .iter()
            .map(|(k, v)| (k.to_string(), json!(v)))
            .collect();
        Value::Object(shown)
    }

    /// The page's previous and next links.
    pub fn pages(&self, path: &str) -> Value {
        pager(path, &self.query, &self.answer)
    }
}

/// Reads the list at `path` filtered by the page's `names`; the refusal's page when it fails.
pub async fn listed(
    admin: &mut Admin,
    path: &str,
    names: &[&'static str],
    pairs: &[(String, String)],
) -> Result<Listed, Response> {
    let query: Vec<(&'static str, String)> = names.iter().map(|k| (*k, param(pairs, k))).collect();
    let page = param(pairs, "page");
    let mut asked: Vec<String> = query
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect();
    asked.push(format!(
        "page={}",
        encode(if page.is_empty() { "1" } else { &page })
    ));
    match admin.get(&format!("{path}?{}", asked.join("&"))).await {
        Ok(answer) => Ok(Listed { query, answer }),
        Err(refusal) => Err(dashboard::failed(admin, &refusal)),
    }
}

/// The previous and next page links of a list answer's `pagination`, keeping `query`.
pub fn pager(base: &str, query: &[(&str, String)], answer: &Value) -> Value {
    let p = &answer["pagination"];
    let (page, total) = (
        p["page"].as_u64().unwrap_or(1),
        p["totalPages"].as_u64().unwrap_or(1),
    );
    let link = |n: u64| {
        let mut parts: Vec<String> = query
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect();
        parts.push(format!("page={n}"));
        format!("{base}?{}", parts.join("&"))
    };
    json!({
        "page": page,
        "total": total.max(1),
        "previous": (page > 1).then(|| link(page - 1)),
        "next": (page < total).then(|| link(page + 1)),
    })
}

/// `text` as a query-string value.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The value of `name` in the page's query, or empty.
pub fn param(pairs: &[(String, String)], name: &str) -> String {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_link_to_their_neighbours_keeping_the_filter() {
        let answer = json!({"pagination": {"page": 2, "totalPages": 3}});
        let p = pager(
            "/admin/orders",
            &[("status", "SHIPPED".into()), ("search", String::new())],
            &answer,
        );
        assert_eq!(p["previous"], "/admin/orders?status=SHIPPED&page=1");
        assert_eq!(p["next"], "/admin/orders?status=SHIPPED&page=3");
        assert_eq!(encode("a b&c"), "a%20b%26c");
    }
}
