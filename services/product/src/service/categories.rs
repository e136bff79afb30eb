//! Categories: the tree with product counts, one category with its children, and admin edits.
//! Each edit commits with its `product.category_*` event (see `events`); a rename re-indexes the
//! category's products here at once, and every other replica does the same from the event (see
//! `replica`).
use vici_kit::{Error, Result};
use vici_store::error::SqlxResultExt as _;
use vici_store::now_ms;
use vici_types::new_id;

use super::Service;
use crate::domain::category::{self, CategoryPatch, Node};
use crate::{events, store};

impl Service {
    /// Top-level categories by sort order then name; `tree` nests every level below.
    pub async fn list_categories(&self, tree: bool, include_inactive: bool) -> Result<Vec<Node>> {
        let all = self.categories().await?;
        let counts = self.index.active_counts();
        let depth = if tree { usize::MAX } else { 0 };
        Ok(category::tree(&all, &counts, None, depth, include_inactive))
    }

    /// One category by id or slug, with its (active) children nested.
    pub async fn get_category(&self, key: &str) -> Result<Node> {
        let all = self.categories().await?;
        let found =
            category::find(&all, key).ok_or_else(|| Error::not_found("Category not found"))?;
        let counts = self.index.active_counts();
        Ok(category::node(&all, &counts, found, usize::MAX, false))
    }

    pub async fn create_category(&self, patch: CategoryPatch) -> Result<Node> {
        let mut tx = self
            .db
            .begin()
            .await
            .db_err("starting the category creation transaction")?;
        let all = store::categories::all(&mut tx).await?;
        let created = patch.create(&all, new_id())?;
        store::categories::insert(&mut tx, &created, now_ms()).await?;
        events::emit(&mut tx, &events::category_created(&created)).await?;
        tx.commit().await.db_err("committing the new category")?;
        self.index.categories.forget();
        self.outbox.wake();
        self.get_category(&created.id).await
    }

    /// Applies `patch`; an edit that changes nothing writes nothing and announces nothing.
    pub async fn update_category(&self, id: &str, patch: CategoryPatch) -> Result<Node> {
        let mut tx = self
            .db
            .begin()
            .await
            .db_err("starting the category change transaction")?;
        let all = store::categories::all(&mut tx).await?;
        let mut edited = all
            .iter()
            .find(|c| c.id == id.trim())
            .cloned()
            .ok_or_else(|| Error::not_found("Category not found"))?;
        let changed = patch.apply(&all, &mut edited)?;
        if changed.is_empty() {
            drop(tx);
            return self.get_category(&edited.id).await;
        }
        store::categories::update(&mut tx, &edited, now_ms()).await?;
        events::emit(&mut tx, &events::category_updated(&edited, &changed)).await?;
        // Products carry their category's name in the search index.
        let products = if changed.contains(&"name") {
            store::categories::product_ids(&mut tx, &edited.id).await?
        } else {
            Vec::new()
        };
        tx.commit().await.db_err("committing the category change")?;
        self.index.categories.forget();
        self.outbox.wake();
        if !products.is_empty() {
            self.reindex(products).await;
        }
        self.get_category(&edited.id).await
    }

    /// Refuses with CONFLICT while products (of any status) or child categories remain.
    pub async fn delete_category(&self, id: &str) -> Result<()> {
        let mut tx = self
            .db
            .begin()
            .await
            .db_err("starting the category deletion transaction")?;
        let all = store::categories::all(&mut tx).await?;
        if !all.iter().any(|c| c.id == id.trim()) {
            return Err(Error::not_found("Category not found"));
        }
        match store::categories::delete_if_empty(&mut tx, id.trim()).await? {
            Some(("products", n)) => Err(Error::conflict(format!(
                "This category still holds {n} products; move them first"
            ))
            .with_detail("products", n)),
            Some((what, n)) => Err(Error::conflict(format!(
                "This category still has {n} subcategories; move or delete them first"
            ))
            .with_detail(what, n)),
            None => {
                events::emit(&mut tx, &events::category_deleted(id.trim())).await?;
                tx.commit()
                    .await
                    .db_err("committing the category deletion")?;
                self.index.categories.forget();
                self.outbox.wake();
                Ok(())
            }
        }
    }
}
