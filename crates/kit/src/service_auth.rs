//! Who may call a service's gRPC port: another service of the shop. Every call between
//! services carries a short-lived credential signed with the shared service key
//! (`VICI_SERVICE_KEYS`), and one layer on every service's gRPC port checks it; the standard gRPC
//! health service stays open for probes. Calls between services of one process go in place and
//! are not checked. Without configured keys a process makes one of its own, so its ports
//! refuse every other process.
use std::sync::{Mutex, OnceLock};

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::{Error, ErrorCode};

/// The metadata (HTTP/2 header) that carries the credential.
pub const CREDENTIAL_METADATA: &str = "x-vici-service-credential";
/// How long a credential is good for; a caller renews it a minute before.
const LIFETIME_SECS: i64 = 300;
const RENEW_BEFORE_SECS: i64 = 60;
/// A credential claiming to live longer than this is refused (it was not minted here).
const MAX_AHEAD_SECS: i64 = LIFETIME_SECS + 60;
/// The shortest key accepted: 32 bytes of text.
pub const MIN_KEY_CHARS: usize = 32;
/// Paths that need no credential: the gRPC health service, for orchestrators' probes.
const OPEN_PREFIX: &str = "/grpc.health.v1.Health/";

static KEYRING: OnceLock<Keyring> = OnceLock::new();

/// The keys of this process: the first signs, every one verifies (so a new key can be rolled
/// out before it signs, and an old one retired after).
pub struct Keyring {
    keys: Vec<Vec<u8>>,
    /// Named in the credentials this process mints (for the logs of the callee).
    caller: String,
    minted: Mutex<Option<(String, i64)>>,
}

/// Sets this process's keys (`keys` from configuration; none: a random one of its own) and its
/// name as a caller. The first call wins: one process runs on one configuration.
pub fn install(keys: &[String], caller: &str) {
    let _ = KEYRING.set(Keyring::new(keys, caller));
}

/// This process's keyring ([`install`]ed, or a random key of its own when nothing was).
pub fn keyring() -> &'static Keyring {
    KEYRING.get_or_init(|| Keyring::new(&[], "vici"))
}

impl Keyring {
    fn new(keys: &[String], caller: &str) -> Self {
        let keys = match keys {
            [] => vec![rand::random::<[u8; 32]>().to_vec()],
            configured => configured.iter().map(|k| k.as_bytes().to_vec()).collect(),
        };
        let caller = caller
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        Self {
            keys,
            caller,
            minted: Mutex::new(None),
        }
    }

    /// A credential good for a few minutes more at `now` (unix seconds), minted anew when the
    /// last one is about to end.
    pub fn credential(&self, now: i64) -> String {
        let mut minted = self.minted.lock().unwrap_or_else(|e| e.into_inner());
        match minted.as_ref() {
            Some((credential, expires)) if expires - now > RENEW_BEFORE_SECS => credential.clone(),
            _ => {
                let expires = now + LIFETIME_SECS;
                let claim = format!("v1.{}.{expires}", self.caller);
                let credential = format!("{claim}.{}", hex(&sign(&self.keys[0], &claim)));
                *minted = Some((credential.clone(), expires));
                credential
            }
        }
    }

    /// The caller named by `credential` when one of the keys signed it and it is live at `now`.
    pub fn check(&self, credential: &str, now: i64) -> Result<String, &'static str> {
        let (claim, signature) = credential.rsplit_once('.').ok_or("malformed")?;
        let mut parts = claim.split('.');
        let (Some("v1"), Some(caller), Some(expires), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err("malformed");
        };
        let signature = unhex(signature).ok_or("malformed")?;
        let signed = self.keys.iter().any(|key| {
            let mut mac = mac(key);
            mac.update(claim.as_bytes());
            mac.verify_slice(&signature).is_ok()
        });
        if !signed {
            return Err("not signed with a service key");
        }
        let expires: i64 = expires.parse().map_err(|_| "malformed")?;
        if expires < now || expires > now + MAX_AHEAD_SECS {
            return Err("expired");
        }
        Ok(caller.to_string())
    }
}

fn mac(key: &[u8]) -> Hmac<Sha256> {
    Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length")
}

fn sign(key: &[u8], claim: &str) -> Vec<u8> {
    let mut mac = mac(key);
    mac.update(claim.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

/// The layer of every service's gRPC port: refuses a call without a valid credential with
/// `UNAUTHENTICATED`, before any handler runs.
pub async fn require_credential(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    if request.uri().path().starts_with(OPEN_PREFIX) {
        return next.run(request).await;
    }
    let credential = request
        .headers()
        .get(CREDENTIAL_METADATA)
        .and_then(|v| v.to_str().ok());
    let checked = match credential {
        Some(credential) => keyring().check(credential, crate::unix_now()),
        None => Err("missing"),
    };
    match checked {
        Ok(_) => next.run(request).await,
        Err(why) => {
            tracing::warn!(path = %request.uri().path(), why, "refused a call without a valid service credential");
            let refusal = Error::new(
                ErrorCode::Unauthorized,
                "Only the shop's services may call this port",
            );
            tonic::Status::from(refusal).into_http()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "an-old-service-key-of-32-chars-at-least";
    const NEW: &str = "a-new-service-key-of-32-chars-or-longer";

    #[test]
    fn a_credential_checks_under_any_key_of_the_ring_until_it_ends() {
        let old = Keyring::new(&[KEY.into()], "order");
        let credential = old.credential(1_000);
        assert_eq!(old.check(&credential, 1_000), Ok("order".to_string()));
        let rolling = Keyring::new(&[NEW.into(), KEY.into()], "cart");
        assert_eq!(rolling.check(&credential, 1_200), Ok("order".to_string()));
        assert_eq!(rolling.check(&credential, 1_301), Err("expired"));
        let other = Keyring::new(&[NEW.into()], "cart");
        assert_eq!(
            other.check(&credential, 1_000),
            Err("not signed with a service key")
        );
    }

    #[test]
    fn a_credential_is_reused_until_a_minute_before_it_ends() {
        let ring = Keyring::new(&[KEY.into()], "order");
        let first = ring.credential(1_000);
        assert_eq!(ring.credential(1_239), first);
        assert_ne!(ring.credential(1_241), first);
    }

    #[test]
    fn forged_and_malformed_credentials_are_refused() {
        let ring = Keyring::new(&[KEY.into()], "order");
        let good = ring.credential(1_000);
        let (claim, signature) = good.rsplit_once('.').unwrap();
        let longer = claim.replace("1300", "9999999999");
        for bad in [
            String::new(),
            "v1.order.1300".to_string(),
            format!("{longer}.{signature}"),
            format!("v2.order.1300.{signature}"),
            format!("{claim}.zz"),
            format!("{claim}.{}", &signature[2..]),
        ] {
            assert!(ring.check(&bad, 1_000).is_err(), "{bad}");
        }
        let far = Keyring::new(&[KEY.into()], "order").credential(5_000);
        assert_eq!(
            ring.check(&far, 1_000),
            Err("expired"),
            "minted in the future"
        );
    }

    #[test]
    fn without_configured_keys_a_process_trusts_only_itself() {
        let one = Keyring::new(&[], "up");
        let two = Keyring::new(&[], "up");
        assert!(two.check(&one.credential(1_000), 1_000).is_err());
        assert!(one.check(&one.credential(1_000), 1_000).is_ok());
    }
}
