//! The order as stored and shown: its item and address snapshots, totals, tracking and history
//! entries, and the checks on what a shopper or admin sends (payment method, addresses — by the
//! shop's one postal-address rule — and tracking). Pure: no I/O.
use serde::{Deserialize, Serialize};
use vici_kit::{Error, Result};
use vici_types::{AddressId, OrderId, PostalAddress, ProductId, UserId, VariantId};

use super::status::{OrderStatus, PaymentStatus};

/// Cash is collected by the courier: nothing is authorised at checkout.
pub const CASH_ON_DELIVERY: &str = "cash_on_delivery";
pub const SYSTEM: &str = "system";
pub const MAX_TRACKING_FIELD: usize = 200;

/// The order's lines as the cart showed them when it was placed; never re-priced.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Item {
    pub id: String,
    pub product_id: ProductId,
    pub variant_id: Option<VariantId>,
    pub name: String,
    pub image: String,
    pub sku: String,
    pub product_slug: String,
    pub quantity: i64,
    pub unit_price_cents: i64,
    pub original_price_cents: Option<i64>,
}

impl Item {
    pub fn total_cents(&self) -> i64 {
        self.unit_price_cents * self.quantity
    }
}

/// An address as the order keeps it: the postal address (checked by the shop's one rule) and
/// the saved address it was copied from, when it was one. Stored in the draft as one JSON
/// object, the address's fields beside `id`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Address {
    #[serde(flatten)]
    pub postal: PostalAddress,
    pub id: Option<AddressId>,
}

impl Address {
    /// The address checked whole and normalised; every bad field is reported together, as
    /// `<prefix>.<field>`.
    pub fn checked(self, prefix: &str) -> Result<Self> {
        Ok(Self {
            postal: self.postal.checked(prefix)?,
            id: self.id,
        })
    }
}

