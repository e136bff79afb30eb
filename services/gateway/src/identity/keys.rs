//! The auth service's public keys, cached: fetched on the first token, again when a token names
//! a key id the cache does not know (the auth service rotated its key) — at most once per
//! [`MIN_REFETCH`], so tokens with made-up key ids cannot hammer the auth service — and every
//! [`MAX_KEY_AGE`], so a key the operator removed (compromised) stops verifying within a minute.
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use vici_identity::{Claims, Jwks, TokenError, Verifier};
use vici_kit::grpc::Channel;
use vici_proto::auth::v1::auth_service_client::AuthServiceClient;
use vici_proto::common::v1::Empty;

use super::verified::VerifiedTokens;

const MIN_REFETCH: Duration = Duration::from_secs(5);
const MAX_KEY_AGE: i64 = 60;

/// Why a token did not yield claims.
#[derive(Debug)]
pub enum KeyFailure {
    /// The token is bad: the caller is not who it claims to be.
    Refused(TokenError),
    /// The keys could not be fetched: nobody can be verified right now.
    Unavailable(anyhow::Error),
}

pub struct KeyCache {
    verifier: RwLock<Arc<Verifier>>,
    /// When the keys were last fetched and whether that worked; the lock makes concurrent
    /// misses fetch once.
    fetched: tokio::sync::Mutex<Option<(Instant, bool)>>,
    auth: AuthServiceClient<Channel>,
    verified: VerifiedTokens,
    /// Unix second from which the keys count as stale (0: never fetched).
    stale_at: AtomicI64,
}

impl KeyCache {
    pub fn new(auth: AuthServiceClient<Channel>) -> Self {
        Self {
            verifier: RwLock::new(Arc::new(Verifier::default())),
            fetched: tokio::sync::Mutex::new(None),
            auth,
            verified: VerifiedTokens::default(),
            stale_at: AtomicI64::new(0),
        }
    }

    fn current(&self) -> Arc<Verifier> {
        self.verifier
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The claims of a valid `token` at `now` (unix seconds).
    pub async fn verify(&self, token: &str, now: i64) -> Result<Claims, KeyFailure> {
        let stale_at = self.stale_at.load(Ordering::Relaxed);
        if stale_at != 0 && now >= stale_at {
            self.refresh_stale(now).await;
        }
        if let Some(claims) = self.verified.get(token, now) {
            return Ok(claims);
        }
        let claims = match self.current().verify(token, now) {
            Err(TokenError::UnknownKey(kid)) => {
                self.refetch_for(&kid).await?;
                self.current().verify(token, now)
            }
            other => other,
        }
        .map_err(KeyFailure::Refused)?;
        self.verified.insert(token, claims.clone(), now);
        Ok(claims)
    }

    async fn refetch_for(&self, kid: &str) -> Result<(), KeyFailure> {
        let mut fetched = self.fetched.lock().await;
        if self.current().knows(kid) {
            return Ok(()); // another request fetched them while this one waited
        }
        match *fetched {
            // Fetched moments ago: the key id is unknown, not new.
            Some((at, true)) if at.elapsed() < MIN_REFETCH => return Ok(()),
            Some((at, false)) if at.elapsed() < MIN_REFETCH => {
                return Err(KeyFailure::Unavailable(anyhow::anyhow!(
                    "the auth service's keys could not be fetched moments ago"
                )));
            }
            _ => {}
        }
        let result = self.fetch().await;
        *fetched = Some((Instant::now(), result.is_ok()));
        self.install(result.map_err(KeyFailure::Unavailable)?);
        Ok(())
    }

    /// Refetches keys that are due; on failure the old keys stay (the auth service being
    /// briefly down must not sign everyone out) and the next try is [`MIN_REFETCH`] away.
    async fn refresh_stale(&self, now: i64) {
        let mut fetched = self.fetched.lock().await;
        if now < self.stale_at.load(Ordering::Relaxed) {
            return; // another request refreshed them while this one waited
        }
        let result = self.fetch().await;
        *fetched = Some((Instant::now(), result.is_ok()));
        match result {
            Ok(verifier) => self.install(verifier),
            Err(e) => {
                tracing::warn!(error = %e, "keeping the signing keys fetched earlier");
                let retry = now + MIN_REFETCH.as_secs() as i64;
                self.stale_at.store(retry, Ordering::Relaxed);
            }
        }
    }

    fn install(&self, verifier: Verifier) {
        *self.verifier.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(verifier);
        // A key may have left the set (retired early, or compromised): its tokens must not
        // keep passing on the strength of an old check.
        self.verified.clear();
        self.stale_at
            .store(super::unix_now() + MAX_KEY_AGE, Ordering::Relaxed);
    }

    async fn fetch(&self) -> anyhow::Result<Verifier> {
        let jwks = self
            .auth
            .clone()
            .get_jwks(Empty {})
            .await
            .map_err(|s| anyhow::anyhow!("fetching the JWKS: {s}"))?
            .into_inner();
        let doc: Jwks = serde_json::from_str(&jwks.json)
            .map_err(|e| anyhow::anyhow!("the auth service's JWKS is not JSON: {e}"))?;
        Verifier::from_jwks(&doc).map_err(anyhow::Error::msg)
    }
}
