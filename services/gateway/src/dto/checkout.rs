//! Request bodies of the checkout, order and admin order routes, read field by field from the
//! JSON value (so a wrong type is a 400 naming the field), and the idempotency fingerprint.
use std::collections::BTreeMap;

use axum::http::HeaderMap;
use serde_json::Value;
use sha2::{Digest, Sha256};
use vici_proto::order::v1 as pb;
use vici_types::idempotency::{Key, Scope};
use vici_types::{OrderId, PostalAddress};

use super::input;
use crate::error::{ApiError, ApiResult};
use crate::query::orders::parse_status;

/// Longest text field accepted in these bodies; longer is refused, not truncated.
const MAX_TEXT: usize = 500;

fn text(body: &Value, field: &'static str) -> ApiResult<Option<String>> {
    let value = body.get(field).unwrap_or(&Value::Null);
    match input::optional_text(value, field)? {
        Some(s) if s.chars().count() > MAX_TEXT => Err(input::invalid(
            field,
            format!("must be at most {MAX_TEXT} characters"),
        )),
        Some(s) if s.is_empty() => Ok(None),
        other => Ok(other),
    }
}

fn required(body: &Value, field: &'static str, what: &str) -> ApiResult<String> {
    text(body, field)?.ok_or_else(|| input::invalid(field, format!("is required: {what}")))
}

/// The body as an object; `null` (no body) reads as an empty one.
pub fn object(body: Option<Value>) -> ApiResult<Value> {
    match body {
        None | Some(Value::Null) => Ok(Value::Object(Default::default())),
        Some(v @ Value::Object(_)) => Ok(v),
        Some(_) => Err(ApiError::validation(
            "The request body must be a JSON object",
            BTreeMap::from([("body".to_string(), "must be an object".to_string())]),
        )),
    }
}

/// The `Idempotency-Key` header (checked by the shop's one key rule) with a fingerprint of what
/// it guards: the scope's label (for a payment, with the order it pays) and the body with its
/// keys in a fixed order, so the same request always gives the same digest.
pub fn idempotency(
    headers: &HeaderMap,
    scope: Scope,
    order_id: Option<&OrderId>,
    body: &Value,
) -> ApiResult<pb::Idempotency> {
    let Some(raw) = headers.get("idempotency-key") else {
        return Ok(pb::Idempotency::default());
    };
    // A value with bytes outside visible ASCII reads as blank, which the rule refuses.
    let key = Key::parse(raw.to_str().unwrap_or_default())?;
    let mut digest = Sha256::new();
    digest.update(scope.fingerprint_label(order_id).as_bytes());
    digest.update(b"\n");
    digest.update(canonical(body).as_bytes());
    let fingerprint = digest
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(pb::Idempotency {
        key: key.as_str().to_string(),
        fingerprint,
    })
}

/// JSON text with object keys sorted at every depth.
fn canonical(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let sorted: BTreeMap<&String, String> =
                map.iter().map(|(k, v)| (k, canonical(v))).collect();
            let fields: Vec<String> = sorted
                .into_iter()
                .map(|(k, v)| format!("{}:{v}", Value::String(k.clone())))
                .collect();
            format!("{{{}}}", fields.join(","))
        }
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(canonical).collect();
            format!("[{}]", items.join(","))
        }
        other => other.to_string(),
    }
}

/// Where an order ships (or bills) to: a saved address of the caller, or one typed in.
pub enum AddressChoice {
    Saved(String),
    Typed(Box<pb::Address>),
    Absent,
}

/// `{field}Id` (a saved address) or `{field}` (an Address object).
pub fn address(
    body: &Value,
    field: &'static str,
    id_field: &'static str,
) -> ApiResult<AddressChoice> {
    if let Some(id) = input::optional_id(body.get(id_field).unwrap_or(&Value::Null), id_field)? {
        return Ok(AddressChoice::Saved(id));
    }
    match body.get(field).unwrap_or(&Value::Null) {
        Value::Null => Ok(AddressChoice::Absent),
        typed @ Value::Object(_) => {
            Ok(AddressChoice::Typed(Box::new(typed_address(typed, field)?)))
        }
        _ => Err(input::invalid(field, "must be an address object")),
    }
}

fn typed_address(a: &Value, prefix: &'static str) -> ApiResult<pb::Address> {
    // Problems are reported as `shippingAddress.city` and so on.
    let field = |name: &'static str| -> ApiResult<String> {
        text(a, name)
            .map(Option::unwrap_or_default)
            .map_err(|e| renamed(e, prefix, name))
    };
    let typed = PostalAddress {
        first_name: field("firstName")?,
        last_name: field("lastName")?,
        address_line1: field("addressLine1")?,
        address_line2: Some(field("addressLine2")?).filter(|s| !s.is_empty()),
        city: field("city")?,
        state: field("state")?,
        postal_code: field("postalCode")?,
        country: field("country")?,
        phone: field("phone")?,
    };
    Ok(typed.into())
}

