//! Saved addresses: the per-user limit and how the default moves. What each field accepts is
//! the shop's one postal-address rule (`vici_types::address`), shared with the order's
//! snapshots. The store keeps the "exactly one default while any exist" invariant with these
//! decisions.
use vici_kit::{Error, Result};
use vici_types::{AddressId, PostalAddress, TypedId as _};

/// Most addresses one user may keep; the next create is refused with a conflict.
pub const MAX_ADDRESSES: i64 = 10;

pub fn limit_reached() -> Error {
    Error::conflict(format!("You can have at most {MAX_ADDRESSES} addresses"))
        .with_detail("limit", MAX_ADDRESSES)
}

pub fn not_found() -> Error {
    Error::not_found(AddressId::NOT_FOUND)
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Address {
    pub id: String,
    pub user_id: String,
    pub fields: PostalAddress,
    pub is_default: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Whether an update makes the address the default. Unsetting the current default is refused:
/// the user would be left without one, so another address must be made the default instead.
pub fn becomes_default(is_default_now: bool, wanted: Option<bool>) -> Result<bool> {
    match wanted {
        Some(false) if is_default_now => Err(Error::validation(
            "isDefault",
            "To change your default address, make another address the default",
        )),
        Some(true) => Ok(!is_default_now),
        _ => Ok(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_moves_only_forwards() {
        assert!(becomes_default(true, Some(false)).is_err());
        assert!(!becomes_default(true, Some(true)).unwrap());
        assert!(becomes_default(false, Some(true)).unwrap());
        assert!(!becomes_default(false, Some(false)).unwrap());
        assert!(!becomes_default(false, None).unwrap());
    }
}
