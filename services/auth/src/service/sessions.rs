//! Signing in and out: register, login, refresh-token rotation with reuse detection, logout.
use vici_kit::{Error, ErrorCode, Problems, Result};
use vici_store::error::SqlxResultExt as _;
use vici_types::UserId;

use super::{DEACTIVATED, INVALID_CREDENTIALS, Issued, Service, session_expired};
use crate::events;
use crate::store::sessions::{RefreshRow, reason};
use crate::store::{Account, accounts, links, sessions as refresh};
use crate::tokens;
use crate::validate;

/// Longest password accepted at login: no valid one is longer, and it bounds hashing work.
const LOGIN_PASSWORD_MAX_CHARS: usize = 1024;

/// What a logout ends; see `LogoutRequest` in auth.proto.
pub struct LogoutInput {
    pub user_id: UserId,
    pub refresh_token: Option<String>,
    pub all_devices: bool,
    pub access_jti: String,
    pub access_exp: i64,
    pub session_id: String,
}

impl Service {
    pub async fn register(&self, email: &str, password: &str, name: &str) -> Result<Issued> {
        let mut problems = Problems::new();
        let email = problems.take(validate::email(email))?;
        problems.take(validate::password("password", password))?;
        let name = problems.take(validate::name(name))?;
        problems.finish()?;
        // Both are there: `finish` refused the request otherwise.
        let (email, name) = (email.unwrap_or_default(), name.unwrap_or_default());
        // Cheap early answer for the common duplicate; the unique constraint still decides
        // when two registrations race.
        if accounts::by_email(self.db.reader(), &email)
            .await?
            .is_some()
        {
            return Err(Error::conflict(accounts::DUPLICATE_EMAIL)
                .with_detail("email", accounts::DUPLICATE_EMAIL));
        }
        let password_hash = self.passwords.hash(password).await?;
        let now = self.now();
        let account = Account {
            id: vici_types::new_id(),
            email,
            name,
            role: "customer".into(),
            password_hash,
            is_active: true,
            email_verified: false,
            created_at: now,
            updated_at: now,
            last_login_at: Some(now),
            token_version: 0,
        };
        let verify_token = tokens::random();
        let verify_expires = now + tokens::ms(tokens::VERIFY_TTL);
        let mut tx = self
            .db
            .begin()
            .await
            .db_err("starting the registration transaction")?;
        accounts::insert(&mut tx, &account).await?;
        let (id, email) = (account.id.clone(), account.email.clone());
        let issued = self.open_session(&mut tx, account, now).await?;
        let digest = tokens::digest(&verify_token);
        links::insert(&mut tx, &digest, &id, links::VERIFY, now, verify_expires).await?;
        events::enqueue(
            &mut tx,
            &events::registered(&id, &email, &issued.account.name),
        )
        .await?;
        let verification = events::link_requested(
            events::VERIFICATION_REQUESTED,
            &id,
            &email,
            &verify_token,
            verify_expires,
        );
        events::enqueue_link(&mut tx, &verification).await?;
        tx.commit().await.db_err("committing the registration")?;
        self.outbox.wake();
        Ok(issued)
    }

    pub async fn login(&self, email: &str, password: &str) -> Result<Issued> {
        let mut problems = Problems::new();
        problems.take(validate::required("email", email.trim(), 254))?;
        problems.take(validate::required(
            "password",
            password,
            LOGIN_PASSWORD_MAX_CHARS,
        ))?;
        problems.finish()?;
        let email = email.trim().to_lowercase();
        // A password hash replaced between the check and the sign-in (by a concurrent login's
        // upgrade, or a reset or change) means checking again against the new one.
        for _ in 0..3 {
            if let Some(issued) = self.try_login(&email, password).await? {
                return Ok(issued);
            }
        }
        Err(Error::unavailable(
            "Your password is being changed elsewhere; please retry",
        ))
    }

