//! Password hashing: Argon2id for everything new, bcrypt accepted for imported hashes (the
//! seed's demo users) and upgraded on the next successful login.
//!
//! Parameters are OWASP's current minimum for Argon2id: **m = 19456 KiB (19 MiB), t = 2
//! iterations, p = 1 lane**, a 16-byte random salt and a 32-byte output, stored as a PHC
//! string (`$argon2id$v=19$m=19456,t=2,p=1$…`). Each hash holds 19 MiB for tens of
//! milliseconds, so hashing runs on the blocking pool behind a semaphore with one permit per
//! CPU: a burst of logins queues instead of exhausting memory or starving the async workers.
use std::sync::Arc;

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;
use vici_kit::{Error, Result};

const M_COST_KIB: u32 = 19_456;
const T_COST: u32 = 2;
const P_COST: u32 = 1;

fn argon2() -> Argon2<'static> {
    let params = Params::new(M_COST_KIB, T_COST, P_COST, None).expect("constant parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// What checking a password against a stored hash found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    pub matches: bool,
    /// The hash is not Argon2id with the current parameters: store a fresh one.
    pub needs_rehash: bool,
}

/// Hashes and verifies passwords off the async workers, a bounded number at a time.
#[derive(Clone)]
pub struct Passwords {
    permits: Arc<Semaphore>,
    /// An Argon2id hash of a random password: an unknown email is verified against it so it
    /// costs the same time as a known one (no timing oracle for which emails exist).
    dummy: Arc<str>,
}

impl Passwords {
    pub async fn new() -> Result<Self> {
        let permits = std::thread::available_parallelism().map_or(2, |n| n.get());
        let mut this = Self {
            permits: Arc::new(Semaphore::new(permits)),
            dummy: Arc::from(""),
        };
        let random: [u8; 16] = rand::random();
        let secret = base64_url(&random);
        this.dummy = Arc::from(this.hash(&secret).await?);
        Ok(this)
    }

    /// A new Argon2id PHC string for `password`.
    pub async fn hash(&self, password: &str) -> Result<String> {
        let password = password.to_string();
        self.blocking(move || {
            let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>())
                .map_err(|e| anyhow::anyhow!("salt: {e}"))?;
            argon2()
                .hash_password(password.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
        })
        .await
    }

    /// Checks `password` against a stored Argon2 or bcrypt hash. A hash in neither form
    /// never matches (and is logged: it means bad data, not a bad password).
    pub async fn verify(&self, password: &str, stored: &str) -> Result<Verified> {
        let password = password.to_string();
        let stored = stored.to_string();
        self.blocking(move || Ok(verify_now(&password, &stored)))
            .await
    }

    /// Spends one Argon2 verification for a sign-in attempt whose email is unknown.
    pub async fn verify_dummy(&self, password: &str) -> Result<()> {
        let dummy = self.dummy.clone();
        self.verify(password, &dummy).await.map(|_| ())
    }

    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
    ) -> Result<T> {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| Error::unavailable("The service is shutting down"))?;
        // The permit travels with the work: a caller that gives up (a dropped request) does
        // not free it while the hash is still being computed.
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work()
        })
        .await
        .map_err(Error::internal)?
        .map_err(Error::internal)
    }
}

fn verify_now(password: &str, stored: &str) -> Verified {
    let no = Verified {
        matches: false,
        needs_rehash: false,
    };
    if is_bcrypt(stored) {
        return match bcrypt::verify(password, stored) {
            Ok(matches) => Verified {
                matches,
                needs_rehash: true,
            },
            Err(e) => {
                tracing::warn!(error = %e, "stored bcrypt hash is unreadable");
                no
            }
        };
    }
    let Ok(parsed) = PasswordHash::new(stored) else {
        tracing::warn!("stored password hash is in no known format");
        return no;
    };
    // The parameters recorded in the hash are the ones to verify with; any difference from
    // today's (an older, weaker setting) asks for a rehash.
    let current = parsed.algorithm.as_str() == "argon2id"
        && Params::try_from(&parsed).is_ok_and(|p| {
            p.m_cost() == M_COST_KIB && p.t_cost() == T_COST && p.p_cost() == P_COST
        });
    let matches = Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok();
    Verified {
        matches,
        needs_rehash: !current,
    }
}

fn is_bcrypt(hash: &str) -> bool {
    ["$2a$", "$2b$", "$2y$"].iter().any(|p| hash.starts_with(p))
}

fn base64_url(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The seed's demo hash of `password123`.
    const DEMO_BCRYPT: &str = "$2b$10$1hymA9s2gUrHOh3FV3EghOC0kLkSzkfytO1z01gY4pNaB5LHN99xq";

    #[tokio::test]
    async fn argon2id_round_trip_with_owasp_parameters() {
        let p = Passwords::new().await.unwrap();
        let hash = p.hash("Correct1horse").await.unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        let ok = p.verify("Correct1horse", &hash).await.unwrap();
        assert_eq!(
            ok,
            Verified {
                matches: true,
                needs_rehash: false
            }
        );
        assert!(!p.verify("Wrong1horse", &hash).await.unwrap().matches);
    }

    #[tokio::test]
    async fn bcrypt_verifies_and_asks_for_a_rehash() {
        let p = Passwords::new().await.unwrap();
        let v = p.verify("password123", DEMO_BCRYPT).await.unwrap();
        assert!(v.matches && v.needs_rehash);
        assert!(!p.verify("password124", DEMO_BCRYPT).await.unwrap().matches);
        let y = DEMO_BCRYPT.replacen("$2b$", "$2y$", 1);
        assert!(p.verify("password123", &y).await.unwrap().matches);
    }

    #[tokio::test]
    async fn weaker_argon2_parameters_ask_for_a_rehash() {
        let p = Passwords::new().await.unwrap();
        let salt = SaltString::encode_b64(&[7u8; 16]).unwrap();
        let weak = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8192, 1, 1, None).unwrap(),
        )
        .hash_password(b"Secret123", &salt)
        .unwrap()
        .to_string();
        let v = p.verify("Secret123", &weak).await.unwrap();
        assert!(v.matches && v.needs_rehash);
    }

    #[tokio::test]
    async fn garbage_hashes_never_match() {
        let p = Passwords::new().await.unwrap();
        for stored in ["", "plain", "$2b$xx", "$argon2id$broken"] {
            assert!(!p.verify("anything", stored).await.unwrap().matches);
        }
        p.verify_dummy("anything").await.unwrap();
    }
}