fn renamed(mut e: ApiError, prefix: &str, name: &str) -> ApiError {
    if let Some(problem) = e.0.details.remove(name) {
        e.0.details.insert(format!("{prefix}.{name}"), problem);
        e.0.message =
            e.0.message
                .replace(&format!("`{name}`"), &format!("`{prefix}.{name}`"));
    }
    e
}

/// The fields shared by `POST /checkout/confirm` and `POST /orders`.
pub struct PlaceOrderBody {
    pub shipping: AddressChoice,
    pub billing: AddressChoice,
    pub payment_method: String,
    pub payment_intent_id: Option<String>,
    pub coupon_code: Option<String>,
    /// Cents of `expectedTotal`: the total the shopper was shown.
    pub expected_total_cents: Option<i64>,
}

impl PlaceOrderBody {
    pub fn read(body: &Value) -> ApiResult<Self> {
        let shipping = address(body, "shippingAddress", "shippingAddressId")?;
        if matches!(shipping, AddressChoice::Absent) {
            return Err(input::invalid(
                "shippingAddress",
                "is required: send shippingAddressId or a shippingAddress",
            ));
        }
        Ok(Self {
            shipping,
            billing: address(body, "billingAddress", "billingAddressId")?,
            payment_method: payment_method(body)?,
            payment_intent_id: text(body, "paymentIntentId")?,
            coupon_code: text(body, "couponCode")?,
            expected_total_cents: input::optional_dollars(
                body.get("expectedTotal").unwrap_or(&Value::Null),
                "expectedTotal",
            )?,
        })
    }
}

/// `paymentMethod`, required.
pub fn payment_method(body: &Value) -> ApiResult<String> {
    required(
        body,
        "paymentMethod",
        "for example pm_card_visa or cash_on_delivery",
    )
}

/// `couponCode` (also `code`) when given.
pub fn coupon_code(body: &Value) -> ApiResult<Option<String>> {
    match text(body, "couponCode")? {
        Some(code) => Ok(Some(code)),
        None => text(body, "code"),
    }
}

/// `POST /checkout/payment-intent`: the amount the client expects (dollars) and currency.
pub fn intent_amount(body: &Value) -> ApiResult<(Option<i64>, String)> {
    let amount = input::optional_dollars(body.get("amount").unwrap_or(&Value::Null), "amount")?;
    let currency = text(body, "currency")?.unwrap_or_else(|| "USD".into());
    if !currency.eq_ignore_ascii_case("usd") {
        return Err(input::invalid(
            "currency",
            "must be USD: the shop sells in US dollars",
        ));
    }
    Ok((amount, "USD".into()))
}

/// `reason` of a cancel, when given.
pub fn reason(body: &Value) -> ApiResult<String> {
    Ok(text(body, "reason")?.unwrap_or_default())
}