    /// One sign-in attempt; `None` when the password hash changed after it was checked.
    async fn try_login(&self, email: &str, password: &str) -> Result<Option<Issued>> {
        let invalid = || Error::new(ErrorCode::Unauthorized, INVALID_CREDENTIALS);
        let Some(account) = accounts::by_email(self.db.reader(), email).await? else {
            self.passwords.verify_dummy(password).await?;
            return Err(invalid());
        };
        let verified = self
            .passwords
            .verify(password, &account.password_hash)
            .await?;
        if !verified.matches {
            return Err(invalid());
        }
        // Only the right password learns that the account is deactivated.
        if !account.is_active {
            return Err(Error::new(ErrorCode::Forbidden, DEACTIVATED));
        }
        let rehash = match verified.needs_rehash {
            true => Some(self.passwords.hash(password).await?),
            false => None,
        };
        let now = self.now();
        let mut tx = self
            .db
            .begin()
            .await
            .db_err("starting the sign-in transaction")?;
        // The session is opened on the account as it stands now, its row locked until the
        // commit: role and token version are current, and a deactivation or password reset
        // either waits for us (and then ends this session too) or is seen here.
        let checked_hash = account.password_hash;
        let account = accounts::record_login(&mut tx, &account.id, now)
            .await?
            .ok_or_else(invalid)?;
        if account.password_hash != checked_hash {
            return Ok(None);
        }
        if !account.is_active {
            return Err(Error::new(ErrorCode::Forbidden, DEACTIVATED));
        }
        if let Some(new_hash) = &rehash {
            // A password changed meanwhile wins over the upgrade of the old one.
            accounts::replace_hash(&mut tx, &account.id, &account.password_hash, new_hash, None)
                .await?;
        }
        let issued = self.open_session(&mut tx, account, now).await?;
        tx.commit().await.db_err("committing the sign-in")?;
        Ok(Some(issued))
    }

    pub async fn refresh(&self, token: &str) -> Result<Issued> {
        validate::required("refreshToken", token.trim(), usize::MAX)?;
        let token = token.trim();
        if token.len() > tokens::MAX_TOKEN_CHARS {
            return Err(session_expired());
        }
        let digest = tokens::digest(token);
        // A lost race costs one more read; a handful of rounds is plenty (a race needs a
        // concurrent request with the same token).
        for _ in 0..5 {
            if let Some(issued) = self.try_refresh(token, &digest).await? {
                return Ok(issued);
            }
        }
        Err(Error::unavailable(
            "Your session is being refreshed elsewhere; please retry",
        ))
    }

