//! Wishlists: entries stored here, product details fetched from the catalogue — one call per
//! answer, whatever the page size.
use std::collections::HashMap;
use vici_types::{ProductId, UserId};

use vici_kit::Result;
use vici_proto::user::v1::ProductSummary;
use vici_store::error::SqlxResultExt as _;
use vici_store::now_ms;
use vici_types::new_id;

use super::Service;
use crate::domain::wishlist::{self, Entry};
use crate::store;
use vici_proto::paging::Page;

/// An entry with the product as the catalogue shows it now; `None` when the product no longer
/// exists at all (a retired one still shows).
pub type Item = (Entry, Option<ProductSummary>);

impl Service {
    /// Saves a product a shopper can currently open (the product service's visibility rule)
    /// to the user's wishlist.
    pub async fn add_to_wishlist(&self, user_id: &UserId, product_id: &ProductId) -> Result<Item> {
        let user_id = user_id.as_str();
        let product_id = product_id.to_string();
        let summary = self
            .catalogue
            .products(vec![product_id.clone()], false)
            .await?
            .into_iter()
            .find(|p| p.id == product_id)
            .ok_or_else(wishlist::no_such_product)?;
        let entry = Entry {
            id: new_id(),
            user_id: user_id.to_string(),
            product_id,
            added_at: now_ms(),
        };
        let mut conn = self
            .db
            .writer()
            .acquire()
            .await
            .db_err("taking a write connection to add to the wishlist")?;
        if !store::wishlist::insert(&mut conn, &entry).await? {
            return Err(wishlist::duplicate());
        }
        Ok((entry, Some(summary)))
    }

    /// One page, newest first, with every product of the page from one catalogue call.
    pub async fn wishlist(&self, user_id: &UserId, page: Page) -> Result<(Vec<Item>, i64)> {
        let user_id = user_id.as_str();
        let mut conn = self
            .read_conn("taking a read connection for the wishlist")
            .await?;
        let (entries, total) = store::wishlist::page(&mut conn, user_id, page).await?;
        drop(conn);
        if entries.is_empty() {
            return Ok((Vec::new(), total));
        }
        let ids = entries.iter().map(|e| e.product_id.clone()).collect();
        let products: HashMap<String, ProductSummary> = self
            .catalogue
            .products(ids, true)
            .await?
            .into_iter()
            .map(|p| (p.id.clone(), p))
            .collect();
        let items = entries
            .into_iter()
            .map(|e| {
                let product = products.get(&e.product_id).cloned();
                (e, product)
            })
            .collect();
        Ok((items, total))
    }

    pub async fn remove_from_wishlist(
        &self,
        user_id: &UserId,
        product_id: &ProductId,
    ) -> Result<()> {
        let user_id = user_id.as_str();
        let product_id = product_id.as_str();
        let mut conn = self
            .db
            .writer()
            .acquire()
            .await
            .db_err("taking a write connection to remove from the wishlist")?;
        if !store::wishlist::remove(&mut conn, user_id, product_id).await? {
            return Err(wishlist::not_in_wishlist());
        }
        Ok(())
    }
}
