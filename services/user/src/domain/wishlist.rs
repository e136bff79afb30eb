//! Wishlist rules: what an entry is and how its pages are cut.
use vici_kit::Error;

/// A product a user saved, with when they saved it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub id: String,
    pub user_id: String,
    pub product_id: String,
    pub added_at: i64,
}

pub const DEFAULT_LIMIT: u32 = 20;
pub const MAX_LIMIT: u32 = 100;

/// A page of the contract: `page` counts from 1 (0 means the first), `limit` 0 means the
/// default and anything above [`MAX_LIMIT`] is clamped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    pub page: u32,
    pub limit: u32,
}

impl Page {
    pub fn new(page: u32, limit: u32) -> Page {
        let limit = match limit {
            0 => DEFAULT_LIMIT,
            n => n.min(MAX_LIMIT),
        };
        Page {
            page: page.max(1),
            limit,
        }
    }

    pub fn offset(self) -> i64 {
        (i64::from(self.page) - 1) * i64::from(self.limit)
    }
}

pub fn duplicate() -> Error {
    Error::conflict("This product is already in your wishlist")
        .with_detail("productId", "This product is already in your wishlist")
}

pub fn no_such_product() -> Error {
    Error::not_found("No such product")
}

pub fn not_in_wishlist() -> Error {
    Error::not_found("This product is not in your wishlist")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_default_and_clamp() {
        assert_eq!(Page::new(0, 0), Page { page: 1, limit: 20 });
        assert_eq!(
            Page::new(3, 500),
            Page {
                page: 3,
                limit: 100
            }
        );
        assert_eq!(Page::new(3, 10).offset(), 20);
    }
}
