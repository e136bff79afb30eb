//! The shared deny-list that makes an access token stop working before it expires. The auth
//! service writes these cache keys (logout, reuse detection, password reset, deactivation,
//! role change); the gateway reads all three in one round trip per authenticated request.
//! Every entry expires by itself once no token it could deny is still alive.
use crate::{ACCESS_TTL_SECS, Claims, LEEWAY_SECS};

/// How long a session or user entry must live: as long as the youngest token it denies.
pub const ENTRY_TTL_SECS: i64 = ACCESS_TTL_SECS + LEEWAY_SECS;

/// One access token, denied until its own `exp` (logout).
pub fn token_key(jti: &str) -> String {
    format!("auth:deny:jti:{jti}")
}

/// Every access token of one session (refresh-token family), denied for [`ENTRY_TTL_SECS`].
pub fn session_key(sid: &str) -> String {
    format!("auth:deny:sid:{sid}")
}

/// The account's current token version (value as ASCII digits), kept for [`ENTRY_TTL_SECS`]:
/// every access token of the user whose `ver` is lower is denied. The auth service bumps the
/// version in the same transaction as a deactivation, password reset or role change, and
/// stamps every token it mints with the version it read in the transaction that minted it.
///
/// Named apart from the unix-second cut-off (`auth:nbf:`) it replaces, so an entry of the old
/// kind is never read as a version.
pub fn user_key(sub: &str) -> String {
    format!("{USER_KEY_PREFIX}{sub}")
}

/// What every [`user_key`] starts with.
pub const USER_KEY_PREFIX: &str = "auth:ver:";

/// Present, without expiry, while the cache holds the deny-list: the auth service sets it once
/// every recorded entry is written, so a cache that restarted empty lacks it until the list is
/// back, and no token is trusted in between.
pub const LOADED_KEY: &str = "auth:deny:loaded";

/// The keys that decide whether `claims` is revoked, in the order [`is_revoked`] and
/// [`is_loaded`] expect their values: the three entries, then [`LOADED_KEY`].
pub fn keys_for(claims: &Claims) -> [String; 4] {
    [
        token_key(&claims.jti),
        session_key(&claims.sid),
        user_key(&claims.sub),
        LOADED_KEY.to_string(),
    ]
}

/// Whether the values read for [`keys_for`] come from a cache that holds the deny-list.
pub fn is_loaded(values: &[Option<Vec<u8>>]) -> bool {
    values.get(3).is_some_and(Option::is_some)
}

/// Whether the values read for [`keys_for`] deny `claims`: a token or session entry is
/// present, or the user entry holds a version above the token's `ver`. Versions, unlike issue
/// times, order tokens exactly: one minted in the very second of a role change is denied if it
/// was minted before the change and accepted if after. A user value that is not an integer
/// denies nothing.
pub fn is_revoked(claims: &Claims, values: &[Option<Vec<u8>>]) -> bool {
    let present = |i: usize| values.get(i).is_some_and(Option::is_some);
    if present(0) || present(1) {
        return true;
    }
    values
        .get(2)
        .and_then(|v| v.as_deref())
        .and_then(|v| std::str::from_utf8(v).ok())
        .and_then(|v| v.parse::<i64>().ok())
        .is_some_and(|current| claims.ver < current)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(iat: i64, ver: i64) -> Claims {
        Claims {
            sub: "u".into(),
            email: "e".into(),
            role: "customer".into(),
            sid: "s".into(),
            jti: "j".into(),
            ver,
            iat,
            exp: iat + ACCESS_TTL_SECS,
            iss: crate::ISSUER.into(),
            aud: crate::AUDIENCE.into(),
        }
    }

    fn user(value: &str) -> [Option<Vec<u8>>; 3] {
        [None, None, Some(value.as_bytes().to_vec())]
    }

    #[test]
    fn each_entry_denies_what_it_names() {
        let c = claims(100, 4);
        assert_eq!(
            keys_for(&c),
            [
                "auth:deny:jti:j",
                "auth:deny:sid:s",
                "auth:ver:u",
                "auth:deny:loaded"
            ]
        );
        assert!(!is_revoked(&c, &[None, None, None]));
        assert!(!is_revoked(&c, &[]), "nothing read, nothing denied");
        assert!(is_revoked(&c, &[Some(b"1".to_vec()), None, None]));
        assert!(is_revoked(&c, &[None, Some(b"1".to_vec()), None]));
        assert!(is_revoked(&c, &user("5")), "an older version");
        assert!(!is_revoked(&c, &user("4")), "the current version");
        assert!(!is_revoked(&c, &user("3")));
        assert!(!is_revoked(&c, &user("garbage")));
        assert!(!is_revoked(&c, &user(" 5")), "not ASCII digits");
    }

    #[test]
    fn the_list_counts_only_when_the_cache_holds_it() {
        let marked = |v: Option<&[u8]>| [None, None, None, v.map(<[u8]>::to_vec)];
        assert!(is_loaded(&marked(Some(b"1"))));
        assert!(!is_loaded(&marked(None)));
        assert!(!is_loaded(&[]), "nothing read");
    }

    #[test]
    fn versions_order_tokens_minted_in_the_same_second() {
        // A role change bumps the version 0 -> 1 at second 100: the token minted earlier in that
        // second is denied, the one minted (by refresh) after it is accepted.
        let before = claims(100, 0);
        let after = claims(100, 1);
        assert!(is_revoked(&before, &user("1")));
        assert!(!is_revoked(&after, &user("1")));
    }

    #[test]
    fn an_older_version_is_denied_whatever_its_seconds() {
        // Issue times no longer matter: a token of an old version is denied even when its
        // `iat` is later than the change (a refresh that read the account before the change).
        for iat in [90, 100, 110] {
            assert!(is_revoked(&claims(iat, 2), &user("3")), "iat {iat}");
            assert!(!is_revoked(&claims(iat, 3), &user("3")), "iat {iat}");
        }
        // Tokens minted before versions existed carry 0 and fall to the first bump.
        assert!(is_revoked(&claims(100, 0), &user("1")));
        assert!(!is_revoked(&claims(100, 0), &user("0")));
    }
}
