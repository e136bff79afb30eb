//! The events this service announces (events.md), keyed by user id and written to the outbox in
//! the transaction of the change they report: the `add_to_cart` / `remove_from_cart` behaviour
//! events on `cart-events` and `user-events`, and `cart.abandoned` on `cart-events`.
use std::sync::LazyLock;

use prometheus::IntCounterVec;
use serde_json::{Map, Value, json};
use vici_bus::CloudEvent;
use vici_bus::topics::{CART_EVENTS, USER_EVENTS};

use crate::domain::cart::{ItemKey, Line, Move};

const SOURCE: &str = "cart";
pub const ADD_TO_CART: &str = "behaviour.add_to_cart";
pub const REMOVE_FROM_CART: &str = "behaviour.remove_from_cart";
pub const ABANDONED: &str = "cart.abandoned";

/// Behaviour events go to the full stream and to the cart subset (the same event on both).
pub const BEHAVIOUR_TOPICS: &[&str] = &[CART_EVENTS, USER_EVENTS];
pub const ABANDONED_TOPICS: &[&str] = &[CART_EVENTS];

/// Lines added to or raised in carts (the business counter behind `add_to_cart`), counted once
/// the change has committed.
static CART_ADDS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    vici_kit::metrics::counter(
        "vici_cart_adds_total",
        "Cart lines added or raised, by the operation that did it",
        &["operation"],
    )
});

/// Counts the additions among `moves` made by `operation` (add, update or merge).
pub fn count_adds(operation: &str, moves: &[Move]) {
    let adds = moves.iter().filter(|m| m.delta > 0).count() as u64;
    if adds > 0 {
        CART_ADDS.with_label_values(&[operation]).inc_by(adds);
    }
}

/// `productId` and, for a variant line, `variantId`.
fn item_fields(item: &ItemKey) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("productId".into(), item.product_id.clone().into());
    if let Some(v) = item.variant() {
        m.insert("variantId".into(), v.into());
    }
    m
}

/// One quantity change: `add_to_cart` when it grew, `remove_from_cart` when it shrank, with the
/// size of the change. An empty `session_id` (a caller without one) is labelled with the user.
pub fn behaviour(user_id: &str, session_id: &str, m: &Move) -> CloudEvent {
    let kind = if m.delta > 0 {
        ADD_TO_CART
    } else {
        REMOVE_FROM_CART
    };
    let session = if session_id.is_empty() {
        user_id
    } else {
        session_id
    };
    let mut data = item_fields(&m.item);
    data.insert("userId".into(), user_id.into());
    data.insert("sessionId".into(), session.into());
    data.insert("quantity".into(), m.delta.abs().into());
    data.insert("priceCents".into(), m.price_cents.into());
    data.insert("source".into(), "cart".into());
    CloudEvent::new(SOURCE, kind, user_id, Value::Object(data))
}

/// An idle cart with what it holds, at the prices it showed last.
pub fn abandoned(user_id: &str, lines: &[Line]) -> CloudEvent {
    let items: Vec<Value> = lines
        .iter()
        .map(|l| {
            let mut item = item_fields(&l.item);
            item.insert("quantity".into(), l.quantity.into());
            item.insert("unitPriceCents".into(), l.unit_price_cents.into());
            Value::Object(item)
        })
        .collect();
    let priced: Vec<vici_pricing::Line> = lines
        .iter()
        .map(|l| vici_pricing::Line {
            unit_price_cents: l.unit_price_cents,
            original_price_cents: None,
            quantity: l.quantity,
        })
        .collect();
    let currency = lines
        .first()
        .map_or(crate::domain::view::DEFAULT_CURRENCY, |l| {
            l.currency.as_str()
        });
    CloudEvent::new(
        SOURCE,
        ABANDONED,
        user_id,
        json!({
            "userId": user_id,
            "items": items,
            "subtotalCents": vici_pricing::subtotal_cents(&priced),
            "currency": currency,
        }),
    )
}
