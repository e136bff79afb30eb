//! What each event the service hears asks for: which message, on which channels, to whom, and
//! how the user's preferences weigh on it (docs/notifications.md "Messages").
use std::fmt;

use vici_bus::CloudEvent;
use vici_bus::topics::{
    ACCOUNT_EVENTS, CART_EVENTS, INVENTORY_EVENTS, ORDER_EVENTS, PAYMENT_EVENTS,
};

use crate::message::Template;

/// The topics whose events become messages (or call one off).
pub const TOPICS: &[&str] = &[
    ACCOUNT_EVENTS,
    ORDER_EVENTS,
    PAYMENT_EVENTS,
    CART_EVENTS,
    INVENTORY_EVENTS,
];

/// The recipient of the shop's own messages (low stock): every active admin, looked up when
/// the message is sent.
pub const ADMINS: &str = "admins";

/// The event that calls off a pending abandoned-cart reminder: the user ordered first.
pub const ORDER_CREATED: &str = "order.created";

/// Shipping news of one order: a later one supersedes an earlier one still waiting.
pub const SHIPPING_NEWS: &[Template] = &[Template::OrderShipped, Template::OrderDelivered];

/// Why an abandoned-cart reminder was not sent.
pub const ORDERED_FIRST: &str = "the user placed an order first";

/// Why a superseded piece of shipping news was not sent.
pub const SUPERSEDED: &str = "superseded by later news of the same order";

/// Where a message goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Channel {
    Email,
    Sms,
    InApp,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::Email, Channel::Sms, Channel::InApp];

    /// Its name in the delivery log, the API and events.
    pub fn name(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::InApp => "in_app",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.name() == name)
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How a message weighs against the user's preferences.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Sent whatever the preferences say: a link the user asked for, a receipt, money moving,
    /// an order that needs their action.
    Essential,
    /// News of an order or the account: email only with `emailNotifications`.
    Update,
    /// Selling: email only with `emailNotifications` and `marketingEmails`.
    Marketing,
}

/// The kind of `template`.
pub fn kind(template: Template) -> Kind {
    match template {
        Template::VerifyEmail
        | Template::PasswordReset
        | Template::OrderConfirmation
        | Template::OrderCancelled
        | Template::OrderRefunded
        | Template::PaymentFailed
        | Template::LowStock => Kind::Essential,
        Template::Welcome | Template::OrderShipped | Template::OrderDelivered => Kind::Update,
        Template::AbandonedCart => Kind::Marketing,
    }
}

/// The message an event type becomes and its channels; `None` for the types that become none.
pub fn route(event_type: &str) -> Option<(Template, &'static [Channel])> {
    use Channel::{Email, InApp, Sms};
    const EMAIL: &[Channel] = &[Email];
    const EMAIL_APP: &[Channel] = &[Email, InApp];
    const EVERY: &[Channel] = &[Email, Sms, InApp];
    let routed = match event_type {
        "user.registered" => (Template::Welcome, EMAIL),
        "user.email_verification_requested" => (Template::VerifyEmail, EMAIL),
        "user.password_reset_requested" => (Template::PasswordReset, EMAIL),
        "order.confirmed" => (Template::OrderConfirmation, EMAIL_APP),
        "order.shipped" => (Template::OrderShipped, EVERY),
        "order.delivered" => (Template::OrderDelivered, EVERY),
        "order.cancelled" => (Template::OrderCancelled, EMAIL_APP),
        "order.refunded" => (Template::OrderRefunded, EMAIL_APP),
        "payment.failed" => (Template::PaymentFailed, EMAIL_APP),
        "cart.abandoned" => (Template::AbandonedCart, EMAIL),
        "inventory.low_stock" => (Template::LowStock, EMAIL),
        _ => return None,
    };
    Some(routed)
}

/// One message to deliver.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Planned {
    pub template: Template,
    pub channel: Channel,
    /// A user's id, or [`ADMINS`].
    pub user_id: String,
    /// What it is about (the order, the product): shipping news of one order supersede each
    /// other by it.
    pub about: String,
}

