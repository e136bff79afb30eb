//! The events this service announces (events.md), written to the outbox in the transaction of
//! the change they report: `order.*` on `order-events` keyed by order id, and one
//! `behaviour.purchase` per paid line on `purchase-events` and `user-events` (one event id),
//! keyed by user id like every behaviour event.
use serde_json::{Map, Value, json};
use sqlx::AnyConnection;
use vici_bus::CloudEvent;
use vici_bus::topics::{ORDER_EVENTS, PURCHASE_EVENTS, USER_EVENTS};
use vici_kit::Result;
use vici_store::error::SqlxResultExt as _;
use vici_store::outbox;

use crate::domain::order::Order;
use crate::domain::status::OrderStatus;

const SOURCE: &str = "order";
pub const CREATED: &str = "order.created";
/// Not in events.md's list: added so projections (the dashboard's orders by status) see every
/// status an order passes through (docs/analytics.md).
pub const PAYMENT_PENDING: &str = "order.payment_pending";
pub const PROCESSING: &str = "order.processing";
pub const CONFIRMED: &str = "order.confirmed";
pub const CANCELLED: &str = "order.cancelled";
pub const SHIPPED: &str = "order.shipped";
pub const DELIVERED: &str = "order.delivered";
pub const REFUNDED: &str = "order.refunded";
pub const PURCHASE: &str = "behaviour.purchase";
pub const PURCHASE_TOPICS: &[&str] = &[PURCHASE_EVENTS, USER_EVENTS];

/// The fields every order event carries, plus `extra`.
fn order_event(kind: &str, o: &Order, extra: Map<String, Value>) -> CloudEvent {
    let items: Vec<Value> = o
        .draft
        .items
        .iter()
        .map(|i| {
            json!({
                "productId": i.product_id.as_str(),
                "name": i.name,
                "quantity": i.quantity,
                "unitPriceCents": i.unit_price_cents,
            })
        })
        .collect();
    let mut data = Map::new();
    data.insert("orderId".into(), o.id.as_str().into());
    data.insert("orderNumber".into(), o.order_number.clone().into());
    data.insert("userId".into(), o.user_id.as_str().into());
    data.insert("status".into(), o.status.as_str().into());
    let totals = &o.draft.totals;
    data.insert("totalCents".into(), totals.total_cents.into());
    // The parts of the total, for receipts (the notification service's confirmation mail).
    data.insert("subtotalCents".into(), totals.subtotal_cents.into());
    data.insert("discountCents".into(), totals.discount_cents.into());
    data.insert("shippingCents".into(), totals.shipping_cents.into());
    data.insert("taxCents".into(), totals.tax_cents.into());
    data.insert("currency".into(), o.draft.currency.clone().into());
    data.insert("items".into(), items.into());
    data.extend(extra);
    CloudEvent::new(SOURCE, kind, o.id.as_str(), Value::Object(data))
}

/// The event announcing that `o` has just reached its status.
pub fn for_status(o: &Order, refunded_cents: i64) -> CloudEvent {
    let mut extra = Map::new();
    let kind = match o.status {
        OrderStatus::Pending => CREATED,
        OrderStatus::Confirmed => CONFIRMED,
        OrderStatus::Cancelled => {
            let reason = o.status_reason.clone().unwrap_or_default();
            extra.insert("reason".into(), reason.into());
            CANCELLED
        }
        OrderStatus::Shipped => {
            let t = o.tracking.clone().unwrap_or_default();
            extra.insert("carrier".into(), t.carrier.into());
            extra.insert("trackingNumber".into(), t.tracking_number.into());
            extra.insert("trackingUrl".into(), t.url.into());
            extra.insert(
                "estimatedDelivery".into(),
                t.estimated_delivery.map_or(Value::Null, Value::from),
            );
            SHIPPED
        }
        OrderStatus::Delivered => DELIVERED,
        OrderStatus::Refunded => {
            extra.insert("amountCents".into(), refunded_cents.into());
            REFUNDED
        }
        OrderStatus::PaymentPending => PAYMENT_PENDING,
        OrderStatus::Processing => PROCESSING,
    };
    order_event(kind, o, extra)
}

/// One `behaviour.purchase` per line of a paid order.
pub fn purchases(o: &Order) -> Vec<CloudEvent> {
    let session = if o.draft.session_id.is_empty() {
        o.user_id.to_string()
    } else {
        o.draft.session_id.clone()
    };
    o.draft
        .items
        .iter()
        .map(|i| {
            let mut data = Map::new();
            data.insert("orderId".into(), o.id.as_str().into());
            data.insert("userId".into(), o.user_id.as_str().into());
            data.insert("sessionId".into(), session.clone().into());
            data.insert("productId".into(), i.product_id.as_str().into());
            if let Some(v) = &i.variant_id {
                data.insert("variantId".into(), v.as_str().into());
            }
            data.insert("quantity".into(), i.quantity.into());
            data.insert("priceCents".into(), i.unit_price_cents.into());
            data.insert("source".into(), "checkout".into());
            CloudEvent::new(SOURCE, PURCHASE, o.user_id.as_str(), Value::Object(data))
        })
        .collect()
}

/// Writes the status event of `o` and, when `paid_now`, its purchases.
pub async fn enqueue(
    conn: &mut AnyConnection,
    o: &Order,
    refunded_cents: i64,
    paid_now: bool,
) -> Result<()> {
    let e = for_status(o, refunded_cents);
    outbox::enqueue(conn, ORDER_EVENTS, o.id.as_str(), &e)
        .await
        .db_err("writing an order event to the outbox")?;
    if paid_now {
        for e in purchases(o) {
            outbox::enqueue_to_all(conn, PURCHASE_TOPICS, o.user_id.as_str(), &e)
                .await
                .db_err("writing a purchase event to the outbox")?;
        }
    }
    Ok(())
}