    /// One rotation attempt; `None` when another request rotated the token between our read
    /// and our write (then the next attempt reads again and takes the grace path).
    async fn try_refresh(&self, token: &str, digest: &str) -> Result<Option<Issued>> {
        let now = self.now();
        let mut tx = self
            .db
            .begin()
            .await
            .db_err("starting the token refresh transaction")?;
        let row = refresh::by_hash(&mut *tx, digest)
            .await?
            .ok_or_else(session_expired)?;
        if row.expires_at <= now {
            return Err(session_expired());
        }
        // Locked until the commit, so the token minted below carries the role and token
        // version of this read: a role change, deactivation or reset either waits for us (and
        // its new version then denies our token) or is seen here.
        let account = accounts::lock(&mut tx, &row.user_id)
            .await?
            .filter(|a| a.is_active)
            .ok_or_else(session_expired)?;
        let next_token = tokens::successor(self.keys.current().refresh_secret(), token);
        let next_digest = tokens::digest(&next_token);
        match (row.revoked_at, row.revoke_reason.as_deref()) {
            (None, _) => {
                let next = RefreshRow {
                    id: vici_types::new_id(),
                    token_hash: next_digest,
                    created_at: now,
                    expires_at: now + tokens::ms(tokens::REFRESH_TTL),
                    access_jti: vici_types::new_id(),
                    access_iat: now.div_euclid(1000),
                    access_ver: account.token_version,
                    ..row.clone()
                };
                if !refresh::mark_rotated(&mut tx, &row.id, &next.id, now).await? {
                    return Ok(None);
                }
                refresh::insert(&mut tx, &next).await?;
                tx.commit().await.db_err("committing the token rotation")?;
                Ok(Some(Issued {
                    access_token: self.sign(&account, &next),
                    refresh_token: next_token,
                    account,
                }))
            }
            (Some(revoked_at), Some(reason::ROTATED))
                if now - revoked_at <= tokens::ms(tokens::REFRESH_GRACE) =>
            {
                // The same token again right after its rotation: hand out the very same pair,
                // provided that pair is still alive (not logged out, not rotated further). The
                // access token is re-signed under the version stored with it, never the current
                // one: if the version moved on since, the gateway denies it like the original,
                // and the client refreshes with the new refresh token.
                let successor = match &row.successor_id {
                    Some(id) => refresh::by_id(&mut *tx, id).await?,
                    None => None,
                };
                drop(tx);
                match successor {
                    Some(next)
                        if next.revoked_at.is_none()
                            && next.expires_at > now
                            && next.token_hash == next_digest =>
                    {
                        Ok(Some(Issued {
                            access_token: self.sign(&account, &next),
                            refresh_token: next_token,
                            account,
                        }))
                    }
                    _ => Err(session_expired()),
                }
            }
            _ => {
                // A revoked token presented again: someone kept a copy. End the whole session
                // so neither the thief nor the victim keeps it; the victim signs in again.
                refresh::revoke_family(&mut tx, &row.user_id, &row.family_id, reason::REUSE, now)
                    .await?;
                tx.commit()
                    .await
                    .db_err("committing the revocation of a reused session")?;
                tracing::warn!(user_id = %row.user_id, family = %row.family_id, "refresh token reuse: session revoked");
                let denied = self
                    .deny_sessions(std::slice::from_ref(&row.family_id))
                    .await;
                Self::log_deny_failure(denied, "session", &row.user_id);
                Err(session_expired())
            }
        }
    }

    pub async fn logout(&self, r: LogoutInput) -> Result<()> {
        let user_id = r.user_id.as_str();
        let now = self.now();
        let mut tx = self
            .db
            .begin()
            .await
            .db_err("starting the sign-out transaction")?;
        let mut families = Vec::new();
        if r.all_devices {
            families = refresh::revoke_user(&mut tx, user_id, None, reason::LOGOUT, now).await?;
        } else {
            let presented = match r.refresh_token.as_deref().map(str::trim) {
                Some(t) if !t.is_empty() && t.len() <= tokens::MAX_TOKEN_CHARS => {
                    refresh::by_hash(&mut *tx, &tokens::digest(t)).await?
                }
                _ => None,
            };
            // Someone else's refresh token is ignored: only the caller's own sessions end.
            let family = presented
                .filter(|row| row.user_id == user_id)
                .map(|row| row.family_id)
                .or_else(|| Some(r.session_id.trim().to_string()).filter(|s| !s.is_empty()));
            if let Some(family) = family {
                refresh::revoke_family(&mut tx, user_id, &family, reason::LOGOUT, now).await?;
                families.push(family);
            }
        }
        tx.commit().await.db_err("committing the sign-out")?;
        if !r.session_id.trim().is_empty() && !families.contains(&r.session_id) && r.all_devices {
            families.push(r.session_id.trim().to_string());
        }
        // Logout exists to make the tokens stop working: a failed cache write is an error the
        // client may retry (everything above is idempotent).
        let unavailable = |e: anyhow::Error| {
            tracing::error!(error = %format!("{e:#}"), "logout: could not write the deny-list");
            Error::unavailable("Signing out could not be completed; please retry")
        };
        self.deny_sessions(&families).await.map_err(unavailable)?;
        if !r.access_jti.trim().is_empty() {
            self.deny_token(r.access_jti.trim(), r.access_exp)
                .await
                .map_err(unavailable)?;
        }
        Ok(())
    }
}
