//! Between the wire messages of `vici.order.v1` and the domain types.
use vici_proto::order::v1 as pb;
use vici_store::rfc3339;

use crate::domain::order::{Address, HistoryEntry, Item, Order, Tracking};

pub fn address_in(a: pb::Address) -> Address {
    Address {
        first_name: a.first_name,
        last_name: a.last_name,
        address_line1: a.address_line1,
        address_line2: a.address_line2,
        city: a.city,
        state: a.state,
        postal_code: a.postal_code,
        country: a.country,
        phone: a.phone,
        id: a.id,
    }
}

pub fn address_out(a: Address) -> pb::Address {
    pb::Address {
        first_name: a.first_name,
        last_name: a.last_name,
        address_line1: a.address_line1,
        address_line2: a.address_line2,
        city: a.city,
        state: a.state,
        postal_code: a.postal_code,
        country: a.country,
        phone: a.phone,
        id: a.id,
    }
}

pub fn tracking_in(t: pb::Tracking) -> Tracking {
    Tracking {
        carrier: t.carrier.trim().to_string(),
        tracking_number: t.tracking_number.trim().to_string(),
        url: t.url.trim().to_string(),
        shipped_at: None,
        estimated_delivery: t.estimated_delivery.filter(|d| !d.trim().is_empty()),
    }
}

fn tracking_out(t: Tracking) -> pb::Tracking {
    pb::Tracking {
        carrier: t.carrier,
        tracking_number: t.tracking_number,
        url: t.url,
        shipped_at: t.shipped_at.map(rfc3339),
        estimated_delivery: t.estimated_delivery,
    }
}

fn item(i: Item) -> pb::OrderItem {
    pb::OrderItem {
        total_price_cents: i.total_cents(),
        id: i.id,
        product_id: i.product_id,
        variant_id: i.variant_id,
        name: i.name,
        image: i.image,
        sku: i.sku,
        quantity: i.quantity,
        unit_price_cents: i.unit_price_cents,
        original_price_cents: i.original_price_cents,
        product_slug: i.product_slug,
    }
}

pub fn order(o: Order) -> pb::Order {
    let d = o.draft;
    pb::Order {
        id: o.id,
        order_number: o.order_number,
        user_id: o.user_id,
        user_email: d.user_email,
        items: d.items.into_iter().map(item).collect(),
        subtotal_cents: d.totals.subtotal_cents,
        discount_cents: d.totals.discount_cents,
        shipping_cents: d.totals.shipping_cents,
        tax_cents: d.totals.tax_cents,
        total_cents: d.totals.total_cents,
        savings_cents: d.totals.savings_cents,
        currency: d.currency,
        status: o.status.as_str().into(),
        payment_status: o.payment_status.as_str().into(),
        shipping_address: Some(address_out(d.shipping_address)),
        billing_address: d.billing_address.map(address_out),
        payment_method: d.payment_method,
        payment_id: o.payment_id,
        coupon_code: d.coupon_code,
        tracking: o.tracking.map(tracking_out),
        created_at: rfc3339(o.created_at),
        updated_at: rfc3339(o.updated_at),
        status_reason: o.status_reason,
    }
}

/// The encoded answer, as stored for idempotent replays.
pub fn order_bytes(o: Order) -> Vec<u8> {
    prost::Message::encode_to_vec(&order(o))
}

pub fn history(entries: Vec<HistoryEntry>) -> pb::History {
    pb::History {
        entries: entries
            .into_iter()
            .map(|e| pb::HistoryEntry {
                status: e.status.as_str().into(),
                note: e.note,
                at: rfc3339(e.at),
                by: e.by,
            })
            .collect(),
    }
}

pub fn quote(p: crate::saga::snapshot::Priced) -> pb::Quote {
    pb::Quote {
        lines: p
            .items
            .into_iter()
            .map(|i| pb::QuoteLine {
                total_price_cents: i.total_cents(),
                product_id: i.product_id,
                variant_id: i.variant_id,
                name: i.name,
                quantity: i.quantity,
                unit_price_cents: i.unit_price_cents,
            })
            .collect(),
        subtotal_cents: p.totals.subtotal_cents,
        discount_cents: p.totals.discount_cents,
        shipping_cents: p.totals.shipping_cents,
        tax_cents: p.totals.tax_cents,
        total_cents: p.totals.total_cents,
        savings_cents: p.totals.savings_cents,
        currency: p.currency,
        coupon_code: p.coupon_code,
    }
}
