//! Typed ids: UUIDs (v7 when made here) held in their canonical text form (lower case,
//! hyphenated), which is how every table stores them and every contract carries them. Parsing
//! happens once, where an id enters a service (a gRPC handler, a gateway path or body); inside,
//! a `ProductId` cannot be mistaken for an `OrderId`, nor for unchecked text.
use std::fmt;

use uuid::Uuid;
use vici_kit::{Error, Result};

/// A new UUIDv7 as text, for ids that have no type of their own (attempts, events, rows).
pub fn new_id() -> String {
    Uuid::now_v7().to_string()
}

/// What every typed id shares: the field name a caller knows it by, and how a missing one is
/// reported.
pub trait TypedId: Sized {
    /// The contract's name for the field (`productId`), used in validation errors.
    const FIELD: &'static str;
    /// The sentence a 404 says when no such thing exists.
    const NOT_FOUND: &'static str;

    /// Wraps text known to be a canonical UUID (read back from storage or made here).
    fn trusted(canonical: String) -> Self;

    fn as_str(&self) -> &str;

    /// A new id.
    fn generate() -> Self {
        Self::trusted(new_id())
    }

    /// Parses a caller's value; a 400 naming [`TypedId::FIELD`] when it is not a UUID.
    fn parse(raw: &str) -> Result<Self> {
        Self::parse_as(Self::FIELD, raw)
    }

    /// Parses a caller's value reported under `field` (e.g. `lines[2].productId`).
    fn parse_as(field: &str, raw: &str) -> Result<Self> {
        parse_id(field, raw).map(Self::trusted)
    }

    /// An optional value: absent or blank is `None`, anything else must be a UUID.
    fn parse_optional(raw: Option<&str>) -> Result<Option<Self>> {
        match raw.map(str::trim).filter(|r| !r.is_empty()) {
            Some(r) => Self::parse(r).map(Some),
            None => Ok(None),
        }
    }

    /// An id in a resource path: anything but a UUID names nothing, hence a 404.
    fn from_path(raw: &str) -> Result<Self> {
        canonical(raw)
            .map(Self::trusted)
            .ok_or_else(|| Error::not_found(Self::NOT_FOUND))
    }
}

/// An id whose kind has no type here yet, parsed to its canonical text; a 400 naming `field`.
pub fn parse_id(field: &str, raw: &str) -> Result<String> {
    canonical(raw).ok_or_else(|| Error::validation(field, format!("`{field}` must be a UUID")))
}

fn canonical(raw: &str) -> Option<String> {
    Uuid::parse_str(raw.trim()).ok().map(|u| u.to_string())
}

macro_rules! typed_ids {
    ($($(#[$doc:meta])* $name:ident => $field:literal, $not_found:literal;)*) => {$(
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl TypedId for $name {
            const FIELD: &'static str = $field;
            const NOT_FOUND: &'static str = $not_found;

            fn trusted(canonical: String) -> Self {
                Self(canonical)
            }

            fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        /// Read back from storage or a peer's JSON: a UUID, kept canonical; anything else is
        /// refused rather than trusted.
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
                let raw = String::deserialize(d)?;
                canonical(&raw)
                    .map(Self)
                    .ok_or_else(|| serde::de::Error::custom(format!("`{raw}` is not a UUID")))
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }

        impl PartialEq<$name> for String {
            fn eq(&self, other: &$name) -> bool {
                self == &other.0
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id.to_string())
            }
        }
    )*};
}

typed_ids! {
    /// A shopper's or an administrator's account.
    UserId => "userId", "User not found";
    ProductId => "productId", "Product not found";
    /// One variant (size, colour) of a product.
    VariantId => "variantId", "Variant not found";
    CategoryId => "categoryId", "Category not found";
    OrderId => "orderId", "Order not found";
    /// One line of a cart, stable for the line's life.
    CartLineId => "itemId", "Cart item not found";
    ReviewId => "reviewId", "Review not found";
    /// One of a user's saved addresses.
    AddressId => "addressId", "Address not found";
    CouponId => "couponId", "Coupon not found";
    /// One in-app notification in a user's inbox.
    NotificationId => "notificationId", "Notification not found";
    /// One message on one channel in the notification delivery log.
    DeliveryId => "deliveryId", "Delivery not found";
}

#[cfg(test)]
mod tests {
    use super::*;
    use vici_kit::ErrorCode;

    #[test]
    fn ids_are_kept_canonical() {
        let raw = "  0191E3C1-7A2B-7C3D-8E4F-A1B2C3D4E5F6 ";
        let id = ProductId::parse(raw).unwrap();
        assert_eq!(id.as_str(), "0191e3c1-7a2b-7c3d-8e4f-a1b2c3d4e5f6");
        assert_eq!(ProductId::from_path(raw).unwrap(), id);
        assert_eq!(OrderId::generate().as_str().len(), 36);
    }

    #[test]
    fn bad_ids_are_a_400_in_a_body_and_a_404_in_a_path() {
        let err = ProductId::parse("headphones").unwrap_err();
        assert_eq!(err.code, ErrorCode::Validation);
        assert!(err.details.contains_key("productId"));
        let err = ProductId::parse_as("lines[2].productId", "x").unwrap_err();
        assert!(err.details.contains_key("lines[2].productId"));
        let err = OrderId::from_path("VS-100001").unwrap_err();
        assert_eq!(
            (err.code, err.message.as_str()),
            (ErrorCode::NotFound, "Order not found")
        );
        assert_eq!(VariantId::parse_optional(Some(" ")).unwrap(), None);
        assert!(VariantId::parse_optional(Some("nope")).is_err());
    }

    #[test]
    fn ids_read_from_json_are_checked_and_canonical() {
        let id: OrderId = serde_json::from_str("\"0191E3C1-7A2B-7C3D-8E4F-A1B2C3D4E5F6\"").unwrap();
        assert_eq!(id.as_str(), "0191e3c1-7a2b-7c3d-8e4f-a1b2c3d4e5f6");
        assert_eq!(serde_json::to_string(&id).unwrap(), format!("\"{id}\""));
        assert!(serde_json::from_str::<OrderId>("\"VS-1\"").is_err());
    }
}
