//! The cart service's pure rules: the catalogue's answer (`catalogue`), line changes and their
//! limits (`cart`), how a cart is priced and shown (`view`), and coupon editing (`coupon`).
//! Nothing here touches I/O.
pub mod cart;
pub mod catalogue;
pub mod coupon;
pub mod view;

use vici_kit::Result;
use vici_kit::ids::parse_id;

/// An id a caller sends; anything but a UUID is a bad request naming `field`. Returned in the
/// canonical lower-case form, so one id is always stored as one text.
pub fn id(field: &str, raw: &str) -> Result<String> {
    Ok(parse_id(field, raw)?.to_string())
}

/// An optional variant id: absent or empty is the product itself (stored as '').
pub fn variant_id(raw: Option<&str>) -> Result<String> {
    match raw.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(String::new()),
        Some(v) => id("variantId", v),
    }
}

pub const DEFAULT_PAGE_LIMIT: u32 = 20;
pub const MAX_PAGE_LIMIT: u32 = 100;

/// A page of a list: `page` from 1 (0 means the first), `limit` 0 means the default, anything
/// above the maximum is clamped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    pub page: u32,
    pub limit: u32,
}

impl Page {
    pub fn new(page: u32, limit: u32) -> Self {
        let limit = match limit {
            0 => DEFAULT_PAGE_LIMIT,
            n => n.min(MAX_PAGE_LIMIT),
        };
        Self {
            page: page.max(1),
            limit,
        }
    }

    pub fn offset(self) -> i64 {
        (i64::from(self.page) - 1) * i64::from(self.limit)
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

    #[test]
    fn pages_default_and_clamp() {
        assert_eq!(Page::new(0, 0), Page { page: 1, limit: 20 });
        assert_eq!(Page::new(3, 500).limit, 100);
        assert_eq!(Page::new(3, 10).offset(), 20);
    }
}
