//! What the shop serves, recorded as behaviour events (the storefront never calls the tracking
//! routes): a handler says what it served by attaching [`Served`] to its answer (the
//! micro-cache keeps it with a cached answer), and [`record_served`] adds the request's context
//! (the shopper, the session, the browser) and hands the events to the [`recorder`] without
//! waiting for anything.
mod recorder;
mod seen;
mod session;

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{Extensions, HeaderMap, header};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::{Map, Value};
use vici_kit::context::current_request_id;

pub use recorder::Recorder;

use crate::AppState;
use crate::dto::ShelfMeta;
use crate::guard::ClientIp;
use crate::identity::Caller;

/// Most product ids a served list names (the event service's bound).
const LIST_MAX: usize = 100;
/// Longest id the event service takes (a session, a request id).
const ID_MAX: usize = 64;
/// Characters of `User-Agent` and `Referer` passed on (the event service keeps as many).
pub const HEADER_MAX: usize = 512;

/// One event a handler served: its fields as the event service takes them (`type` included;
/// the session, request id and shopper are added from the request).
#[derive(Clone, Debug)]
pub struct ServedEvent {
    fields: Map<String, Value>,
    /// The user who just signed in or registered (`identify`): the request had no token yet.
    signed_in: Option<String>,
}

/// The events an answer served, as a response extension.
#[derive(Clone, Debug)]
pub struct Served(Arc<[ServedEvent]>);

impl ServedEvent {
    fn new(event_type: &str) -> Self {
        let mut fields = Map::new();
        fields.insert("type".into(), event_type.into());
        Self {
            fields,
            signed_in: None,
        }
    }

    fn with(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.fields.insert(name.into(), value.into());
        self
    }

    fn with_ids(self, name: &str, ids: &[String]) -> Self {
        let ids: Vec<Value> = ids
            .iter()
            .take(LIST_MAX)
            .map(|id| id.as_str().into())
            .collect();
        self.with(name, ids)
    }

    /// A product page.
    pub fn product_view(product_id: &str, category_id: &str, price_cents: i64) -> Self {
        let view = Self::new("behaviour.product_view")
            .with("productId", product_id)
            .with("priceCents", price(price_cents));
        if category_id.is_empty() {
            view
        } else {
            view.with("categoryId", category_id)
        }
    }

    /// A search and the products it found (the first page's ids).
    pub fn search(query: &str, results_count: i64, ids: &[String]) -> Self {
        // As the event service takes it: at most 200 characters, none a control character.
        let query: String = query
            .chars()
            .filter(|c| !c.is_control())
            .take(200)
            .collect();
        Self::new("behaviour.search")
            .with("query", query)
            .with("resultsCount", results_count.max(0))
            .with_ids("resultProductIds", ids)
            .with("source", "search")
    }

    /// A page of the shop's list, or of a category's (named as the shopper asked for it, an id
    /// or a slug, so it goes in the list's id rather than in `categoryId`), from
    /// `first_position` on; nothing when it showed no product.
    pub fn list(category: Option<&str>, ids: &[String], first_position: u64) -> Option<Self> {
        if ids.is_empty() {
            return None;
        }
        let shown = ids.len().min(LIST_MAX) as u64;
        let positions: Vec<Value> = (first_position..first_position + shown)
            .map(Value::from)
            .collect();
        let (list_id, source) = match category {
            Some(c) => (format!("category:{c}"), "category"),
            None => ("shop".to_string(), "shop"),
        };
        let list_id: String = list_id.chars().take(ID_MAX).collect();
        Some(
            Self::new("behaviour.product_list_view")
                .with("listId", list_id)
                .with_ids("productIds", ids)
                .with("positions", positions)
                .with("source", source),
        )
    }

    /// A recommendation list of `list_type`, named by `meta`; nothing when it was empty.
    pub fn impression(list_type: &str, ids: &[String], meta: &ShelfMeta) -> Option<Self> {
        (!ids.is_empty()).then(|| {
            let mut impression = Self::new("behaviour.recommendation_impression")
                .with("listType", list_type)
                .with_ids("productIds", ids)
                .with("source", "recommendation")
                .with("requestId", meta.request_id.as_str());
            for (name, value) in [
                ("gen", &meta.generation),
                ("modelVersion", &meta.model_version),
            ] {
                if !value.is_empty() {
                    impression = impression.with(name, value.as_str());
                }
            }
            impression
        })
    }

