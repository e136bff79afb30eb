//! The context a message is rendered with, made from the event that asked for it (kept in the
//! delivery's `data`) and what the worker learned about the recipient: money, dates and links
//! as finished strings, so templates never do arithmetic (docs/notifications.md).
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::message::Template;

/// What a context is made from besides the event's data.
pub struct Facts<'a> {
    /// The recipient's name.
    pub name: &'a str,
    /// The shop's public URL, without a trailing slash.
    pub base: &'a str,
    /// The order's number when the event does not carry it (`payment.failed`).
    pub order_number: Option<&'a str>,
    /// Names of the products the event names by id (a cart's lines, a low-stock product).
    pub product_names: &'a HashMap<String, String>,
}

/// The context of `template` for an event's `data`; an error names what the event lacks.
pub fn context(template: Template, data: &Value, facts: &Facts) -> Result<Value, String> {
    let name = facts.name;
    let link = |path: &str, token: &str| -> Result<String, String> {
        let token = text(data, token)?;
        Ok(format!("{}{path}?token={}", facts.base, url_escape(&token)))
    };
    let context = match template {
        Template::Welcome => json!({"name": name}),
        Template::VerifyEmail => json!({
            "name": name,
            "verify_url": link("/verify-email", "token")?,
            "expires": when(&text(data, "expiresAt")?),
        }),
        Template::PasswordReset => json!({
            "name": name,
            "reset_url": link("/reset-password", "token")?,
            "expires": when(&text(data, "expiresAt")?),
        }),
        Template::OrderConfirmation => {
            let mut order = order(data, facts)?;
            order
                .as_object_mut()
                .expect("an object")
                .extend(receipt(data)?);
            json!({"name": name, "order": order})
        }
        Template::OrderShipped => json!({
            "name": name,
            "order": order(data, facts)?,
            "carrier": text(data, "carrier")?,
            "tracking_number": text(data, "trackingNumber")?,
            "tracking_url": optional(data, "trackingUrl"),
            "estimated_delivery": optional(data, "estimatedDelivery"),
        }),
        Template::OrderDelivered => json!({"name": name, "order": order(data, facts)?}),
        Template::OrderCancelled | Template::PaymentFailed => json!({
            "name": name,
            "order": order(data, facts)?,
            "reason": reason(data),
        }),
        Template::OrderRefunded => json!({
            "name": name,
            "order": order(data, facts)?,
            "amount": money(cents(data, "amountCents")?, &currency(data)),
        }),
        Template::AbandonedCart => json!({
            "name": name,
            "items": cart_lines(data, facts)?,
            "subtotal": money(cents(data, "subtotalCents")?, &currency(data)),
            "cart_url": format!("{}/cart", facts.base),
            "unsubscribe_url": format!("{}/account/preferences", facts.base),
        }),
        Template::LowStock => {
            let id = text(data, "productId")?;
            json!({
                "product": {
                    "name": product_name(facts, &id),
                    "url": format!("{}/admin/inventory/{}", facts.base, url_escape(&id)),
                },
                "available": cents(data, "available")?,
                "threshold": cents(data, "threshold")?,
            })
        }
    };
    Ok(context)
}

fn text(data: &Value, field: &str) -> Result<String, String> {
    data.get(field)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .map(str::to_string)
        .ok_or_else(|| format!("the event has no {field}"))
}

fn optional(data: &Value, field: &str) -> Value {
    text(data, field).map_or(Value::Null, Value::from)
}

fn cents(data: &Value, field: &str) -> Result<i64, String> {
    data.get(field)
        .and_then(Value::as_i64)
        .ok_or_else(|| format!("the event has no {field}"))
}

fn currency(data: &Value) -> String {
    text(data, "currency").unwrap_or_else(|_| "USD".into())
}

fn reason(data: &Value) -> String {
    text(data, "reason").unwrap_or_else(|_| "no reason was given".into())
}

/// A product's name, or words saying it is gone from the catalogue.
fn product_name(facts: &Facts, id: &str) -> String {
    let name = facts.product_names.get(id).cloned();
    name.unwrap_or_else(|| "a product no longer in the catalogue".into())
}

/// A cart's lines as the reminder lists them.
fn cart_lines(data: &Value, facts: &Facts) -> Result<Vec<Value>, String> {
    let lines = data.get("items").and_then(Value::as_array);
    lines
        .into_iter()
        .flatten()
        .map(|line| {
            let id = text(line, "productId")?;
            let name = product_name(facts, &id);
            Ok(json!({"name": name, "quantity": cents(line, "quantity")?}))
        })
        .collect()
}

/// The order's number and page.
fn order(data: &Value, facts: &Facts) -> Result<Value, String> {
    let id = text(data, "orderId")?;
    let number = match (text(data, "orderNumber"), facts.order_number) {
        (Ok(n), _) => n,
        (Err(_), Some(n)) => n.to_string(),
        (Err(e), None) => return Err(e),
    };
    Ok(json!({"number": number, "url": format!("{}/orders/{}", facts.base, url_escape(&id))}))
}

/// The lines and totals of a confirmed order. Events from before the totals were announced
/// carry only the total: the subtotal is then the lines' sum and the rest zero.
fn receipt(data: &Value) -> Result<serde_json::Map<String, Value>, String> {
    let currency = currency(data);
    let lines = data.get("items").and_then(Value::as_array);
    let mut items = Vec::new();
    let mut sum = 0;
    for line in lines.into_iter().flatten() {
        let quantity = cents(line, "quantity")?;
        let unit = cents(line, "unitPriceCents")?;
        sum += quantity * unit;
        items.push(json!({
            "name": text(line, "name")?,
            "quantity": quantity,
            "unit_price": money(unit, &currency),
            "total": money(quantity * unit, &currency),
        }));
    }
    let part = |field: &str, default: i64| cents(data, field).unwrap_or(default);
    let discount = part("discountCents", 0);
    let mut out = serde_json::Map::new();
    out.insert("items".into(), items.into());
    out.insert(
        "subtotal".into(),
        money(part("subtotalCents", sum), &currency).into(),
    );
    out.insert(
        "shipping".into(),
        money(part("shippingCents", 0), &currency).into(),
    );
    out.insert("tax".into(), money(part("taxCents", 0), &currency).into());
    let shown = (discount != 0).then(|| money(discount, &currency));
    out.insert("discount".into(), shown.map_or(Value::Null, Value::from));
    out.insert(
        "total".into(),
        money(cents(data, "totalCents")?, &currency).into(),
    );
    Ok(out)
}

/// `cents` in `currency` as a shopper reads it: `$16.99`, `€16.99`, `16.99 CHF`.
pub fn money(cents: i64, currency: &str) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let amount = format!("{}.{:02}", (cents / 100).abs(), (cents % 100).abs());
    match currency.to_ascii_uppercase().as_str() {
        "USD" => format!("{sign}${amount}"),
        "EUR" => format!("{sign}€{amount}"),
        "GBP" => format!("{sign}£{amount}"),
        other => format!("{sign}{amount} {other}"),
    }
}

/// An RFC 3339 time as `7 December 2026, 18:00 UTC`; text that is not one is shown as given.
pub fn when(rfc3339: &str) -> String {
    match DateTime::parse_from_rfc3339(rfc3339) {
        Ok(t) => t
            .with_timezone(&Utc)
            .format("%-d %B %Y, %H:%M UTC")
            .to_string(),
        Err(_) => rfc3339.to_string(),
    }
}

/// `value` safe inside a URL's path segment or query value.
fn url_escape(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests;
