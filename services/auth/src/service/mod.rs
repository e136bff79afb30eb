//! The auth use cases, shared state and the helpers they have in common: opening a session
//! and writing the deny-list entries the gateway reads.
mod accounts;
mod recovery;
mod sessions;

use std::sync::Arc;
use std::time::Duration;

use vici_cache::SharedCache;
use vici_identity::revocation::{self, ENTRY_TTL_SECS};
use vici_identity::{ACCESS_TTL_SECS, LEEWAY_SECS};
use vici_kit::{Error, ErrorCode, Result};
use vici_store::outbox::Outbox;
use vici_store::{AnyConnection, Db};

use crate::clock::SharedClock;
use crate::keys::Keys;
use crate::password::Passwords;
use crate::store::sessions::RefreshRow;
use crate::store::{Account, accounts as account_rows, sessions as refresh};
use crate::tokens::{self, Subject};

pub use accounts::AdminChange;
pub use sessions::LogoutInput;

/// How many times [`Service::deny_user`] writes a version that moved on meanwhile.
const DENY_USER_ROUNDS: usize = 5;

pub const INVALID_CREDENTIALS: &str = "Invalid email or password";
pub const SESSION_EXPIRED: &str = "Your session has expired; please sign in again";
pub const DEACTIVATED: &str = "This account has been deactivated";

pub struct Service {
    pub db: Db,
    pub outbox: Outbox,
    pub cache: SharedCache,
    pub passwords: Passwords,
    pub keys: Arc<Keys>,
    pub clock: SharedClock,
}

/// A signed-in session as handed to the client.
pub struct Issued {
    pub account: Account,
    pub access_token: String,
    pub refresh_token: String,
}

fn session_expired() -> Error {
    Error::new(ErrorCode::Unauthorized, SESSION_EXPIRED)
}

fn account_not_found() -> Error {
    Error::not_found("Account not found")
}

fn subject(a: &Account) -> Subject<'_> {
    Subject {
        user_id: &a.id,
        email: &a.email,
        role: &a.role,
    }
}

impl Service {
    fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Starts a new session (refresh-token family) for `account` inside the caller's
    /// transaction and signs its first access token. `account` must have been read (or
    /// written) in that transaction, so the token carries the account's current
    /// `token_version`.
    async fn open_session(
        &self,
        conn: &mut AnyConnection,
        account: Account,
        now: i64,
    ) -> Result<Issued> {
        let refresh_token = tokens::random();
        let row = RefreshRow {
            id: vici_types::new_id(),
            token_hash: tokens::digest(&refresh_token),
            user_id: account.id.clone(),
            family_id: vici_types::new_id(),
            created_at: now,
            expires_at: now + tokens::ms(tokens::REFRESH_TTL),
            revoked_at: None,
            revoke_reason: None,
            successor_id: None,
            access_jti: vici_types::new_id(),
            access_iat: now.div_euclid(1000),
            access_ver: account.token_version,
        };
        refresh::insert(conn, &row).await?;
        Ok(Issued {
            access_token: self.sign(&account, &row),
            refresh_token,
            account,
        })
    }

    /// The access token that goes with refresh row `row`, under the token version stored on
    /// the row. Deterministic (Ed25519), so signing the same row again yields the same bytes.
    fn sign(&self, account: &Account, row: &RefreshRow) -> String {
        let claims = tokens::claims(
            &subject(account),
            &row.family_id,
            &row.access_jti,
            row.access_iat,
            row.access_ver,
        );
        self.keys.current().sign(&claims)
    }

    async fn deny(&self, key: String, value: String, ttl_secs: i64) -> anyhow::Result<()> {
        let ttl = Duration::from_secs(ttl_secs.clamp(1, ENTRY_TTL_SECS) as u64);
        self.cache.set(&key, value.as_bytes(), Some(ttl)).await
    }

    /// Denies every live access token of each family (session) in `families`.
    async fn deny_sessions(&self, families: &[String]) -> anyhow::Result<()> {
        for family in families {
            self.deny(revocation::session_key(family), "1".into(), ENTRY_TTL_SECS)
                .await?;
        }
        Ok(())
    }

    /// Denies every access token of `user_id` minted under a token version below `version`,
    /// the one just committed (they carry an old role or belong to sessions that just ended).
    ///
    /// The entry must never go back to a lower version, or tokens a later change denied would
    /// work again. Two changes committing close together can write their versions in either
    /// order, so after each write the committed version is read back and written again while
    /// it is higher: whoever writes last has seen the highest version committed before its
    /// write, and so writes it.
    async fn deny_user(&self, user_id: &str, version: i64) -> anyhow::Result<()> {
        let key = revocation::user_key(user_id);
        let mut version = version;
        for _ in 0..DENY_USER_ROUNDS {
            self.deny(key.clone(), version.to_string(), ENTRY_TTL_SECS)
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
    async fn deny_token(&self, jti: &str, exp: i64) -> anyhow::Result<()> {
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
    fn log_deny_failure(result: anyhow::Result<()>, what: &str, user_id: &str) {
        if let Err(e) = result {
            tracing::error!(error = %format!("{e:#}"), user_id, "could not write the {what} deny-list entry");
        }
    }
}
