//! Tokens whose signature already verified, kept until they expire: the Ed25519 check is most
//! of what authentication costs per request (measured in bench/RESULTS.md), and the storefront
//! sends the same token on every request for fifteen minutes. Only the signature work is
//! remembered; expiry is rechecked and the deny-list is read on every request.
use std::collections::HashMap;
use std::sync::RwLock;

use vici_identity::Claims;

/// Bounds memory (a token is ~500 bytes, its claims about as much): past this many, expired
/// entries go, and if that is not enough, all of them.
const MAX_ENTRIES: usize = 20_000;

#[derive(Default)]
pub struct VerifiedTokens {
    entries: RwLock<HashMap<String, Claims>>,
}

impl VerifiedTokens {
    /// The claims of `token` if it verified before and has not expired at `now`.
    pub fn get(&self, token: &str, now: i64) -> Option<Claims> {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        entries
            .get(token)
            .filter(|claims| now < claims.exp + vici_identity::LEEWAY_SECS)
            .cloned()
    }

    pub fn clear(&self) {
        self.entries
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    pub fn insert(&self, token: &str, claims: Claims, now: i64) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, c| now < c.exp + vici_identity::LEEWAY_SECS);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(token.to_string(), claims);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: i64) -> Claims {
        Claims {
            sub: "u".into(),
            email: "e".into(),
            role: "customer".into(),
            sid: "s".into(),
            jti: "j".into(),
            iat: exp - 900,
            exp,
            iss: vici_identity::ISSUER.into(),
            aud: vici_identity::AUDIENCE.into(),
            ver: 0,
        }
    }

    #[test]
    fn entries_answer_until_expiry_and_the_map_stays_bounded() {
        let cache = VerifiedTokens::default();
        cache.insert("t", claims(1_000), 100);
        assert_eq!(cache.get("t", 500).map(|c| c.exp), Some(1_000));
        assert!(cache.get("t", 1_000 + vici_identity::LEEWAY_SECS).is_none());
        assert!(cache.get("other", 500).is_none());
        for i in 0..MAX_ENTRIES + 5 {
            cache.insert(&format!("k{i}"), claims(1_000), 100);
        }
        assert!(cache.entries.read().unwrap().len() <= MAX_ENTRIES);
    }
}
