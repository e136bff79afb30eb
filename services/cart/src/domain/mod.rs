//! The cart service's pure rules: the catalogue's answer (`catalogue`), line changes and their
//! limits (`cart`), how a cart is priced and shown (`view`), and coupon editing (`coupon`).
//! Nothing here touches I/O.
pub mod cart;
pub mod catalogue;
pub mod coupon;
pub mod view;

use vici_kit::Result;
use vici_types::ids::parse_id;

/// An id a caller sends; anything but a UUID is a bad request naming `field`. Returned in the
/// canonical lower-case form, so one id is always stored as one text.
pub fn id(field: &str, raw: &str) -> Result<String> {
    Ok(parse_id(field, raw)?)
}

/// An optional variant id: absent or empty is the product itself (stored as '').
pub fn variant_id(raw: Option<&str>) -> Result<String> {
    match raw.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(String::new()),
        Some(v) => id("variantId", v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_canonical_uuids_and_variants_optional() {
        let u = uuid::Uuid::now_v7();
        assert_eq!(
            id("userId", &u.to_string().to_uppercase()).unwrap(),
            u.to_string()
        );
        assert!(
            id("productId", "1 OR 1=1")
                .unwrap_err()
                .details
                .contains_key("productId")
        );
        assert_eq!(variant_id(None).unwrap(), "");
        assert_eq!(variant_id(Some(" ")).unwrap(), "");
        assert!(variant_id(Some("nope")).is_err());
    }
}
