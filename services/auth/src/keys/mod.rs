//! The signing keyring: the Ed25519 keys that sign access tokens (the newest signs, all are
//! published in the JWKS) and the secret that derives a rotated refresh token from its
//! predecessor. Stored as JSON:
//!
//! ```json
//! {"refreshSecret": "<b64url 32 bytes>", "keys": [{"seed": "<b64url 32 bytes>", "createdAt": 1767225600}]}
//! ```
//!
//! It comes either from configuration (a secret; used as given, the operator rotates by adding
//! a key) or from a file that the service creates on first start and rotates itself. A file
//! that cannot be read is an error, never silently replaced: a new keyring would sign every
//! user out and break every outstanding refresh token.
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use anyhow::Context as _;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde::{Deserialize, Serialize};
use vici_identity::{ACCESS_TTL_SECS, Claims, Jwks, SigningKey};

use file::{warn_if_readable_by_others, write_atomically};

mod file;

/// A key that stopped signing this long ago has no live token left and leaves the JWKS.
const RETIRED_KEY_GRACE_SECS: i64 = ACCESS_TTL_SECS + 60;

/// Where the keyring comes from.
#[derive(Clone, Debug)]
pub enum KeySource {
    /// The keyring JSON itself, from a secret in configuration.
    Configured(String),
    /// A file created on first start (mode 0600) and given a new key whenever its newest key
    /// is older than `rotate_after` (zero: never).
    File {
        path: PathBuf,
        rotate_after: Duration,
    },
}

impl KeySource {
    /// The configured secret when there is one (`auth.signing_keys`), else
    /// `<data_dir>/auth-keys.json` rotated every `auth.key_rotation_days`.
    pub fn from_config(config: &crate::AuthConfig, data_dir: &std::path::Path) -> Self {
        match &config.signing_keys {
            Some(json) => Self::Configured(json.clone()),
            None => Self::File {
                path: data_dir.join("auth-keys.json"),
                rotate_after: config.key_rotation,
            },
        }
    }
}

