//! What one event tells the analytics projection, read from its CloudEvent: an order's state,
//! a visitor's step, a recommendation list shown or clicked, a product's name and category,
//! a category's name, a product's stock. Pure: no I/O, every rule unit-tested here.
use serde_json::Value;
use vici_bus::CloudEvent;

/// Milliseconds in a day: the projection's days are unix days (UTC).
pub const DAY_MS: i64 = 86_400_000;

/// The unix day of `ms`.
pub fn day_of(ms: i64) -> i64 {
    ms.div_euclid(DAY_MS)
}

#[derive(Clone, Debug, PartialEq)]
pub enum Fact {
    Order(OrderFact),
    Visit(VisitFact),
    Product(ProductFact),
    Category {
        id: String,
        name: Option<String>,
    },
    Stock {
        product: String,
        available: i64,
        threshold: Option<i64>,
    },
}

/// An order as one of its events shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct OrderFact {
    pub order_id: String,
    pub order_number: String,
    pub user_id: String,
    pub status: String,
    pub total_cents: i64,
    /// How much of it has been refunded, when the event says (`order.refunded`).
    pub refunded_cents: Option<i64>,
    pub lines: Vec<OrderLine>,
    pub at_ms: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct OrderLine {
    pub product_id: String,
    pub name: String,
    pub quantity: i64,
    pub unit_cents: i64,
}

/// One step of a visitor: the visitor is the signed-in user, else the anonymous session (the
/// key behaviour events travel under, so one visitor's steps arrive in order on one partition).
#[derive(Clone, Debug, PartialEq)]
pub struct VisitFact {
    pub visitor: String,
    pub at_ms: i64,
    pub step: Step,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// Any other behaviour: the visit counts as a session.
    Other,
    ProductView {
        product: String,
        list: Option<String>,
    },
    AddToCart,
    Checkout,
    Purchase {
        product: String,
        cents: i64,
        /// The checkout's session, when it differs from the visitor: a click made before
        /// signing in is found under it.
        session: Option<String>,
    },
    Impression {
        list_type: String,
        request: String,
    },
    Click {
        product: String,
        list: Option<String>,
    },
}

/// The funnel stages a step reaches, as bits of a visit's `stages`.
pub mod stage {
    pub const SESSION: i64 = 1;
    pub const PRODUCT_VIEW: i64 = 2;
    pub const ADD_TO_CART: i64 = 4;
    pub const CHECKOUT: i64 = 8;
    pub const PURCHASE: i64 = 16;
}

impl Step {
    pub fn stages(&self) -> i64 {
        stage::SESSION
            | match self {
                Step::ProductView { .. } | Step::Click { .. } => stage::PRODUCT_VIEW,
                Step::AddToCart => stage::ADD_TO_CART,
                Step::Checkout => stage::CHECKOUT,
                Step::Purchase { .. } => stage::PURCHASE,
                Step::Other | Step::Impression { .. } => 0,
            }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ProductFact {
    pub id: String,
    pub name: Option<String>,
    pub category: Option<String>,
    pub active: Option<bool>,
}

/// Order statuses whose orders count as sales: confirmed (paid, or cash on delivery) and not
/// cancelled. A refunded order still counts as an order; its revenue is net of the refund.
pub fn counts_as_sale(status: &str) -> bool {
    matches!(
        status,
        "CONFIRMED" | "PROCESSING" | "SHIPPED" | "DELIVERED" | "REFUNDED"
    )
}

fn text(data: &Value, field: &str) -> Option<String> {
    data.get(field)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn int(data: &Value, field: &str) -> Option<i64> {
    data.get(field).and_then(Value::as_i64)
}

/// The event's time in unix ms; an unreadable one is taken as `now_ms`.
fn at_ms(event: &CloudEvent, now_ms: i64) -> i64 {
    chrono::DateTime::parse_from_rfc3339(&event.time).map_or(now_ms, |t| t.timestamp_millis())
}

/// What `event` tells the projection; `None` for events it does not count (a bot's, one past
/// its session's budget, a type nobody charts).
pub fn read(event: &CloudEvent, now_ms: i64) -> Option<Fact> {
    let data = &event.data;
    let kind = event.event_type.as_str();
    if let Some(step) = kind.strip_prefix("behaviour.") {
        return visit(step, data, at_ms(event, now_ms)).map(Fact::Visit);
    }
    match kind {
        k if k.starts_with("order.") => order(data, at_ms(event, now_ms)).map(Fact::Order),
        "product.created" | "product.updated" => Some(Fact::Product(ProductFact {
            id: text(data, "productId")?,
            name: text(data, "name"),
            category: text(data, "categoryId"),
            active: text(data, "status").map(|s| s == "ACTIVE"),
        })),
        "product.deleted" => Some(Fact::Product(ProductFact {
            id: text(data, "productId")?,
            name: None,
            category: None,
            active: Some(false),
        })),
        "product.category_created" | "product.category_updated" => Some(Fact::Category {
            id: text(data, "categoryId")?,
            name: text(data, "name"),
        }),
        "inventory.stock_changed" if text(data, "variantId").is_none() => Some(Fact::Stock {
            product: text(data, "productId")?,
            available: int(data, "available")?,
            threshold: int(data, "threshold"),
        }),
        _ => None,
    }
}

fn order(data: &Value, at_ms: i64) -> Option<OrderFact> {
    let lines = data
        .get("items")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|i| {
                    Some(OrderLine {
                        product_id: text(i, "productId")?,
                        name: text(i, "name").unwrap_or_default(),
                        quantity: int(i, "quantity")?,
                        unit_cents: int(i, "unitPriceCents")?,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    Some(OrderFact {
        order_id: text(data, "orderId")?,
        order_number: text(data, "orderNumber").unwrap_or_default(),
        user_id: text(data, "userId")?,
        status: text(data, "status")?,
        total_cents: int(data, "totalCents")?,
        refunded_cents: int(data, "amountCents").filter(|_| data["status"] == "REFUNDED"),
        lines,
        at_ms,
    })
}

fn visit(kind: &str, data: &Value, at_ms: i64) -> Option<VisitFact> {
    let flagged = |f: &str| data.get(f).and_then(Value::as_bool).unwrap_or(false);
    if flagged("isBot") || flagged("throttled") {
        return None;
    }
    let user = text(data, "userId");
    let session = text(data, "sessionId");
    let visitor = match (&user, &session) {
        (Some(u), _) => u.clone(),
        (None, Some(s)) => format!("anon:{s}"),
        (None, None) => return None,
    };
    let list = text(data, "requestId");
    let step = match kind {
        "product_view" => Step::ProductView {
            product: text(data, "productId")?,
            list,
        },
        "product_click" => Step::Click {
            product: text(data, "productId")?,
            list,
        },
        "add_to_cart" => Step::AddToCart,
        "checkout_start" => Step::Checkout,
        "purchase" => Step::Purchase {
            product: text(data, "productId")?,
            cents: int(data, "quantity")?.saturating_mul(int(data, "priceCents")?),
            session: session
                .filter(|s| user.as_deref() != Some(s.as_str()))
                .map(|s| format!("anon:{s}")),
        },
        "recommendation_impression" => Step::Impression {
            list_type: text(data, "listType")?,
            request: list?,
        },
        _ => Step::Other,
    };
    Some(VisitFact {
        visitor,
        at_ms,
        step,
    })
}

#[cfg(test)]
#[path = "facts_tests.rs"]
mod tests;
