//! The requests the cases send, built the way the gateway would: fresh user ids, seeded product
//! ids, a valid address, PlaceOrder with or without an Idempotency-Key.
use vici_proto::order::v1 as pb;

pub use vici_testkit::demo::product_id as product;
pub use vici_testkit::new_id as new_user;

pub fn address() -> pb::Address {
    pb::Address {
        first_name: "Ada".into(),
        last_name: "Lovelace".into(),
        address_line1: "1 Analytical Street".into(),
        city: "London".into(),
        state: "LDN".into(),
        postal_code: "N1 9GU".into(),
        country: "GB".into(),
        phone: "+44 20 0000 0000".into(),
        ..pb::Address::default()
    }
}

/// A PlaceOrder request of `user` paying with `method`; `pay_now` = checkout confirm.
pub fn place(user: &str, method: &str, pay_now: bool) -> pb::PlaceOrderRequest {
    pb::PlaceOrderRequest {
        user_id: user.into(),
        user_email: format!("{}@shop.test", &user[user.len() - 8..]),
        shipping_address: Some(address()),
        payment_method: method.into(),
        pay_now,
        session_id: "session-1".into(),
        ..pb::PlaceOrderRequest::default()
    }
}

pub fn keyed(mut r: pb::PlaceOrderRequest, key: &str, fingerprint: &str) -> pb::PlaceOrderRequest {
    r.idempotency = Some(pb::Idempotency {
        key: key.into(),
        fingerprint: fingerprint.into(),
    });
    r
}

/// The API's number for the status `name` (any case), as the gateway sends it; a name the
/// enum lacks gets a number it does not have.
pub fn status(name: &str) -> i32 {
    let full = format!("ORDER_STATUS_{}", name.to_ascii_uppercase());
    pb::OrderStatus::from_str_name(&full).map_or(99, |s| s as i32)
}

pub fn order_ref(user: &str, order_id: &str) -> pb::OrderRef {
    pb::OrderRef {
        user_id: user.into(),
        order_id: order_id.into(),
        any_user: false,
    }
}

/// The owner's CancelOrder of `order_id`, "Changed my mind".
pub fn cancel(user: &str, order_id: &str) -> pb::CancelOrderRequest {
    pb::CancelOrderRequest {
        user_id: user.into(),
        order_id: order_id.into(),
        reason: "Changed my mind".into(),
        any_user: false,
    }
}