/// A fresh keyring as JSON (one key, a new refresh secret), for operators who configure the
/// keyring as a secret.
pub fn new_keyring_json(now_secs: i64) -> String {
    Keyring::generate(now_secs).to_json()
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoredKeyring {
    refresh_secret: String,
    keys: Vec<StoredKey>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoredKey {
    seed: String,
    created_at: i64,
}

struct Key {
    signing: SigningKey,
    created_at: i64,
}

/// One loaded keyring; never changes once built (rotation builds a new one).
pub struct Keyring {
    refresh_secret: [u8; 32],
    /// Oldest first; the last one signs.
    keys: Vec<Key>,
}

impl Keyring {
    fn generate(now_secs: i64) -> Self {
        Self {
            refresh_secret: rand::random(),
            keys: vec![Key {
                signing: SigningKey::generate(),
                created_at: now_secs,
            }],
        }
    }

    /// Parses keyring JSON. Errors name the problem but never echo the content: it is secret.
    fn parse(text: &str) -> anyhow::Result<Self> {
        let stored: StoredKeyring = serde_json::from_str(text).map_err(|e| {
            anyhow::anyhow!(
                "not valid keyring JSON (line {}, column {}): expected {{\"refreshSecret\": …, \"keys\": [{{\"seed\": …, \"createdAt\": …}}]}}",
                e.line(),
                e.column()
            )
        })?;
        let refresh_secret = decode32(&stored.refresh_secret)
            .context("`refreshSecret` must be 32 bytes in unpadded base64url")?;
        anyhow::ensure!(!stored.keys.is_empty(), "the keyring holds no key");
        let mut keys = Vec::with_capacity(stored.keys.len());
        for (i, k) in stored.keys.iter().enumerate() {
            let seed = decode32(&k.seed).with_context(|| {
                format!("key {i}: `seed` must be 32 bytes in unpadded base64url")
            })?;
            keys.push(Key {
                signing: SigningKey::from_seed(seed),
                created_at: k.created_at,
            });
        }
        keys.sort_by_key(|k| k.created_at);
        Ok(Self {
            refresh_secret,
            keys,
        })
    }

    fn to_json(&self) -> String {
        let stored = StoredKeyring {
            refresh_secret: B64.encode(self.refresh_secret),
            keys: self
                .keys
                .iter()
                .map(|k| StoredKey {
                    seed: B64.encode(k.signing.seed()),
                    created_at: k.created_at,
                })
                .collect(),
        };
        serde_json::to_string_pretty(&stored).expect("keyring serialises")
    }

    fn signer(&self) -> &SigningKey {
        &self.keys.last().expect("a keyring holds a key").signing
    }

    /// Signs `claims` with the newest key.
    pub fn sign(&self, claims: &Claims) -> String {
        self.signer().sign(claims)
    }

    /// The key id new tokens carry.
    pub fn signing_kid(&self) -> &str {
        self.signer().kid()
    }

    pub fn refresh_secret(&self) -> &[u8; 32] {
        &self.refresh_secret
    }

    /// Every key's public half.
    pub fn jwks(&self) -> Jwks {
        Jwks {
            keys: self.keys.iter().map(|k| k.signing.public_jwk()).collect(),
        }
    }

    /// The keyring after rotation and pruning at `now_secs`, or `None` when nothing is due.
    fn maintained(&self, now_secs: i64, rotate_after: Duration) -> Option<Self> {
        let newest = self.keys.last().map_or(i64::MIN, |k| k.created_at);
        let every = i64::try_from(rotate_after.as_secs()).unwrap_or(i64::MAX);
        let rotate = every > 0 && now_secs.saturating_sub(newest) >= every;
        // Key i stopped signing when key i+1 was created; the first key retired recently
        // enough to have live tokens, and everything after it, stays.
        let mut created: Vec<i64> = self.keys.iter().map(|k| k.created_at).collect();
        if rotate {
            created.push(now_secs);
        }
        let cutoff = now_secs - RETIRED_KEY_GRACE_SECS;
        let keep_from = (0..created.len() - 1)
            .find(|&i| created[i + 1] > cutoff)
            .unwrap_or(created.len() - 1);
        if !rotate && keep_from == 0 {
            return None;
        }
        let mut keys: Vec<Key> = self.keys[keep_from.min(self.keys.len())..]
            .iter()
            .map(|k| Key {
                signing: SigningKey::from_seed(k.signing.seed()),
                created_at: k.created_at,
            })
            .collect();
        if rotate {
            keys.push(Key {
                signing: SigningKey::generate(),
                created_at: now_secs,
            });
        }
        Some(Self {
            refresh_secret: self.refresh_secret,
            keys,
        })
    }
}

fn decode32(text: &str) -> anyhow::Result<[u8; 32]> {
    B64.decode(text.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| anyhow::anyhow!("not 32 bytes of base64url"))
}

/// The live keyring of a running service, swapped whole when the file rotates.
pub struct Keys {
    source: KeySource,
    current: RwLock<Arc<Keyring>>,
}

impl Keys {
    /// Loads the keyring: parses a configured one, or reads (creating it when absent) and
    /// rotates the key file.
    pub fn load(source: KeySource, now_secs: i64) -> anyhow::Result<Self> {
        let keyring = match &source {
            KeySource::Configured(json) => Keyring::parse(json)
                .context("the configured signing keyring (auth.signing_keys) is invalid")?,
            KeySource::File { path, rotate_after } => {
                let keyring = match std::fs::read_to_string(path) {
                    Ok(text) => {
                        warn_if_readable_by_others(path);
                        Keyring::parse(&text).with_context(|| {
                            format!(
                                "the signing keyring {} is corrupt; restore it from a backup \
                             (deleting it signs every user out)",
                                path.display()
                            )
                        })?
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                        let fresh = Keyring::generate(now_secs);
                        write_atomically(path, &fresh.to_json())?;
                        tracing::info!(path = %path.display(), "created a new signing keyring");
                        fresh
                    }
                    Err(e) => {
                        return Err(e).with_context(|| {
                            format!("reading the signing keyring {}", path.display())
                        });
                    }
                };
                match keyring.maintained(now_secs, *rotate_after) {
                    Some(next) => {
                        write_atomically(path, &next.to_json())?;
                        next
                    }
                    None => keyring,
                }
            }
        };
        Ok(Self {
            source,
            current: RwLock::new(Arc::new(keyring)),
        })
    }

    pub fn current(&self) -> Arc<Keyring> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Rotates and prunes a key file when due (configured keyrings are left alone); `true`
    /// when the keyring changed. The file is written before the new keyring is used, so a
    /// restart never forgets a key that signed.
    pub fn maintain(&self, now_secs: i64) -> anyhow::Result<bool> {
        let KeySource::File { path, rotate_after } = &self.source else {
            return Ok(false);
        };
        let Some(next) = self.current().maintained(now_secs, *rotate_after) else {
            return Ok(false);
        };
        write_atomically(path, &next.to_json())?;
        tracing::info!(
            kid = next.signing_kid(),
            keys = next.keys.len(),
            "signing keyring rotated"
        );
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(next);
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;

    fn created(k: &Keyring) -> Vec<i64> {
        k.keys.iter().map(|k| k.created_at).collect()
    }

    #[test]
    fn json_round_trips() {
        let k = Keyring::generate(1_000);
        let again = Keyring::parse(&k.to_json()).unwrap();
        assert_eq!(k.signing_kid(), again.signing_kid());
        assert_eq!(k.refresh_secret, again.refresh_secret);
    }

    #[test]
    fn rotation_adds_a_key_and_pruning_waits_for_tokens_to_expire() {
        let every = Duration::from_secs(30 * DAY as u64);
        let k = Keyring::generate(0);
        assert!(k.maintained(29 * DAY, every).is_none());
        let rotated = k.maintained(30 * DAY, every).unwrap();
        assert_eq!(created(&rotated), [0, 30 * DAY]);
        assert_ne!(rotated.signing_kid(), k.signing_kid());
        assert_eq!(rotated.refresh_secret, k.refresh_secret);
        // The old key stays while tokens it signed may live …
        let soon = 30 * DAY + ACCESS_TTL_SECS;
        assert!(rotated.maintained(soon, every).is_none());
        // … and goes once they cannot.
        let later = 30 * DAY + RETIRED_KEY_GRACE_SECS + 1;
        let pruned = rotated.maintained(later, every).unwrap();
        assert_eq!(created(&pruned), [30 * DAY]);
        assert_eq!(pruned.signing_kid(), rotated.signing_kid());
    }

    #[test]
    fn zero_rotation_never_rotates() {
        let k = Keyring::generate(0);
        assert!(k.maintained(10_000 * DAY, Duration::ZERO).is_none());
    }

    #[test]
    fn bad_keyrings_are_refused_without_echoing_secrets() {
        for bad in [
            "",
            "{}",
            r#"{"refreshSecret": "c2VjcmV0", "keys": []}"#,
            r#"{"refreshSecret": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "keys": []}"#,
            r#"{"refreshSecret": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "keys": [{"seed": "topsecret", "createdAt": 1}]}"#,
        ] {
            let err = format!("{:#}", Keyring::parse(bad).err().expect(bad));
            assert!(
                !err.contains("topsecret") && !err.contains("c2VjcmV0"),
                "{err}"
            );
        }
    }
}