    /// A category page.
    pub fn category_view(category_id: &str) -> Self {
        Self::new("behaviour.category_view").with("categoryId", category_id)
    }

    /// A session signed in or registered as `user_id`.
    pub fn identify(user_id: &str) -> Self {
        let mut identify = Self::new("behaviour.identify");
        identify.signed_in = Some(user_id.to_string());
        identify
    }

    /// A product put on (`added`) or taken off the wishlist.
    pub fn wishlist(added: bool, product_id: &str) -> Self {
        let kind = if added {
            "behaviour.wishlist_add"
        } else {
            "behaviour.wishlist_remove"
        };
        Self::new(kind).with("productId", product_id)
    }

    /// Checkout began with a cart worth `total_cents`.
    pub fn checkout_start(total_cents: i64) -> Self {
        Self::new("behaviour.checkout_start").with("priceCents", price(total_cents))
    }

    fn event_type(&self) -> &str {
        self.fields
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }
}

/// A price as the event service takes it (0 to 100 000 000 cents).
fn price(cents: i64) -> i64 {
    cents.clamp(0, 100_000_000)
}

/// Attaches what `response` served.
pub fn served(mut response: Response, events: impl IntoIterator<Item = ServedEvent>) -> Response {
    let events: Arc<[ServedEvent]> = events.into_iter().collect();
    if !events.is_empty() {
        response.extensions_mut().insert(Served(events));
    }
    response
}

/// What a request carried that its events need, taken before the handler runs.
pub struct RequestContext {
    caller: Caller,
    ip: Option<std::net::IpAddr>,
    session_header: Option<String>,
    user_agent: Option<String>,
    referrer: Option<String>,
    request_id: Option<String>,
}

impl RequestContext {
    fn of(headers: &HeaderMap, extensions: &Extensions) -> Self {
        let text = |headers: &HeaderMap, name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.chars().take(HEADER_MAX).collect::<String>())
        };
        Self {
            caller: extensions.get::<Caller>().cloned().unwrap_or_default(),
            ip: extensions
                .get::<ClientIp>()
                .map(|ClientIp(ip)| *ip)
                .filter(|ip| !ip.is_unspecified()),
            // A session the event service would refuse is no session: one is derived instead.
            session_header: text(headers, "x-session-id").filter(|s| usable_id(s)),
            user_agent: text(headers, header::USER_AGENT.as_str()),
            referrer: text(headers, header::REFERER.as_str()),
            request_id: current_request_id()
                .filter(|id| usable_id(id))
                .map(|id| id.to_string()),
        }
    }
}

/// Whether `id` is one the event service takes: 1 to [`ID_MAX`] characters, none a control.
fn usable_id(id: &str) -> bool {
    !id.is_empty() && id.chars().count() <= ID_MAX && !id.chars().any(char::is_control)
}

/// Middleware: records the events a successful answer served, with the request's context.
pub async fn record_served(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if !state.config.record_behaviour {
        return next.run(req).await;
    }
    let context = RequestContext::of(req.headers(), req.extensions());
    let response = next.run(req).await;
    if response.status().is_success()
        && let Some(Served(events)) = response.extensions().get::<Served>()
    {
        state.recorder().record(&context, events);
    }
    response
}

/// Whom a personalised answer is for: the signed-in user, if any, and the session the shop
/// records their behaviour under (so a visitor's own views shape what they are shown).
#[derive(Clone, Debug)]
pub struct Shopper {
    pub user: Option<String>,
    pub session: String,
}

impl FromRequestParts<AppState> for Shopper {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let context = RequestContext::of(&parts.headers, &parts.extensions);
        Ok(Self {
            user: context.caller.identity().map(|i| i.user_id.to_string()),
            session: state.recorder().session_of(&context),
        })
    }
}
