//! Passwords and mailed links: forgot/reset password, email verification, change password.
use vici_kit::{Error, ErrorCode, Problems, Result};
use vici_store::error::SqlxResultExt as _;
use vici_types::UserId;

use super::{DEACTIVATED, Service};
use crate::events;
use crate::store::sessions::reason;
use crate::store::{accounts, links, sessions as refresh};
use crate::tokens;
use crate::validate;

const BAD_RESET_LINK: &str = "This reset link is invalid or has expired";
const BAD_VERIFY_LINK: &str = "This verification link is invalid or has expired";
const WRONG_CURRENT: &str = "The current password is incorrect";

/// The stored digest of a link token, or the link's error for input that cannot be one.
fn link_digest(token: &str, message: &'static str) -> Result<String> {
    let token = token.trim();
    if token.is_empty() || token.len() > tokens::MAX_TOKEN_CHARS {
        return Err(Error::validation("token", message));
    }
    Ok(tokens::digest(token))
}

impl Service {
    /// Mails a reset link to an active account. The answer is the same whether or not the
    /// email belongs to anyone, so this cannot be used to find out who has an account.
    pub async fn forgot_password(&self, email: &str) -> Result<()> {
        let email = validate::email(email)?;
        let Some(account) = accounts::by_email(self.db.reader(), &email).await? else {
            tracing::info!("password reset requested for an unknown email");
            return Ok(());
        };
        if !account.is_active {
            return Ok(());
        }
        let token = tokens::random();
        let now = self.now();
        let expires = now + tokens::ms(tokens::RESET_TTL);
        let mut tx = self
            .db
            .begin()
            .await
            .db_err("starting the reset link transaction")?;
        let digest = tokens::digest(&token);
        links::insert(&mut tx, &digest, &account.id, links::RESET, now, expires).await?;
        let event = events::link_requested(
            events::RESET_REQUESTED,
            &account.id,
            &account.email,
            &token,
            expires,
        );
        events::enqueue_link(&mut tx, &event).await?;
        tx.commit().await.db_err("committing the reset link")?;
        self.outbox.wake();
        Ok(())
    }

    /// Sets a new password with a reset link (once), ends every session and, by bumping the
    /// token version, denies every access token minted so far.
    pub async fn reset_password(&self, token: &str, password: &str) -> Result<()> {
        let mut problems = Problems::new();
        let digest = problems.take(link_digest(token, BAD_RESET_LINK))?;
        problems.take(validate::password("password", password))?;
        problems.finish()?;
        // There: `finish` refused the request otherwise.
        let digest = digest.unwrap_or_default();
        // Hash before the transaction: the write lock is not held through 19 MiB of Argon2.
        let new_hash = self.passwords.hash(password).await?;
        let now = self.now();
        let mut tx = self
            .db
            .begin()
            .await
            .db_err("starting the password reset transaction")?;
        let user_id = links::consume(&mut tx, &digest, links::RESET, now)
            .await?
            .ok_or_else(|| Error::validation("token", BAD_RESET_LINK))?;
        let version = accounts::reset_password(&mut tx, &user_id, &new_hash, now)
            .await?
            .ok_or_else(|| Error::validation("token", BAD_RESET_LINK))?;
        links::void_all(&mut tx, &user_id, links::RESET, now).await?;
        let ended =
            refresh::revoke_user(&mut tx, &user_id, None, reason::PASSWORD_RESET, now).await?;
        events::enqueue(&mut tx, &events::password_changed(&user_id)).await?;
        tx.commit().await.db_err("committing the password reset")?;
        self.outbox.wake();
        // The version moved on with the new password: the user entry denies every token minted
        // before. Ended sessions are denied by id as well.
        Self::log_deny_failure(self.deny_user(&user_id, version).await, "user", &user_id);
        Self::log_deny_failure(self.deny_sessions(&ended).await, "session", &user_id);
        Ok(())
    }

    pub async fn verify_email(&self, token: &str) -> Result<()> {
        let digest = link_digest(token, BAD_VERIFY_LINK)?;
        let now = self.now();
        let mut tx = self
            .db
            .begin()
            .await
            .db_err("starting the email verification transaction")?;
        let user_id = links::consume(&mut tx, &digest, links::VERIFY, now)
            .await?
            .ok_or_else(|| Error::validation("token", BAD_VERIFY_LINK))?;
        if accounts::verify_email(&mut tx, &user_id, now).await? {
            events::enqueue(&mut tx, &events::updated(&user_id, &["emailVerified"])).await?;
        }
        tx.commit()
            .await
            .db_err("committing the email verification")?;
        self.outbox.wake();
        Ok(())
    }

    /// A signed-in user changing their password: the session `session_id` stays signed in,
    /// every other one ends. A wrong current password is a validation error, never 401 (the
    /// client would refresh and retry).
    pub async fn change_password(
        &self,
        user_id: &UserId,
        current: &str,
        new: &str,
        session_id: &str,
    ) -> Result<()> {
        let mut problems = Problems::new();
        problems.take(validate::required("currentPassword", current, 1024))?;
        problems.take(validate::password("newPassword", new))?;
        problems.finish()?;
        let account = self.get_account(user_id).await?;
        let user_id = user_id.as_str();
        if !account.is_active {
            return Err(Error::new(ErrorCode::Forbidden, DEACTIVATED));
        }
        let verified = self
            .passwords
            .verify(current, &account.password_hash)
            .await?;
        if !verified.matches {
            return Err(Error::validation("currentPassword", WRONG_CURRENT));
        }
        if current == new {
            return Err(Error::validation(
                "newPassword",
                "The new password must be different from the current one",
            ));
        }
        let new_hash = self.passwords.hash(new).await?;
        let now = self.now();
        let keep = Some(session_id.trim()).filter(|s| !s.is_empty());
        let mut tx = self
            .db
            .begin()
            .await
            .db_err("starting the password change transaction")?;
        let swapped = accounts::replace_hash(
            &mut tx,
            user_id,
            &account.password_hash,
            &new_hash,
            Some(now),
        )
        .await?;
        if !swapped {
            return Err(Error::conflict(
                "Your password was changed meanwhile; please try again",
            ));
        }
        let ended =
            refresh::revoke_user(&mut tx, user_id, keep, reason::PASSWORD_CHANGED, now).await?;
        events::enqueue(&mut tx, &events::password_changed(user_id)).await?;
        tx.commit().await.db_err("committing the password change")?;
        self.outbox.wake();
        Self::log_deny_failure(self.deny_sessions(&ended).await, "session", user_id);
        Ok(())
    }
}
