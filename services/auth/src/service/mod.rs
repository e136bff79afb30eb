//! The auth use cases, shared state and the helpers they have in common: opening a session
//! and writing the deny-list entries the gateway reads.
mod accounts;
mod deny;
mod recovery;
mod sessions;

use std::sync::Arc;

use vici_cache::SharedCache;
use vici_kit::{Error, ErrorCode, Result};
use vici_store::outbox::Outbox;
use vici_store::{AnyConnection, Db};

use crate::clock::SharedClock;
use crate::keys::Keys;
use crate::password::Passwords;
use crate::store::sessions::RefreshRow;
use crate::store::{Account, sessions as refresh};
use crate::tokens::{self, Subject};

pub use accounts::AdminChange;
pub use deny::keep_deny_list;
pub use sessions::LogoutInput;

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
}
