//! How console pages are rendered: the templates (embedded in the binary, escaped as HTML),
//! the layout's context (the admin, the CSRF token, what just happened), the stylesheet, and
//! the headers every page carries: a Content-Security-Policy that allows no script and no
//! inline style, no caching, no framing.
use std::sync::LazyLock;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use minijinja::{AutoEscape, Environment};
use serde_json::{Value, json};

use super::api::Refusal;
use super::session::Session;

const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data: https: http:; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const TEMPLATES: &[(&str, &str)] = &[
    ("layout.html", include_str!("templates/layout.html")),
    ("message.html", include_str!("templates/message.html")),
    ("login.html", include_str!("templates/login.html")),
    ("dashboard.html", include_str!("templates/dashboard.html")),
    ("products.html", include_str!("templates/products.html")),
    ("product.html", include_str!("templates/product.html")),
    ("orders.html", include_str!("templates/orders.html")),
    ("order.html", include_str!("templates/order.html")),
    ("users.html", include_str!("templates/users.html")),
    ("pager.html", include_str!("templates/pager.html")),
    ("categories.html", include_str!("templates/categories.html")),
    ("coupons.html", include_str!("templates/coupons.html")),
    (
        "notifications.html",
        include_str!("templates/notifications.html"),
    ),
    (
        "recommendations.html",
        include_str!("templates/recommendations.html"),
    ),
];

/// Dollars as the console shows them: `$1,234.50` (nothing known: `$0.00`).
fn money(amount: minijinja::Value) -> String {
    let cents = (f64::try_from(amount).unwrap_or(0.0) * 100.0).round() as i64;
    let (sign, cents) = if cents < 0 {
        ("-", -cents)
    } else {
        ("", cents)
    };
    let dollars = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in dollars.chars().enumerate() {
        if i > 0 && (dollars.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}${grouped}.{:02}", cents % 100)
}

static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    for (name, source) in TEMPLATES {
        env.add_template(name, source)
            .expect("the console's templates parse");
    }
    env.add_function("money", money);
    env
});

/// What just happened, shown at the top of a page.
#[derive(Default)]
pub struct Flash {
    pub notice: Option<&'static str>,
    pub problem: Option<String>,
    /// Field → problem, from the API's refusal.
    pub details: Value,
    pub status: Option<StatusCode>,
}

impl Flash {
    /// The notice a redirect's `done` code names (codes, not texts: a link cannot make the
    /// console say something of its choosing).
    pub fn from_query(pairs: &[(String, String)]) -> Self {
        let done = pairs
            .iter()
            .find(|(k, _)| k == "done")
            .map(|(_, v)| v.as_str());
        let notice = match done {
            Some("created") => Some("Product created."),
            Some("saved") => Some("Changes saved."),
            Some("uploaded") => Some("Image uploaded."),
            Some("stock") => Some("Stock adjusted."),
            Some("retired") => Some("Product retired: shoppers no longer see it."),
            Some("moved") => Some("Order status changed."),
            Some("user") => Some("Account updated."),
            Some("category") => Some("Category saved."),
            Some("coupon") => Some("Coupon saved."),
            Some("deleted") => Some("Deleted."),
            Some("rolled") => Some("Serving the chosen generation now."),
            Some("resent") => Some("Sent again: a new delivery is in the log."),
            _ => None,
        };
        Self {
            notice,
            ..Self::default()
        }
    }

    /// A refusal the admin can correct, shown on the form.
    pub fn refused(refusal: &Refusal) -> Self {
        let (status, details) = match refusal {
            Refusal::Refused {
                status, details, ..
            } => (Some(*status), details.clone()),
            _ => (None, Value::Null),
        };
        Self {
            notice: None,
            problem: Some(refusal.message().to_string()),
            details,
            status,
        }
    }
}

fn headers(mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    response
}

/// `template` rendered with `ctx`, the admin's session (none on the sign-in page) and `flash`.
pub fn page(template: &str, mut ctx: Value, session: Option<&Session>, flash: Flash) -> Response {
    if let Value::Object(map) = &mut ctx {
        map.insert("admin".into(), json!(session.map(|s| &s.email)));
        map.insert("csrf".into(), json!(session.map(|s| &s.csrf)));
        map.insert("notice".into(), json!(flash.notice));
        map.insert("problem".into(), json!(flash.problem));
        map.insert("details".into(), flash.details);
    }
    let rendered = ENV.get_template(template).and_then(|t| t.render(&ctx));
    let status = flash.status.unwrap_or(StatusCode::OK);
    match rendered {
        Ok(html) => headers((status, Html(html)).into_response()),
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), template, "console: a page failed to render");
            message(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "This page could not be shown.",
            )
        }
    }
}

/// A page that only says something.
pub fn message(status: StatusCode, title: &str, text: &str) -> Response {
    let ctx = json!({"title": title, "text": text});
    let html = ENV
        .get_template("message.html")
        .and_then(|t| t.render(&ctx))
        .unwrap_or_else(|_| {
            "<!doctype html><title>Error</title><p>Something went wrong.</p>".into()
        });
    headers((status, Html(html)).into_response())
}

pub async fn stylesheet() -> Response {
    let mut response = include_str!("assets/console.css").into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("max-age=300"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_recommendation_store_renders() {
        let store = json!({
            "generations": [{"id": "1", "model": "vici-streaming", "modelVersion": "1", "current": true,
                             "updatedAt": {"trending": "2026-12-07T00:00:00.000Z"}}],
            "pipelineLagMs": 120, "pipelineBatchAt": "2026-12-07T00:00:00.000Z",
        });
        let ctx = json!({"title": "Recommendations", "store": store, "lists": []});
        let html = ENV
            .get_template("recommendations.html")
            .and_then(|t| t.render(&ctx));
        let html = html.unwrap_or_else(|e| panic!("{e:#}"));
        assert!(
            html.contains("120 ms") && html.contains("(serving)"),
            "{html}"
        );
    }

    #[test]
    fn money_reads_like_money() {
        let m = |x: f64| money(minijinja::Value::from(x));
        assert_eq!(m(1234.5), "$1,234.50");
        assert_eq!(m(-0.29), "-$0.29");
        assert_eq!(m(1_000_000.0), "$1,000,000.00");
        assert_eq!(money(minijinja::Value::UNDEFINED), "$0.00");
    }

    #[test]
    fn every_page_renders_with_nothing_to_show_and_escapes_what_it_shows() {
        for (name, _) in TEMPLATES {
            let ctx = json!({
                "title": "<script>x</script>", "products": [{"id": "p", "name": "<b>Lamp</b>"}],
                "totals": {}, "period": {"previous": {}}, "charts": {}, "product": {}, "stock": {},
                "order": {"shippingAddress": {}}, "pages": {}, "query": {}, "store": {},
            });
            let html = ENV.get_template(name).and_then(|t| t.render(&ctx));
            let html = html.unwrap_or_else(|e| panic!("{name}: {e:#}"));
            assert!(
                !html.contains("<script>") && !html.contains("<b>Lamp"),
                "{name} escapes"
            );
        }
    }
}
