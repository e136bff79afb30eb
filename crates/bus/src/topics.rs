//! The topics of events.md with their retention.

#[derive(Clone, Copy, Debug)]
pub struct TopicSpec {
    pub name: &'static str,
    pub retention_days: u32,
}

const fn topic(name: &'static str, retention_days: u32) -> TopicSpec {
    TopicSpec {
        name,
        retention_days,
    }
}

pub const USER_EVENTS: &str = "user-events";
pub const PRODUCT_VIEWS: &str = "product-views";
pub const CART_EVENTS: &str = "cart-events";
pub const SEARCH_EVENTS: &str = "search-events";
pub const PURCHASE_EVENTS: &str = "purchase-events";
pub const ACCOUNT_EVENTS: &str = "account-events";
pub const PRODUCT_EVENTS: &str = "product-events";
pub const INVENTORY_EVENTS: &str = "inventory-events";
pub const ORDER_EVENTS: &str = "order-events";
pub const PAYMENT_EVENTS: &str = "payment-events";
pub const NOTIFICATION_EVENTS: &str = "notification-events";
/// An external ML pipeline's lists (recommendations.md §6).
pub const RECOMMENDATION_UPDATES: &str = "recommendation-updates";

pub const ALL: &[TopicSpec] = &[
    topic(USER_EVENTS, 7),
    topic(PRODUCT_VIEWS, 7),
    topic(CART_EVENTS, 7),
    topic(SEARCH_EVENTS, 7),
    topic(PURCHASE_EVENTS, 7),
    topic(ACCOUNT_EVENTS, 7),
    topic(PRODUCT_EVENTS, 7),
    topic(INVENTORY_EVENTS, 7),
    topic(ORDER_EVENTS, 30),
    topic(PAYMENT_EVENTS, 30),
    topic(NOTIFICATION_EVENTS, 7),
    topic(RECOMMENDATION_UPDATES, 7),
];

/// Where events that fail processing after retries go: `<topic>.dlq`.
pub fn dlq(topic: &str) -> String {
    format!("{topic}.dlq")
}
