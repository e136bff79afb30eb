//! Identifiers: UUIDv7 everywhere, with deterministic ones for seed data so every service derives
//! the same id for the same seeded thing without talking to the others.
use uuid::Uuid;

pub fn new_id() -> Uuid {
    Uuid::now_v7()
}

/// A valid UUIDv7 whose timestamp is `unix_ms` and whose random bits come from hashing `key`.
/// Seeding is idempotent because the same key always yields the same id.
pub fn seeded_id(unix_ms: u64, key: &str) -> Uuid {
    // FNV-1a, twice with different offsets, for 128 bits of stable pseudo-randomness.
    fn fnv(seed: u64, key: &str) -> u64 {
        key.bytes()
            .fold(seed, |h, b| (h ^ b as u64).wrapping_mul(0x100000001b3))
    }
    let hi = fnv(0xcbf29ce484222325, key);
    let lo = fnv(0x84222325cbf29ce4, key);
    let mut bytes = [0u8; 16];
    bytes[..6].copy_from_slice(&unix_ms.to_be_bytes()[2..]);
    bytes[6..14].copy_from_slice(&hi.to_be_bytes());
    bytes[14..].copy_from_slice(&lo.to_be_bytes()[..2]);
    bytes[6] = (bytes[6] & 0x0f) | 0x70; // version 7
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
    Uuid::from_bytes(bytes)
}

/// Parses an id given by a caller, naming the field when it is not a UUID.
pub fn parse_id(field: &str, value: &str) -> crate::Result<Uuid> {
    Uuid::parse_str(value.trim())
        .map_err(|_| crate::Error::validation(field, format!("`{field}` must be a UUID")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_ids_are_stable_v7() {
        let a = seeded_id(1_700_000_000_000, "product:macbook");
        assert_eq!(a, seeded_id(1_700_000_000_000, "product:macbook"));
        assert_ne!(a, seeded_id(1_700_000_000_000, "product:iphone"));
        assert_eq!(a.get_version_num(), 7);
    }
}
