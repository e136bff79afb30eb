//! Opaque tokens (refresh, password reset, email verification) and access-token claims.
//! Opaque tokens are 32 random bytes in base64url, kept only as their SHA-256 so a leaked
//! database holds nothing a caller could present.
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use hmac::{Hmac, Mac as _};
use sha2::{Digest as _, Sha256};
use vici_identity::{ACCESS_TTL_SECS, AUDIENCE, Claims, ISSUER};

/// How long a refresh token lives; each rotation starts a new 7 days.
pub const REFRESH_TTL: Duration = Duration::from_secs(7 * 24 * 3600);
/// How long after a rotation the rotated token may be presented again and get the same new
/// pair: the storefront refreshes twice at once when two requests fail together.
pub const REFRESH_GRACE: Duration = Duration::from_secs(30);
/// How long a password-reset link works.
pub const RESET_TTL: Duration = Duration::from_secs(3600);
/// How long an email-verification link works.
pub const VERIFY_TTL: Duration = Duration::from_secs(24 * 3600);
/// Longest opaque token accepted as input; ours are 43 characters.
pub const MAX_TOKEN_CHARS: usize = 200;

pub fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// A new opaque token.
pub fn random() -> String {
    B64.encode(rand::random::<[u8; 32]>())
}

/// How a token is stored and looked up: lower-case SHA-256 hex.
pub fn digest(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The refresh token that replaces `token` on rotation. Derived rather than random so a
/// second refresh with the same old token (inside the grace window) can hand out the very
/// same new token without it ever being stored in the clear.
pub fn successor(secret: &[u8; 32], token: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(token.as_bytes());
    B64.encode(mac.finalize().into_bytes())
}

/// Who an access token is for.
pub struct Subject<'a> {
    pub user_id: &'a str,
    pub email: &'a str,
    pub role: &'a str,
}

/// The claims of an access token of session `sid`, issued at `iat` (unix seconds) under the
/// account's token version `ver`.
pub fn claims(who: &Subject<'_>, sid: &str, jti: &str, iat: i64, ver: i64) -> Claims {
    Claims {
        sub: who.user_id.to_string(),
        email: who.email.to_string(),
        role: who.role.to_string(),
        sid: sid.to_string(),
        jti: jti.to_string(),
        ver,
        iat,
        exp: iat + ACCESS_TTL_SECS,
        iss: ISSUER.to_string(),
        aud: AUDIENCE.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_43_chars_and_digests_are_hex() {
        let t = random();
        assert_eq!(t.len(), 43);
        assert_ne!(t, random());
        let d = digest(&t);
        assert_eq!(d.len(), 64);
        assert!(
            d.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
    }

    #[test]
    fn successors_are_stable_per_secret() {
        let a = successor(&[1; 32], "tok");
        assert_eq!(a, successor(&[1; 32], "tok"));
        assert_ne!(a, successor(&[2; 32], "tok"));
        assert_ne!(a, successor(&[1; 32], "tok2"));
        assert_eq!(a.len(), 43);
    }
}
