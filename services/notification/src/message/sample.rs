//! A context for each template, as its sender would give it: what `vici notify preview`
//! renders and the golden files are made from. Every variable a template names is here, so a
//! template that names one more fails its golden test.
use serde_json::{Value, json};

use super::Template;

/// The sample context of `template`, its links under `base` (the shop's public URL).
pub fn context(template: Template, base: &str) -> Value {
    let base = base.trim_end_matches('/');
    let order = json!({"number": "VICI-20261206-0042", "url": format!("{base}/orders/0042")});
    match template {
        Template::Welcome => json!({"name": "Ada Lovelace"}),
        Template::VerifyEmail => json!({
            "name": "Ada Lovelace",
            "verify_url": format!("{base}/verify-email?token=sample-token"),
            "expires": "7 December 2026, 18:00 UTC",
        }),
        Template::PasswordReset => json!({
            "name": "Ada Lovelace",
            "reset_url": format!("{base}/reset-password?token=sample-token"),
            "expires": "6 December 2026, 19:00 UTC",
        }),
        Template::OrderConfirmation => json!({
            "name": "Ada Lovelace",
            "order": {
                "number": order["number"], "url": order["url"],
                "items": [
                    {"name": "Atomic Habits", "quantity": 2, "unit_price": "$16.99", "total": "$33.98"},
                    {"name": "Levi's 501 Original <Jeans>", "quantity": 1, "unit_price": "$69.50", "total": "$69.50"},
                ],
                "subtotal": "$103.48", "shipping": "$0.00", "tax": "$8.28",
                "discount": "$10.00", "total": "$101.76",
            },
        }),
        Template::OrderShipped => json!({
            "name": "Ada Lovelace", "order": order, "carrier": "UPS",
            "tracking_number": "1Z999AA10123456784",
            "tracking_url": "https://www.ups.com/track?tracknum=1Z999AA10123456784",
            "estimated_delivery": "9 December 2026",
        }),
        Template::OrderDelivered => json!({"name": "Ada Lovelace", "order": order}),
        Template::OrderCancelled => json!({
            "name": "Ada Lovelace", "order": order, "reason": "you cancelled it",
        }),
        Template::OrderRefunded => {
            json!({"name": "Ada Lovelace", "order": order, "amount": "$33.98"})
        }
        Template::PaymentFailed => json!({
            "name": "Ada Lovelace", "order": order, "reason": "the card was declined",
        }),
        Template::AbandonedCart => json!({
            "name": "Ada Lovelace",
            "items": [{"name": "KitchenAid Stand Mixer", "quantity": 1}],
            "subtotal": "$449.99",
            "cart_url": format!("{base}/cart"),
            "unsubscribe_url": format!("{base}/account/preferences"),
        }),
        Template::LowStock => json!({
            "product": {"name": "Dyson V15 Detect", "url": format!("{base}/admin/inventory")},
            "available": 3, "threshold": 5,
        }),
    }
}