/// `PUT /admin/orders/{id}/status`: `{status, note?, tracking?{…}}`.
pub fn status_change(
    body: &Value,
    order_id: String,
    actor: String,
) -> ApiResult<pb::SetStatusRequest> {
    let status = required(body, "status", "the order's new status")?;
    let status = parse_status(&status).map_err(|problem| input::invalid("status", problem))?;
    let tracking = match body.get("tracking").unwrap_or(&Value::Null) {
        Value::Null => None,
        t @ Value::Object(_) => Some(pb::Tracking {
            carrier: text(t, "carrier")?.unwrap_or_default(),
            tracking_number: match text(t, "trackingNumber")? {
                Some(n) => n,
                None => text(t, "number")?.unwrap_or_default(),
            },
            url: text(t, "url")?.unwrap_or_default(),
            shipped_at: None,
            estimated_delivery: text(t, "estimatedDelivery")?,
        }),
        _ => return Err(input::invalid("tracking", "must be an object")),
    };
    Ok(pb::SetStatusRequest {
        order_id,
        status: status.into(),
        note: text(body, "note")?.unwrap_or_default(),
        tracking,
        actor,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use vici_types::TypedId as _;

    fn headers(key: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("idempotency-key", key.parse().unwrap());
        h
    }

    #[test]
    fn fingerprints_ignore_key_order_but_not_values_or_scope() {
        let a = json!({"paymentMethod": "pm_card_visa", "shippingAddress": {"city": "X", "country": "US"}});
        let b = json!({"shippingAddress": {"country": "US", "city": "X"}, "paymentMethod": "pm_card_visa"});
        let c = json!({"paymentMethod": "pm_card_mastercard", "shippingAddress": {"city": "X", "country": "US"}});
        let fp = |scope, v: &Value| {
            idempotency(&headers("k-1"), scope, None, v)
                .unwrap()
                .fingerprint
        };
        assert_eq!(fp(Scope::Confirm, &a), fp(Scope::Confirm, &b));
        assert_ne!(fp(Scope::Confirm, &a), fp(Scope::Confirm, &c));
        assert_ne!(fp(Scope::Confirm, &a), fp(Scope::CreateOrder, &a));
        assert_eq!(fp(Scope::Confirm, &a).len(), 64);
    }

    #[test]
    fn fingerprints_stay_what_stored_rows_hold() {
        // SHA-256 of "checkout.confirm\n{…}" and "orders.pay:<order id>\n{}", computed apart
        // from this code: keys sent before a release must still match after it.
        let confirm = idempotency(
            &headers("k"),
            Scope::Confirm,
            None,
            &json!({"paymentMethod": "pm_card_visa"}),
        )
        .unwrap();
        assert_eq!(
            confirm.fingerprint,
            "698f96d755e0258897281651452f6b5beaa2d77baff45a69beaeb6c26151cce8"
        );
        let order = OrderId::parse("0191e3c1-7a2b-7c3d-8e4f-a1b2c3d4e5f6").unwrap();
        let pay = idempotency(&headers("k"), Scope::PayOrder, Some(&order), &json!({})).unwrap();
        assert_eq!(
            pay.fingerprint,
            "d48ab9e1a4890a690bbc4f2cc4048dfc7ae98f7ce57604598f70d28be3ff5b03"
        );
    }

    #[test]
    fn keys_are_optional_but_must_be_sane() {
        let key = |h: &HeaderMap| idempotency(h, Scope::Confirm, None, &json!({}));
        assert_eq!(key(&HeaderMap::new()).unwrap().key, "");
        assert_eq!(key(&headers(" abc ")).unwrap().key, "abc");
        for bad in ["a b", &"k".repeat(256)] {
            let e = key(&headers(bad)).unwrap_err();
            assert!(e.0.details.contains_key("Idempotency-Key"), "{bad}");
        }
    }

    #[test]
    fn place_order_bodies_name_the_field_at_fault() {
        let e = PlaceOrderBody::read(&json!({"paymentMethod": "pm_card_visa"}))
            .err()
            .unwrap();
        assert!(e.0.details.contains_key("shippingAddress"));
        let e = PlaceOrderBody::read(&json!({"shippingAddressId": "nope", "paymentMethod": "x"}))
            .err()
            .unwrap();
        assert!(e.0.details.contains_key("shippingAddressId"));
        let e =
            PlaceOrderBody::read(&json!({"shippingAddress": {"city": 5}, "paymentMethod": "x"}))
                .err()
                .unwrap();
        assert!(
            e.0.details.contains_key("shippingAddress.city"),
            "{:?}",
            e.0.details
        );
        let e = PlaceOrderBody::read(&json!({"shippingAddress": {"city": "X"}}))
            .err()
            .unwrap();
        assert!(e.0.details.contains_key("paymentMethod"));
        let ok = PlaceOrderBody::read(&json!({
            "shippingAddress": {"firstName": "Ada", "city": "London", "addressLine2": ""},
            "paymentMethod": "pm_card_visa", "couponCode": "save20"
        }))
        .unwrap();
        let AddressChoice::Typed(a) = ok.shipping else {
            panic!("typed")
        };
        assert_eq!((a.first_name.as_str(), a.address_line2), ("Ada", None));
        assert_eq!(ok.coupon_code.as_deref(), Some("save20"));
    }

    #[test]
    fn status_changes_read_tracking_and_its_alias() {
        let r = status_change(
            &json!({"status": "shipped", "tracking": {"carrier": "UPS", "number": "1Z9"}}),
            "o".into(),
            "a".into(),
        )
        .unwrap();
        assert_eq!(r.status(), pb::OrderStatus::Shipped);
        assert_eq!(r.tracking.unwrap().tracking_number, "1Z9");
        assert!(status_change(&json!({}), "o".into(), "a".into()).is_err());
        let unknown = status_change(&json!({"status": "lost"}), "o".into(), "a".into());
        assert!(unknown.err().unwrap().0.details.contains_key("status"));
        assert!(
            status_change(
                &json!({"status": "x", "tracking": 1}),
                "o".into(),
                "a".into()
            )
            .is_err()
        );
    }
}
