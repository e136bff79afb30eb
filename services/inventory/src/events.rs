//! The `inventory-events` this service announces (events.md), written to the outbox in the
//! transaction of the change they describe.
use serde_json::json;
use vici_bus::CloudEvent;

use crate::domain::crossings;
use crate::store::StockRow;

pub const RESERVATION_EXPIRED: &str = "inventory.reservation_expired";

/// `inventory.stock_changed` for `row` as it is now, plus the threshold crossings of its move
/// from `before` available; keyed by product id. `threshold` rides along (payloads only grow) so
/// a projection can list low stock without asking.
pub fn stock_changed(row: &StockRow, before: i64) -> Vec<CloudEvent> {
    let product = &row.product_id;
    let variant = (!row.variant_id.is_empty()).then_some(&row.variant_id);
    let mut events = vec![CloudEvent::new(
        "inventory",
        "inventory.stock_changed",
        product,
        json!({"productId": product, "variantId": variant, "available": row.available, "reserved": row.reserved, "threshold": row.threshold}),
    )];
    for kind in crossings(before, row.available, row.threshold) {
        events.push(CloudEvent::new(
            "inventory",
            kind,
            product,
            json!({"productId": product, "variantId": variant, "available": row.available, "threshold": row.threshold}),
        ));
    }
    events
}

/// Keyed (and subject) by order id: the order service is the one that reacts to it.
pub fn reservation_expired(reservation_id: &str, order_id: &str) -> CloudEvent {
    CloudEvent::new(
        "inventory",
        RESERVATION_EXPIRED,
        order_id,
        json!({"reservationId": reservation_id, "orderId": order_id}),
    )
}
