//! Profiles: read with defaults, partial updates, avatar uploads.
use vici_kit::Result;
use vici_kit::error::ResultExt as _;
use vici_store::error::SqlxResultExt as _;
use vici_store::now_ms;
use vici_types::UserId;
use vici_types::new_id;

use super::Service;
use crate::domain::profile::{self, Patch, Profile};
use crate::store::{self, profiles};

impl Service {
    /// The stored profile, or the empty one of a user who never saved anything (reads never
    /// write and never fail for a valid user).
    pub async fn profile(&self, user_id: &UserId) -> Result<Profile> {
        let user_id = user_id.as_str();
        let mut conn = self
            .read_conn("taking a read connection for the profile")
            .await?;
        let found = profiles::get(&mut conn, user_id).await?;
        Ok(found.unwrap_or_else(|| Profile::empty(user_id, profile::NEVER_SAVED)))
    }

    pub async fn update_profile(&self, user: &UserId, patch: Patch) -> Result<Profile> {
        if patch == Patch::default() {
            return self.profile(user).await;
        }
        let user_id = user.as_str();
        let (profile, released) = self.change_profile(user_id, |p| patch.apply(p)).await?;
        if let Some(key) = released {
            self.discard_blob(&key).await;
        }
        Ok(profile)
    }

    /// Stores the image and makes it the avatar. The blob is written before the row, so a
    /// failed commit leaves an unreferenced file (removed here) rather than a broken link; the
    /// previous upload is removed once the new one is committed.
    pub async fn set_avatar(&self, user_id: &UserId, data: Vec<u8>) -> Result<Profile> {
        let user_id = user_id.as_str();
        let picture = profile::avatar_picture(data).await?;
        let key = profile::avatar_key(user_id, &new_id(), picture.extension);
        self.blob
            .put(&key, picture.bytes, picture.content_type)
            .await
            .context("storing an avatar")?;
        let url = profile::media_url(&self.public_url, &key);
        let changed = self
            .change_profile(user_id, |p| {
                p.avatar = Some(url);
                p.avatar_key.replace(key.clone())
            })
            .await;
        match changed {
            Ok((profile, released)) => {
                if let Some(old) = released.filter(|old| *old != key) {
                    self.discard_blob(&old).await;
                }
                Ok(profile)
            }
            Err(e) => {
                self.discard_blob(&key).await;
                Err(e)
            }
        }
    }

    /// Applies `change` to the user's profile under the user's lock and saves it; returns the
    /// saved profile and whatever `change` reported (a blob it released).
    async fn change_profile<T>(
        &self,
        user_id: &str,
        change: impl FnOnce(&mut Profile) -> T,
    ) -> Result<(Profile, T)> {
        let mut tx = self
            .db
            .begin()
            .await
            .db_err("starting the profile change transaction")?;
        let now = now_ms();
        store::lock_user(&mut tx, user_id).await?;
        let mut profile = profiles::get(&mut tx, user_id)
            .await?
            .unwrap_or_else(|| Profile::empty(user_id, now));
        let out = change(&mut profile);
        profile.updated_at = now_ms();
        profiles::save(&mut tx, &profile).await?;
        tx.commit().await.db_err("committing the profile change")?;
        Ok((profile, out))
    }
}
