//! Addresses: every write runs in one transaction under the user's lock (`store::lock_user`),
//! so the limit and the single default hold however many requests race.
use vici_kit::Result;
use vici_store::error::SqlxResultExt as _;
use vici_store::now_ms;
use vici_types::{AddressId, UserId};
use vici_types::{AddressPatch, PostalAddress, new_id};

use super::Service;
use crate::domain::address::{self, Address, MAX_ADDRESSES, limit_reached, not_found};
use crate::store::{self, addresses};

impl Service {
    pub async fn addresses(&self, user_id: &UserId) -> Result<Vec<Address>> {
        let user_id = user_id.as_str();
        let mut conn = self
            .read_conn("taking a read connection for the addresses")
            .await?;
        addresses::list(&mut conn, user_id).await
    }

    pub async fn address(&self, user_id: &UserId, address_id: &AddressId) -> Result<Address> {
        let user_id = user_id.as_str();
        let id = address_id.as_str();
        let mut conn = self
            .read_conn("taking a read connection for an address")
            .await?;
        addresses::get(&mut conn, user_id, id)
            .await?
            .ok_or_else(not_found)
    }

    /// Adds an address. The first one is the default whatever was asked; asking for the default
    /// moves it from the old one.
    pub async fn create_address(
        &self,
        user_id: &UserId,
        patch: AddressPatch,
        is_default: bool,
    ) -> Result<Address> {
        let user_id = user_id.as_str();
        let fields = PostalAddress::from_complete(patch.validate(true)?);
        let mut tx = self
            .db
            .begin()
            .await
            .db_err("starting the new-address transaction")?;
        store::lock_user(&mut tx, user_id).await?;
        // Stamped after the lock, so creation order is commit order.
        let now = now_ms();
        let count = addresses::count(&mut tx, user_id).await?;
        if count >= MAX_ADDRESSES {
            return Err(limit_reached());
        }
        let is_default = is_default || count == 0;
        if is_default {
            addresses::clear_default(&mut tx, user_id, now).await?;
        }
        let created = Address {
            id: new_id(),
            user_id: user_id.to_string(),
            fields,
            is_default,
            created_at: now,
            updated_at: now,
        };
        addresses::insert(&mut tx, &created).await?;
        tx.commit().await.db_err("committing the new address")?;
        Ok(created)
    }

    pub async fn update_address(
        &self,
        user_id: &UserId,
        address_id: &AddressId,
        patch: AddressPatch,
        is_default: Option<bool>,
    ) -> Result<Address> {
        let user_id = user_id.as_str();
        let id = address_id.as_str();
        let patch = patch.validate(false)?;
        let mut tx = self
            .db
            .begin()
            .await
            .db_err("starting the address change transaction")?;
        store::lock_user(&mut tx, user_id).await?;
        let mut found = addresses::get(&mut tx, user_id, id)
            .await?
            .ok_or_else(not_found)?;
        let promote = address::becomes_default(found.is_default, is_default)?;
        let now = now_ms();
        found.fields.apply(patch);
        found.updated_at = now;
        if promote {
            addresses::clear_default(&mut tx, user_id, now).await?;
            found.is_default = true;
        }
        addresses::update(&mut tx, &found).await?;
        tx.commit().await.db_err("committing the address change")?;
        Ok(found)
    }

    /// Deletes an address; when it was the default, the oldest remaining one takes over.
    pub async fn delete_address(&self, user_id: &UserId, address_id: &AddressId) -> Result<()> {
        let user_id = user_id.as_str();
        let id = address_id.as_str();
        let mut tx = self
            .db
            .begin()
            .await
            .db_err("starting the address deletion transaction")?;
        store::lock_user(&mut tx, user_id).await?;
        let found = addresses::get(&mut tx, user_id, id)
            .await?
            .ok_or_else(not_found)?;
        addresses::delete(&mut tx, user_id, id).await?;
        if found.is_default {
            addresses::promote_oldest(&mut tx, user_id, now_ms()).await?;
        }
        tx.commit()
            .await
            .db_err("committing the address deletion")?;
        Ok(())
    }
}
