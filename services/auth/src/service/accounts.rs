//! The account record: read, rename, and the admin's list and role/active changes.
use vici_kit::{Error, Result};
use vici_proto::paging::Page;
use vici_store::error::SqlxResultExt as _;
use vici_types::UserId;

use super::{Service, account_not_found};
use crate::events;
use crate::store::sessions::reason;
use crate::store::{Account, accounts, sessions as refresh};
use crate::validate;

const SEARCH_MAX_CHARS: usize = 200;

/// An admin's change to an account; `None` leaves a value as it is.
pub struct AdminChange {
    pub user_id: UserId,
    /// `customer` or `admin`, as stored.
    pub role: Option<&'static str>,
    pub is_active: Option<bool>,
    /// The admin making the change (none when the caller sent no valid id).
    pub actor_id: Option<UserId>,
}

impl Service {
    pub async fn get_account(&self, user_id: &UserId) -> Result<Account> {
        accounts::by_id(self.db.reader(), user_id.as_str())
            .await?
            .ok_or_else(account_not_found)
    }

    /// The caller renaming themselves; announced as `user.updated {fields: ["name"]}` when the
    /// name actually changed.
    pub async fn update_account(&self, user_id: &UserId, name: Option<&str>) -> Result<Account> {
        let account = self.get_account(user_id).await?;
        let Some(raw) = name else {
            return Ok(account);
        };
        let name = validate::name(raw)?;
        if name == account.name {
            return Ok(account);
        }
        let now = self.now();
        let mut tx = self
            .db
            .begin()
            .await
            .db_err("starting the rename transaction")?;
        accounts::set_name(&mut tx, &account.id, &name, now).await?;
        events::enqueue(&mut tx, &events::updated(&account.id, &["name"])).await?;
        tx.commit().await.db_err("committing the rename")?;
        self.outbox.wake();
        Ok(Account {
            name,
            updated_at: now,
            ..account
        })
    }

    /// A page of accounts, newest first, and how many match.
    pub async fn list_accounts(
        &self,
        search: &str,
        role_filter: Option<&str>,
        page: Page,
    ) -> Result<(Vec<Account>, i64)> {
        let search = search.trim().to_lowercase();
        if search.chars().count() > SEARCH_MAX_CHARS {
            return Err(Error::validation(
                "search",
                "Search must be at most 200 characters long",
            ));
        }
        accounts::list(
            &self.db,
            Some(search.as_str()).filter(|s| !s.is_empty()),
            role_filter,
            i64::from(page.limit),
            page.offset(),
        )
        .await
    }

    /// Role and active flag. Either change bumps the token version, denying every access
    /// token minted before it; deactivation also ends every session, while after a role change
    /// the client refreshes into the new role.
    pub async fn admin_update(&self, c: AdminChange) -> Result<Account> {
        let new_role = c.role;
        // Both ids are canonical: another spelling of the same id is still "themselves".
        let is_self = c.actor_id.as_ref() == Some(&c.user_id);
        let user_id = String::from(c.user_id);
        if is_self && new_role == Some("customer") {
            return Err(Error::validation(
                "role",
                "You cannot remove your own administrator access",
            ));
        }
        if is_self && c.is_active == Some(false) {
            return Err(Error::validation(
                "isActive",
                "You cannot deactivate your own account",
            ));
        }
        let account = accounts::by_id(self.db.reader(), &user_id)
            .await?
            .ok_or_else(account_not_found)?;
        let role = new_role.map_or_else(|| account.role.clone(), str::to_string);
        let is_active = c.is_active.unwrap_or(account.is_active);
        let mut fields = Vec::new();
        if role != account.role {
            fields.push("role");
        }
        if is_active != account.is_active {
            fields.push("isActive");
        }
        if fields.is_empty() {
            return Ok(account);
        }
        let deactivated = account.is_active && !is_active;
        let now = self.now();
        let mut tx = self
            .db
            .begin()
            .await
            .db_err("starting the admin account change transaction")?;
        let version = accounts::set_role_and_active(&mut tx, &user_id, &role, is_active, now)
            .await?
            .ok_or_else(account_not_found)?;
        let ended = match deactivated {
            true => refresh::revoke_user(&mut tx, &user_id, None, reason::DEACTIVATED, now).await?,
            false => Vec::new(),
        };
        events::enqueue(&mut tx, &events::updated(&user_id, &fields)).await?;
        tx.commit()
            .await
            .db_err("committing the admin account change")?;
        self.outbox.wake();
        tracing::info!(user_id, actor = ?c.actor_id, ?fields, "account changed by an admin");
        // Either change makes every token minted so far wrong: the version moved on in the
        // transaction above, and the user entry denies every token of an older one. Ended
        // sessions are denied by id as well.
        Self::log_deny_failure(self.deny_user(&user_id, version).await, "user", &user_id);
        Self::log_deny_failure(self.deny_sessions(&ended).await, "session", &user_id);
        Ok(Account {
            role,
            is_active,
            updated_at: now,
            token_version: version,
            ..account
        })
    }
}
