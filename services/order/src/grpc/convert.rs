//! Between the wire messages of `vici.order.v1` and the service's types: requests in, orders,
//! quotes, histories and intents out, and the stored encoding of an idempotent answer.
use prost::Message as _;
use vici_kit::{Error, Result};
use vici_proto::order::v1 as pb;
use vici_proto::payment::v1 as pay;
use vici_store::rfc3339;
use vici_types::idempotency::Key;
use vici_types::{AddressId, TypedId as _, UserId};

use crate::domain::checkout::Priced;
use crate::domain::order::{Address, HistoryEntry, Item, Order, Tracking};
use crate::domain::outcome::{Answer, Presented};
use crate::domain::payment::PaymentIntent;
use crate::domain::status::OrderStatus;
use crate::service::checkout::PlaceOrder;

/// The key a request carries (blank: none), checked by the shop's one rule.
pub fn idempotency(i: Option<pb::Idempotency>) -> Result<Option<Presented>> {
    let i = i.unwrap_or_default();
    let key = Key::optional_as("idempotencyKey", &i.key)?;
    Ok(key.map(|key| Presented {
        key,
        fingerprint: i.fingerprint,
    }))
}

/// The status a caller names: `None` for UNSPECIFIED; a number the enum does not name is a
/// bad request.
pub fn status_in(raw: i32) -> Result<Option<OrderStatus>> {
    match pb::OrderStatus::try_from(raw) {
        Ok(pb::OrderStatus::Unspecified) => Ok(None),
        Ok(named) => named
            .as_str_name()
            .strip_prefix("ORDER_STATUS_")
            .and_then(OrderStatus::parse)
            .map(Some)
            .ok_or_else(|| OrderStatus::unknown("status")),
        Err(_) => Err(OrderStatus::unknown("status")),
    }
}

pub fn place(r: pb::PlaceOrderRequest) -> Result<PlaceOrder> {
    Ok(PlaceOrder {
        user_id: UserId::parse(&r.user_id)?,
        user_email: r.user_email,
        shipping_address: r.shipping_address.map(address_in).transpose()?,
        billing_address: r.billing_address.map(address_in).transpose()?,
        payment_method: r.payment_method,
        payment_intent_id: r.payment_intent_id,
        coupon_code: r.coupon_code,
        pay_now: r.pay_now,
        session_id: r.session_id,
        expected_total_cents: r.expected_total_cents,
    })
}

/// An address as sent (checked later, with the rest of the request).
pub fn address_in(a: pb::Address) -> Result<Address> {
    let id = AddressId::parse_optional(a.id.as_deref())?;
    Ok(Address {
        id,
        postal: a.into(),
    })
}

pub fn address_out(a: Address) -> pb::Address {
    pb::Address {
        id: a.id.map(String::from),
        ..a.postal.into()
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
        product_id: i.product_id.into(),
        variant_id: i.variant_id.map(String::from),
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
        id: o.id.into(),
        order_number: o.order_number,
        user_id: o.user_id.into(),
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

/// The encoded answer, as stored for idempotent replays (the saga's `Encode`).
pub fn order_bytes(o: &Order) -> Vec<u8> {
    order(o.clone()).encode_to_vec()
}

/// An idempotent request's answer: the order made now, or the one stored for its key.
pub fn answer(a: Answer) -> Result<pb::Order> {
    match a {
        Answer::Fresh(o) => Ok(order(*o)),
        Answer::Replayed(bytes) => pb::Order::decode(bytes.as_slice())
            .map_err(|e| Error::internal(anyhow::anyhow!("stored order message: {e}"))),
    }
}

pub fn intent(i: PaymentIntent) -> pay::PaymentIntent {
    pay::PaymentIntent {
        id: i.id,
        client_secret: i.client_secret,
        amount_cents: i.amount_cents,
        currency: i.currency,
        status: i.status,
        user_id: i.user_id,
        created_at: i.created_at,
    }
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

pub fn quote(p: Priced) -> pb::Quote {
    pb::Quote {
        lines: p
            .items
            .into_iter()
            .map(|i| pb::QuoteLine {
                total_price_cents: i.total_cents(),
                product_id: i.product_id.into(),
                variant_id: i.variant_id.map(String::from),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::order::{Draft, Totals};
    use crate::domain::status::PaymentStatus;
    use vici_types::OrderId;

    #[test]
    fn every_status_the_api_names_is_one_of_the_orders() {
        let named: Vec<Option<OrderStatus>> = (0..=8).map(|n| status_in(n).unwrap()).collect();
        assert_eq!(named[0], None, "UNSPECIFIED names none");
        assert_eq!(named[1..].iter().flatten().count(), OrderStatus::ALL.len());
        for s in OrderStatus::ALL {
            assert!(named.contains(&Some(s)), "{s:?}");
        }
        assert!(status_in(9).unwrap_err().details.contains_key("status"));
    }

    #[test]
    fn a_stored_answer_replays_as_the_order_it_was() {
        let placed = Order {
            id: OrderId::generate(),
            order_number: "VS-100001".into(),
            user_id: UserId::generate(),
            status: OrderStatus::Confirmed,
            payment_status: PaymentStatus::Paid,
            payment_id: Some("p-1".into()),
            tracking: None,
            status_reason: None,
            draft: Draft {
                user_email: "ada@shop.test".into(),
                items: Vec::new(),
                cart_item_ids: Vec::new(),
                totals: Totals {
                    total_cents: 10_799,
                    ..Totals::default()
                },
                currency: "USD".into(),
                shipping_address: Address::default(),
                billing_address: None,
                payment_method: "pm_card_visa".into(),
                payment_intent_id: None,
                coupon_code: None,
                session_id: String::new(),
            },
            created_at: 1_000,
            updated_at: 2_000,
        };
        let stored = order_bytes(&placed);
        let replayed = answer(Answer::Replayed(stored)).unwrap();
        assert_eq!(replayed, answer(Answer::fresh(placed)).unwrap());
        assert_eq!(replayed.status, "CONFIRMED");
        assert!(answer(Answer::Replayed(vec![0xff, 0xff])).is_err());
    }
}
