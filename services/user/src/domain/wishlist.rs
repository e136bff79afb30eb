//! Wishlist rules: what an entry is and the errors a wishlist answers.
use vici_kit::Error;

/// A product a user saved, with when they saved it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub id: String,
    pub user_id: String,
    pub product_id: String,
    pub added_at: i64,
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
