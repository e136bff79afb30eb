//! Writing the deny-list the gateway reads, and keeping it there. Every entry is recorded in
//! the auth database before it is written to the cache, so a cache that restarts empty (the
//! in-process cache of `vici up`, a Redis without persistence) is filled again: at start, and
//! whenever the cache's marker key has gone missing.
use std::sync::Arc;
use std::time::Duration;

use vici_identity::revocation::{self, ENTRY_TTL_SECS};
use vici_identity::{ACCESS_TTL_SECS, LEEWAY_SECS};
use vici_kit::server::Shutdown;

use super::Service;
use crate::store::accounts as account_rows;
use crate::store::deny_list::{self as rows, Entry};

/// How many times [`Service::deny_user`] writes a version that moved on meanwhile.
const DENY_USER_ROUNDS: usize = 5;

impl Service {
    /// Records the entry, then writes it to the cache for `ttl_secs` (within one entry's life).
    async fn deny(&self, key: String, value: String, ttl_secs: i64) -> anyhow::Result<()> {
        let ttl_secs = ttl_secs.clamp(1, ENTRY_TTL_SECS);
        let expires_at = self.clock.now_ms() + ttl_secs * 1000;
        let entry = Entry {
            key,
            value,
            expires_at,
        };
        rows::record(&self.db, &entry).await?;
        let ttl = Duration::from_secs(ttl_secs as u64);
        self.cache
            .set(&entry.key, entry.value.as_bytes(), Some(ttl))
            .await
    }

    /// Denies every live access token of each family (session) in `families`.
    pub(super) async fn deny_sessions(&self, families: &[String]) -> anyhow::Result<()> {
        for family in families {
            self.deny(revocation::session_key(family), "1".into(), ENTRY_TTL_SECS)
                .await?;
        }
        Ok(())
    }

    /// Denies every access token of `user_id` minted under a token version below `version`,
    /// the one just committed (they carry an old role or belong to sessions that just ended).
    pub(super) async fn deny_user(&self, user_id: &str, version: i64) -> anyhow::Result<()> {
        self.deny_user_for(user_id, version, ENTRY_TTL_SECS).await
    }

    /// [`Service::deny_user`] for `ttl_secs`.
    ///
    /// The entry must never go back to a lower version, or tokens a later change denied would
    /// work again. Two writers close together (two changes, or a change and a refill) can
    /// write their versions in either order, so after each write the committed version is read
    /// back and written again while it is higher: whoever writes last has seen the highest
    /// version committed before its write, and so writes it.
    async fn deny_user_for(
        &self,
        user_id: &str,
        version: i64,
        ttl_secs: i64,
    ) -> anyhow::Result<()> {
        let key = revocation::user_key(user_id);
        let mut version = version;
        for _ in 0..DENY_USER_ROUNDS {
            self.deny(key.clone(), version.to_string(), ttl_secs)
                .await?;
            match account_rows::token_version(self.db.reader(), user_id).await {
                Ok(Some(current)) if current > version => version = current,
                Ok(_) => return Ok(()),
                Err(e) => anyhow::bail!("reading the token version back: {e}"),
            }
        }
        anyhow::bail!("the token version kept moving while it was being written")
    }

    /// Denies one access token until it expires by itself (`exp` unix seconds; 0 when the
    /// caller did not say, then for as long as any access token can live).
    pub(super) async fn deny_token(&self, jti: &str, exp: i64) -> anyhow::Result<()> {
        let ttl = match exp {
            0 => ACCESS_TTL_SECS + LEEWAY_SECS,
            exp => exp + LEEWAY_SECS - self.clock.now_secs(),
        };
        if ttl <= 0 {
            return Ok(()); // Already expired: nothing to deny.
        }
        self.deny(
            revocation::token_key(jti),
            "1".into(),
            ttl.min(ACCESS_TTL_SECS + LEEWAY_SECS),
        )
        .await
    }

    /// After a commit that ended sessions, a failed cache write must not turn into an error:
    /// the change is done and cannot be retried by the caller. It is logged loudly because
    /// the affected access tokens keep working until they expire (15 minutes at most).
    pub(super) fn log_deny_failure(result: anyhow::Result<()>, what: &str, user_id: &str) {
        if let Err(e) = result {
            tracing::error!(error = %format!("{e:#}"), user_id, "could not write the {what} deny-list entry");
        }
    }

    /// Writes every recorded entry still of use back to the cache for the rest of its life,
    /// then sets [`revocation::LOADED_KEY`]; how many entries. User entries go through the read-back
    /// of [`Service::deny_user_for`], so a version committed meanwhile is never overwritten
    /// by the older one read here.
    pub async fn restore_deny_list(&self) -> anyhow::Result<usize> {
        let now = self.clock.now_ms();
        let entries = rows::live(&self.db, now).await?;
        for entry in &entries {
            let ttl_secs = (entry.expires_at - now + 999) / 1000;
            let user = entry.key.strip_prefix(revocation::USER_KEY_PREFIX);
            match (user, entry.value.parse::<i64>()) {
                (Some(user_id), Ok(version)) => {
                    self.deny_user_for(user_id, version, ttl_secs).await?
                }
                _ => {
                    let ttl = Some(Duration::from_secs(ttl_secs as u64));
                    self.cache
                        .set(&entry.key, entry.value.as_bytes(), ttl)
                        .await?
                }
            }
        }
        self.cache.set(revocation::LOADED_KEY, b"1", None).await?;
        Ok(entries.len())
    }

    /// One check: refills the cache when its marker is missing, and forgets ended entries.
    async fn check_deny_list(&self) -> anyhow::Result<()> {
        if self.cache.get(revocation::LOADED_KEY).await?.is_none() {
            let restored = self.restore_deny_list().await?;
            tracing::warn!(
                entries = restored,
                "the cache had lost the deny-list; restored it from the auth database"
            );
        }
        rows::delete_expired(&self.db, self.clock.now_ms()).await?;
        Ok(())
    }
}

/// Checks the deny-list in the cache every `every` until shutdown (see the module header).
pub async fn keep_deny_list(service: Arc<Service>, every: Duration, shutdown: Shutdown) {
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tokio::time::sleep(every) => {}
        }
        if let Err(e) = service.check_deny_list().await {
            tracing::error!(error = %format!("{e:#}"), "checking the deny-list in the cache failed; will retry");
        }
    }
}
