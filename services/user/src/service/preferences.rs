//! Preferences: created with the defaults on first read, changed setting by setting.
use vici_kit::{Error, Result};
use vici_store::error::SqlxResultExt as _;
use vici_store::now_ms;
use vici_types::UserId;

use super::Service;
use crate::domain::preferences::{Patch, Preferences};
use crate::store::preferences;

impl Service {
    /// The user's preferences, storing the defaults the first time (a plain read afterwards).
    pub async fn preferences(&self, user_id: &UserId) -> Result<Preferences> {
        let user_id = user_id.as_str();
        let mut conn = self
            .read_conn("taking a read connection for the preferences")
            .await?;
        if let Some(found) = preferences::get(&mut conn, user_id).await? {
            return Ok(found);
        }
        drop(conn);
        let mut tx = self
            .db
            .begin()
            .await
            .db_err("starting the default preferences transaction")?;
        preferences::create_if_missing(&mut tx, &Preferences::defaults(user_id), now_ms()).await?;
        let stored = preferences::get(&mut tx, user_id).await?;
        tx.commit()
            .await
            .db_err("committing the default preferences")?;
        stored.ok_or_else(|| Error::internal(anyhow::anyhow!("preferences vanished after insert")))
    }

    pub async fn update_preferences(&self, user_id: &UserId, patch: Patch) -> Result<Preferences> {
        let user_id = user_id.as_str();
        let patch = patch.validate()?;
        let now = now_ms();
        let mut tx = self
            .db
            .begin()
            .await
            .db_err("starting the preferences change transaction")?;
        preferences::create_if_missing(&mut tx, &Preferences::defaults(user_id), now).await?;
        preferences::update(&mut tx, user_id, &patch, now).await?;
        let stored = preferences::get(&mut tx, user_id).await?;
        tx.commit()
            .await
            .db_err("committing the preferences change")?;
        stored.ok_or_else(|| Error::internal(anyhow::anyhow!("preferences vanished after update")))
    }
}
