//! Ids a caller names: the caller's own user id and ids in paths. (What people type into the
//! service's forms is checked by the shop's shared rules, `vici_types::text` and
//! `vici_types::address`, collected by `vici_kit::Problems`.)
use uuid::Uuid;
use vici_kit::Result;

/// The caller's user id; the gateway always sends the authenticated user's UUID, so anything
/// else is a bad request rather than an unknown user.
pub fn user_id(value: &str) -> Result<String> {
    vici_types::ids::parse_id("userId", value)
}

/// An id taken from a path: a malformed one cannot name anything, so it is simply not found.
pub fn path_id(value: &str) -> Option<String> {
    Uuid::parse_str(value.trim()).ok().map(|u| u.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_uuids() {
        assert!(user_id("nope").is_err());
        assert_eq!(path_id("x'; --"), None);
        let id = uuid::Uuid::now_v7().to_string();
        assert_eq!(path_id(&format!(" {id} ")), Some(id));
    }
}
