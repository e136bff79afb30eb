//! What a behaviour event tells the pipeline: who did what to which product, when, and how
//! much it counts (recommendations.md §7). Bots and throttled sessions tell it nothing: their
//! events stay on the stream for the data team but never move a list.
use vici_bus::CloudEvent;

/// One interaction of a shopper with a product.
#[derive(Clone, Debug, PartialEq)]
pub struct Signal {
    pub user: Option<String>,
    pub session: String,
    pub product: String,
    /// How much it says about the shopper's interest; negative for a removal from the cart.
    pub weight: f64,
    /// When it happened (the event's time), unix ms.
    pub at_ms: i64,
    pub kind: Kind,
    /// The order a purchase belongs to.
    pub order: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    View,
    Click,
    CartAdd,
    CartRemove,
    Wishlist,
    /// One order line, after payment.
    Purchase,
}

impl Kind {
    /// The format's starting weights (§7); a click from a search result counts less than one
    /// from a list the shop chose.
    fn weight(self, from_search: bool) -> f64 {
        match self {
            Kind::View => 1.0,
            Kind::Click if from_search => 0.5,
            Kind::Click => 1.5,
            Kind::CartAdd => 3.0,
            Kind::CartRemove => -1.0,
            Kind::Wishlist => 2.0,
            Kind::Purchase => 5.0,
        }
    }

    /// Its name in the journal.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::View => "view",
            Kind::Click => "click",
            Kind::CartAdd => "cart_add",
            Kind::CartRemove => "cart_remove",
            Kind::Wishlist => "wishlist",
            Kind::Purchase => "purchase",
        }
    }

    pub const ALL: [Kind; 6] = [
        Kind::View,
        Kind::Click,
        Kind::CartAdd,
        Kind::CartRemove,
        Kind::Wishlist,
        Kind::Purchase,
    ];

    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    fn of(event_type: &str) -> Option<Kind> {
        Some(match event_type {
            "behaviour.product_view" => Kind::View,
            "behaviour.product_click" => Kind::Click,
            "behaviour.add_to_cart" => Kind::CartAdd,
            "behaviour.remove_from_cart" => Kind::CartRemove,
            "behaviour.wishlist_add" => Kind::Wishlist,
            "behaviour.purchase" => Kind::Purchase,
            _ => return None,
        })
    }
}

/// The interaction `event` records, if it records one the pipeline learns from.
pub fn read(event: &CloudEvent) -> Option<Signal> {
    let kind = Kind::of(&event.event_type)?;
    let data = &event.data;
    if data["isBot"] == true || data["throttled"] == true {
        return None;
    }
    let text = |field: &str| data[field].as_str().filter(|s| !s.is_empty());
    let at_ms = chrono::DateTime::parse_from_rfc3339(&event.time)
        .ok()?
        .timestamp_millis();
    Some(Signal {
        user: text("userId").map(str::to_string),
        session: text("sessionId")?.to_string(),
        product: text("productId")?.to_string(),
        weight: kind.weight(text("source") == Some("search")),
        at_ms,
        kind,
        order: text("orderId")
            .filter(|_| kind == Kind::Purchase)
            .map(str::to_string),
    })
}

/// The session and user a `behaviour.identify` event ties together (a sign-in or a
/// registration), if `event` is one.
pub fn identify(event: &CloudEvent) -> Option<(String, String)> {
    if event.event_type != "behaviour.identify" {
        return None;
    }
    let text = |field: &str| event.data[field].as_str().filter(|s| !s.is_empty());
    Some((text("sessionId")?.to_string(), text("userId")?.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(event_type: &str, data: serde_json::Value) -> CloudEvent {
        let mut e = CloudEvent::new("event", event_type, "u1", data);
        e.time = "2026-12-06T10:00:00.000Z".into();
        e
    }

    #[test]
    fn interactions_are_read_with_their_weights() {
        let view = read(&event(
            "behaviour.product_view",
            json!({"userId": "u1", "sessionId": "s1", "productId": "p1", "isBot": false}),
        ))
        .unwrap();
        assert_eq!(view.user.as_deref(), Some("u1"));
        assert_eq!((view.session.as_str(), view.product.as_str()), ("s1", "p1"));
        assert_eq!((view.kind, view.weight), (Kind::View, 1.0));
        assert_eq!(view.at_ms, 1_796_551_200_000);
        let weight = |t: &str, source: &str| {
            read(&event(
                t,
                json!({"sessionId": "s", "productId": "p", "source": source}),
            ))
            .unwrap()
            .weight
        };
        assert_eq!(weight("behaviour.product_click", "search"), 0.5);
        assert_eq!(weight("behaviour.product_click", "recommendation"), 1.5);
        assert_eq!(weight("behaviour.add_to_cart", ""), 3.0);
        assert_eq!(weight("behaviour.remove_from_cart", ""), -1.0);
        assert_eq!(weight("behaviour.wishlist_add", ""), 2.0);
        assert_eq!(weight("behaviour.purchase", ""), 5.0);
    }

    #[test]
    fn purchases_keep_their_order_and_identify_ties_a_session_to_a_user() {
        let line = json!({"userId": "u1", "sessionId": "s1", "productId": "p1", "orderId": "o1"});
        let purchase = read(&event("behaviour.purchase", line.clone())).unwrap();
        assert_eq!(purchase.order.as_deref(), Some("o1"));
        let view = read(&event("behaviour.product_view", line)).unwrap();
        assert_eq!(view.order, None, "only a purchase belongs to an order");
        let tie = json!({"userId": "u1", "sessionId": "visit-1"});
        assert_eq!(
            identify(&event("behaviour.identify", tie.clone())),
            Some(("visit-1".into(), "u1".into()))
        );
        assert_eq!(identify(&event("behaviour.page_view", tie)), None);
        assert_eq!(
            identify(&event(
                "behaviour.identify",
                json!({"sessionId": "visit-1"})
            )),
            None
        );
    }

    #[test]
    fn kinds_are_named_once_each() {
        let names: std::collections::HashSet<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(names.len(), Kind::ALL.len());
        for kind in Kind::ALL {
            assert_eq!(Kind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(Kind::parse("glance"), None);
    }

    #[test]
    fn bots_throttled_sessions_and_other_events_say_nothing() {
        let data = |extra: serde_json::Value| {
            let mut d = json!({"sessionId": "s", "productId": "p"});
            d.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            d
        };
        assert!(
            read(&event(
                "behaviour.product_view",
                data(json!({"isBot": true}))
            ))
            .is_none()
        );
        assert!(
            read(&event(
                "behaviour.product_view",
                data(json!({"throttled": true}))
            ))
            .is_none()
        );
        assert!(read(&event("behaviour.search", data(json!({})))).is_none());
        assert!(read(&event("behaviour.product_view", json!({"sessionId": "s"}))).is_none());
        let mut untimed = event("behaviour.product_view", data(json!({})));
        untimed.time = "yesterday".into();
        assert!(read(&untimed).is_none());
    }
}
