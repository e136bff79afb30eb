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

/// Every access token of one user issued before the stored unix second (value as ASCII
/// digits), denied for [`ENTRY_TTL_SECS`]: deactivation, password reset, role change.
pub fn user_key(sub: &str) -> String {
    format!("auth:nbf:{sub}")
}

/// The three keys that decide whether `claims` is revoked, in the order
/// [`is_revoked`] expects their values.
pub fn keys_for(claims: &Claims) -> [String; 3] {
    [
        token_key(&claims.jti),
        session_key(&claims.sid),
        user_key(&claims.sub),
    ]
}

/// Whether the values read for [`keys_for`] deny `claims`. A token issued in the very second
/// of a user-wide revocation stays valid: tokens minted right after it (a role change makes
/// the client refresh at once) must work, and `iat` has one-second resolution.
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
        .is_some_and(|not_before| claims.iat < not_before)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(iat: i64) -> Claims {
        Claims {
            sub: "u".into(),
            email: "e".into(),
            role: "customer".into(),
            sid: "s".into(),
            jti: "j".into(),
            iat,
            exp: iat + ACCESS_TTL_SECS,
            iss: crate::ISSUER.into(),
            aud: crate::AUDIENCE.into(),
        }
    }

    #[test]
    fn each_entry_denies_what_it_names() {
        let c = claims(100);
        assert_eq!(
            keys_for(&c),
            ["auth:deny:jti:j", "auth:deny:sid:s", "auth:nbf:u"]
        );
        assert!(!is_revoked(&c, &[None, None, None]));
        assert!(is_revoked(&c, &[Some(b"1".to_vec()), None, None]));
        assert!(is_revoked(&c, &[None, Some(b"1".to_vec()), None]));
        assert!(is_revoked(&c, &[None, None, Some(b"101".to_vec())]));
        assert!(!is_revoked(&c, &[None, None, Some(b"100".to_vec())]));
        assert!(!is_revoked(&c, &[None, None, Some(b"garbage".to_vec())]));
    }
}
