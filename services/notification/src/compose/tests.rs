//! The contexts made from real event payloads render every routed template in strict mode.
use serde_json::json;

use std::collections::HashMap;

use super::*;
use crate::message::Templates;
use crate::plan::route;

const BASE: &str = "https://shop.example";

static NAMES: std::sync::LazyLock<HashMap<String, String>> =
    std::sync::LazyLock::new(|| HashMap::from([("p1".to_string(), "Atomic Habits".to_string())]));

fn facts() -> Facts<'static> {
    Facts {
        name: "Ada Lovelace",
        base: BASE,
        order_number: Some("VS-100042"),
        product_names: &NAMES,
    }
}

/// An event's data as its producer writes it (events.md, plus the totals the order service adds).
fn data(event_type: &str) -> Value {
    let order = json!({
        "orderId": "0193f0c8-0000-7000-8000-000000000042", "orderNumber": "VS-100042",
        "userId": "0193f0c8-0000-7000-8000-000000000001", "status": "CONFIRMED",
        "totalCents": 10176, "subtotalCents": 10348, "shippingCents": 0, "taxCents": 828,
        "discountCents": 1000, "currency": "USD",
        "items": [{"productId": "p1", "name": "Atomic Habits", "quantity": 2, "unitPriceCents": 1699},
                  {"productId": "p2", "name": "Levi's 501", "quantity": 1, "unitPriceCents": 6950}],
    });
    let mut d = order.as_object().unwrap().clone();
    let extra = match event_type {
        "user.email_verification_requested" | "user.password_reset_requested" => {
            json!({"email": "ada@example.com", "token": "a b+c", "expiresAt": "2026-12-07T18:00:00Z"})
        }
        "order.shipped" => {
            json!({"carrier": "UPS", "trackingNumber": "1Z9", "estimatedDelivery": null})
        }
        "order.cancelled" => json!({"reason": "you cancelled it"}),
        "order.refunded" => json!({"amountCents": 3398}),
        "payment.failed" => {
            d.remove("orderNumber");
            json!({"reason": "the card was declined", "code": "card_declined"})
        }
        "cart.abandoned" => json!({"subtotalCents": 3398}),
        "inventory.low_stock" => json!({"productId": "p2", "available": 3, "threshold": 5}),
        _ => json!({}),
    };
    d.extend(extra.as_object().unwrap().clone());
    Value::Object(d)
}

const ROUTED: [&str; 11] = [
    "user.registered",
    "user.email_verification_requested",
    "user.password_reset_requested",
    "order.confirmed",
    "order.shipped",
    "order.delivered",
    "order.cancelled",
    "order.refunded",
    "payment.failed",
    "cart.abandoned",
    "inventory.low_stock",
];

#[test]
fn every_routed_event_renders_its_template() {
    let templates = Templates::new("vici", BASE);
    for event_type in ROUTED {
        let (template, _) = route(event_type).unwrap();
        let ctx = context(template, &data(event_type), &facts())
            .unwrap_or_else(|e| panic!("{event_type}: {e}"));
        let rendered = templates
            .render(template, "en", &ctx)
            .unwrap_or_else(|e| panic!("{event_type}: {e}"));
        assert!(!rendered.subject.is_empty(), "{event_type}");
    }
}

#[test]
fn a_receipt_lists_the_lines_and_totals_of_the_order() {
    let ctx = context(
        Template::OrderConfirmation,
        &data("order.confirmed"),
        &facts(),
    )
    .unwrap();
    let text = Templates::new("vici", BASE)
        .render(Template::OrderConfirmation, "en", &ctx)
        .unwrap()
        .text;
    for line in [
        "2 × Atomic Habits — $33.98",
        "1 × Levi's 501 — $69.50",
        "Subtotal: $103.48",
        "Tax: $8.28",
        "Discount: -$10.00",
        "Total: $101.76",
        "https://shop.example/orders/0193f0c8-0000-7000-8000-000000000042",
    ] {
        assert!(text.contains(line), "{line:?} missing from:\n{text}");
    }
}

#[test]
fn links_carry_the_token_escaped_and_dates_read_as_dates() {
    let ctx = context(
        Template::PasswordReset,
        &data("user.password_reset_requested"),
        &facts(),
    )
    .unwrap();
    assert_eq!(
        ctx["reset_url"],
        "https://shop.example/reset-password?token=a%20b%2Bc"
    );
    assert_eq!(ctx["expires"], "7 December 2026, 18:00 UTC");
}

#[test]
fn a_failed_payment_takes_the_number_it_was_told() {
    let ctx = context(Template::PaymentFailed, &data("payment.failed"), &facts()).unwrap();
    assert_eq!(ctx["order"]["number"], "VS-100042");
    let unknown = Facts {
        order_number: None,
        ..facts()
    };
    let err = context(Template::PaymentFailed, &data("payment.failed"), &unknown).unwrap_err();
    assert_eq!(err, "the event has no orderNumber");
}

#[test]
fn money_reads_as_shoppers_write_it() {
    assert_eq!(money(1699, "USD"), "$16.99");
    assert_eq!(money(5, "eur"), "€0.05");
    assert_eq!(money(-250, "GBP"), "-£2.50");
    assert_eq!(money(120000, "CHF"), "1200.00 CHF");
    assert_eq!(when("not a time"), "not a time");
}

#[test]
fn a_reminder_names_the_products_and_a_gone_one_says_so() {
    let ctx = context(Template::AbandonedCart, &data("cart.abandoned"), &facts()).unwrap();
    assert_eq!(
        ctx["items"][0],
        json!({"name": "Atomic Habits", "quantity": 2})
    );
    assert_eq!(
        ctx["items"][1]["name"],
        "a product no longer in the catalogue"
    );
    assert_eq!(ctx["subtotal"], "$33.98");
    let low = context(Template::LowStock, &data("inventory.low_stock"), &facts()).unwrap();
    assert_eq!(
        low["product"]["url"],
        "https://shop.example/admin/inventory/p2"
    );
    assert_eq!(
        (low["available"].clone(), low["threshold"].clone()),
        (json!(3), json!(5))
    );
}