/// What `event` asks to be sent. An event of a routed type without a valid `userId` (or a
/// low-stock one without a `productId`) is an error: no retry can mend it, so it goes to the
/// dead letters.
pub fn plan(event: &CloudEvent) -> Result<Vec<Planned>, String> {
    let Some((template, channels)) = route(&event.event_type) else {
        return Ok(Vec::new());
    };
    let field = |name: &str| event.data.get(name).and_then(|v| v.as_str()).map(str::trim);
    let lacking = |name: &str| format!("{} {} has no valid {name}", event.event_type, event.id);
    let user_id = match template {
        Template::LowStock => ADMINS.to_string(),
        _ => field("userId")
            .and_then(|id| uuid::Uuid::parse_str(id).ok())
            .ok_or_else(|| lacking("userId"))?
            .to_string(),
    };
    let about = match template {
        Template::LowStock => field("productId").ok_or_else(|| lacking("productId"))?,
        _ => field("orderId").unwrap_or(&user_id),
    };
    Ok(channels
        .iter()
        .map(|&channel| Planned {
            template,
            channel,
            user_id: user_id.clone(),
            about: about.to_string(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn event(kind: &str, data: serde_json::Value) -> CloudEvent {
        CloudEvent::new("test", kind, "subject", data)
    }

    #[test]
    fn a_shipped_order_goes_everywhere_and_a_registration_by_mail() {
        let user = uuid::Uuid::now_v7().to_string();
        let shipped = plan(&event("order.shipped", json!({"userId": user}))).unwrap();
        let channels: Vec<_> = shipped.iter().map(|p| p.channel).collect();
        assert_eq!(channels, [Channel::Email, Channel::Sms, Channel::InApp]);
        assert!(shipped.iter().all(|p| p.template == Template::OrderShipped));
        assert!(shipped.iter().all(|p| p.user_id == user));
        let welcome = plan(&event("user.registered", json!({"userId": user}))).unwrap();
        assert_eq!(
            welcome,
            [Planned {
                template: Template::Welcome,
                channel: Channel::Email,
                user_id: user.clone(),
                about: user,
            }]
        );
    }

    #[test]
    fn other_types_ask_nothing_and_a_bad_user_is_an_error() {
        let nothing = plan(&event("order.created", json!({"userId": "x"}))).unwrap();
        assert!(nothing.is_empty(), "an unrouted type is passed over");
        let err = plan(&event("order.confirmed", json!({"userId": "not-a-uuid"}))).unwrap_err();
        assert!(err.contains("no valid userId"), "{err}");
        assert!(plan(&event("payment.failed", json!({}))).is_err());
    }

    #[test]
    fn low_stock_goes_to_the_admins_about_its_product() {
        let low = plan(&event(
            "inventory.low_stock",
            json!({"productId": "p1", "available": 3}),
        ));
        let low = low.unwrap();
        assert_eq!(low.len(), 1);
        assert_eq!(
            (low[0].user_id.as_str(), low[0].about.as_str()),
            (ADMINS, "p1")
        );
        assert!(plan(&event("inventory.low_stock", json!({}))).is_err());
        let order = json!({"userId": uuid::Uuid::now_v7().to_string(), "orderId": "o1"});
        let shipped = plan(&event("order.shipped", order)).unwrap();
        assert!(shipped.iter().all(|p| p.about == "o1"));
    }

    #[test]
    fn receipts_always_go_and_reminders_are_marketing() {
        assert_eq!(kind(Template::OrderConfirmation), Kind::Essential);
        assert_eq!(kind(Template::PasswordReset), Kind::Essential);
        assert_eq!(kind(Template::OrderShipped), Kind::Update);
        assert_eq!(kind(Template::AbandonedCart), Kind::Marketing);
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.name()), Some(c));
        }
    }
}