/// Known test methods, cash, or any other `pm_…` id the payment provider will judge.
pub fn check_payment_method(method: &str) -> Result<()> {
    let ok = method == CASH_ON_DELIVERY
        || method.strip_prefix("pm_").is_some_and(|rest| {
            !rest.is_empty()
                && rest.len() <= 200
                && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        });
    if ok {
        Ok(())
    } else {
        Err(Error::validation(
            "paymentMethod",
            "`paymentMethod` must be a card payment method (pm_…) or cash_on_delivery",
        ))
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tracking {
    pub carrier: String,
    pub tracking_number: String,
    pub url: String,
    pub shipped_at: Option<i64>,
    pub estimated_delivery: Option<String>,
}

impl Tracking {
    pub fn check(&self) -> Result<()> {
        for (field, value) in [
            ("tracking.carrier", &self.carrier),
            ("tracking.trackingNumber", &self.tracking_number),
        ] {
            if value.trim().is_empty() {
                return Err(Error::validation(
                    field,
                    "Shipping needs a carrier and a tracking number",
                ));
            }
            if value.chars().count() > MAX_TRACKING_FIELD {
                return Err(Error::validation(
                    field,
                    format!("At most {MAX_TRACKING_FIELD} characters"),
                ));
            }
        }
        if let Some(d) = &self.estimated_delivery
            && !d.is_empty()
            && chrono::DateTime::parse_from_rfc3339(d).is_err()
            && chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_err()
        {
            return Err(Error::validation(
                "tracking.estimatedDelivery",
                "`estimatedDelivery` must be a date (YYYY-MM-DD) or an RFC 3339 time",
            ));
        }
        Ok(())
    }
}

/// Money of one order, as `vici_pricing::checkout_totals` computed it at checkout.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Totals {
    pub subtotal_cents: i64,
    pub discount_cents: i64,
    pub shipping_cents: i64,
    pub tax_cents: i64,
    pub total_cents: i64,
    pub savings_cents: i64,
}

impl From<vici_pricing::Totals> for Totals {
    fn from(t: vici_pricing::Totals) -> Self {
        Self {
            subtotal_cents: t.subtotal_cents,
            discount_cents: t.discount_cents,
            shipping_cents: t.shipping_cents,
            tax_cents: t.tax_cents,
            total_cents: t.total_cents,
            savings_cents: t.savings_cents,
        }
    }
}

/// What checkout decided before the order row exists: kept on the saga record so a resumed
/// saga writes exactly this order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Draft {
    pub user_email: String,
    pub items: Vec<Item>,
    /// The cart lines ordered, for ClearCart (a line added meanwhile stays).
    pub cart_item_ids: Vec<String>,
    pub totals: Totals,
    pub currency: String,
    pub shipping_address: Address,
    pub billing_address: Option<Address>,
    pub payment_method: String,
    pub payment_intent_id: Option<String>,
    pub coupon_code: Option<String>,
    pub session_id: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Order {
    pub id: OrderId,
    pub order_number: String,
    pub user_id: UserId,
    pub status: OrderStatus,
    pub payment_status: PaymentStatus,
    pub payment_id: Option<String>,
    pub tracking: Option<Tracking>,
    pub status_reason: Option<String>,
    pub draft: Draft,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Order {
    pub fn is_cash(&self) -> bool {
        self.draft.payment_method == CASH_ON_DELIVERY
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct HistoryEntry {
    pub status: OrderStatus,
    pub note: String,
    pub at: i64,
    pub by: String,
}

/// `VS-100001`: how a counter value is shown.
pub fn order_number(counter: i64) -> String {
    format!("VS-{counter}")
}

#[cfg(test)]
mod tests {
    use vici_types::TypedId as _;

    use super::*;

    #[test]
    fn addresses_are_checked_under_their_name_and_keep_their_saved_id() {
        let saved = AddressId::generate();
        let mut a = Address {
            postal: PostalAddress {
                first_name: "Ada".into(),
                last_name: "Lovelace".into(),
                address_line1: "1 Analytical St".into(),
                city: "London".into(),
                state: "LDN".into(),
                postal_code: "N1".into(),
                country: "gb".into(),
                phone: "+44 20 7946 0000".into(),
                ..PostalAddress::default()
            },
            id: Some(saved.clone()),
        };
        let ok = a.clone().checked("shippingAddress").unwrap();
        assert_eq!((ok.postal.country.as_str(), ok.id), ("GB", Some(saved)));
        a.postal.city = " ".into();
        a.postal.phone = String::new();
        let e = a.checked("shippingAddress").unwrap_err();
        let fields: Vec<&str> = e.details.keys().map(String::as_str).collect();
        assert_eq!(fields, ["shippingAddress.city", "shippingAddress.phone"]);
    }

    #[test]
    fn addresses_stored_before_read_back() {
        let stored = r#"{"firstName":"Ada","lastName":"L","addressLine1":"1 St","addressLine2":null,
            "city":"London","state":"LDN","postalCode":"N1","country":"GB","phone":"","id":null}"#;
        let a: Address = serde_json::from_str(stored).unwrap();
        assert_eq!((a.postal.city.as_str(), &a.id), ("London", &None));
        let again: Address = serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
        assert_eq!(again, a);
    }

    #[test]
    fn payment_methods_are_pm_ids_or_cash() {
        for ok in [
            "pm_card_visa",
            "pm_card_chargeDeclined",
            "cash_on_delivery",
            "pm_1Abc",
        ] {
            assert!(check_payment_method(ok).is_ok(), "{ok}");
        }
        for bad in ["", "pm_", "visa", "cash", "pm_x y", "PM_card_visa"] {
            let e = check_payment_method(bad).unwrap_err();
            assert!(e.details.contains_key("paymentMethod"), "{bad}");
        }
    }

    #[test]
    fn tracking_needs_carrier_and_number() {
        let mut t = Tracking {
            carrier: "UPS".into(),
            tracking_number: "1Z".into(),
            ..Tracking::default()
        };
        assert!(t.check().is_ok());
        t.estimated_delivery = Some("soon".into());
        assert!(t.check().is_err());
        t.estimated_delivery = Some("2026-05-01".into());
        assert!(t.check().is_ok());
        t.tracking_number = String::new();
        assert!(t.check().is_err());
        assert_eq!(order_number(100001), "VS-100001");
    }
}
