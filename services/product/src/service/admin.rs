//! Admin writes to products. Each change and its `product.*` event commit in one transaction;
//! after the commit the relay is woken, the search index re-reads the product, and the answer
//! is the product as stored.
use vici_blob::picture::{self, PictureRules};
use vici_kit::error::ResultExt as _;
use vici_kit::{Error, Result};
use vici_store::error::SqlxResultExt as _;
use vici_store::now_ms;
use vici_types::new_id;

use super::{Service, Stocked};
use crate::domain::edit::{Draft, Patch};
use crate::domain::{Product, Status, Variant, category, media, slug};
use crate::events;
use crate::store::products as rows;

/// Attempts at a generated slug when another writer takes the same one between our check and
/// our insert (PostgreSQL; SQLite's single writer cannot race).
const SLUG_ATTEMPTS: usize = 3;

impl Service {
    pub async fn create_product(&self, mut draft: Draft, category_key: &str) -> Result<Stocked> {
        draft.validate()?;
        let category_id = self.resolve_category(category_key).await?;
        let id = new_id();
        let now = now_ms();
        let variants: Vec<(Variant, i64)> = draft
            .variants
            .into_iter()
            .map(|v| {
                let variant = Variant {
                    id: new_id(),
                    name: v.name,
                    sku: v.sku,
                    price_cents: v.price_cents,
                    attributes: v.attributes,
                };
                (variant, v.initial_stock)
            })
            .collect();
        let opening: Vec<(Option<String>, i64)> = std::iter::once((None, draft.initial_stock))
            .chain(
                variants
                    .iter()
                    .map(|(v, units)| (Some(v.id.clone()), *units)),
            )
            .collect();
        let mut product = Product {
            sku: if draft.sku.is_empty() {
                generated_sku(&id)
            } else {
                draft.sku.clone()
            },
            id: id.clone(),
            name: draft.name.clone(),
            slug: String::new(),
            description: draft.description,
            long_description: draft.long_description,
            price_cents: draft.price_cents,
            original_price_cents: draft.original_price_cents,
            currency: DEFAULT_CURRENCY.into(),
            category_id,
            category_name: String::new(),
            category_slug: String::new(),
            images: draft.images,
            rating: 0.0,
            review_count: 0,
            specifications: draft.specifications_json,
            tags: draft.tags,
            is_new: draft.is_new,
            is_featured: draft.is_featured,
            is_on_sale: draft.is_on_sale,
            status: draft.status,
            variants: variants.into_iter().map(|(v, _)| v).collect(),
            created_at: now,
            updated_at: now,
        };
        for attempt in 1..=SLUG_ATTEMPTS {
            let mut tx = self
                .db
                .begin()
                .await
                .db_err("starting the new-product transaction")?;
            product.slug = match &draft.slug {
                Some(s) => s.clone(),
                None => {
                    let base = slug::base_for(&product.name, "product");
                    slug::unique(&base, &rows::taken_slugs(&mut tx, &base).await?)
                }
            };
            if let Err(err) = rows::insert(&mut tx, &product).await {
                if draft.slug.is_none()
                    && attempt < SLUG_ATTEMPTS
                    && err.details.contains_key("slug")
                {
                    continue;
                }
                return Err(err);
            }
            events::emit(&mut tx, &events::created(&product)).await?;
            tx.commit().await.db_err("committing the new product")?;
            break;
        }
        self.outbox.wake();
        self.reindex(vec![id.clone()]).await;
        self.stock.init(&product.id, opening).await;
        self.after_write(&id).await
    }

    /// Applies `patch` (plus a category given by id or slug); emits `product.updated` with the
    /// changed fields and `product.price_changed` when the price moved. A patch that changes
    /// nothing writes nothing and emits nothing.
    pub async fn update_product(
        &self,
        id: &str,
        mut patch: Patch,
        category_key: Option<&str>,
    ) -> Result<Stocked> {
        if let Some(key) = category_key.filter(|k| !k.trim().is_empty()) {
            patch.category_id = Some(self.resolve_category(key).await?);
        }
        let mut tx = self
            .db
            .begin()
            .await
            .db_err("starting the product change transaction")?;
        let current = rows::get(&mut tx, Some(id.trim()), None)
            .await?
            .ok_or_else(not_found)?;
        let mut next = current.clone();
        let changed = patch.apply(&mut next)?;
        if changed.is_empty() {
            drop(tx);
            return self.after_write(&current.id).await;
        }
        next.updated_at = now_ms();
        rows::update(&mut tx, &next, changed.contains(&"tags")).await?;
        events::emit(&mut tx, &events::updated(&next, &changed)).await?;
        if next.price_cents != current.price_cents {
            events::emit(&mut tx, &events::price_changed(&next, current.price_cents)).await?;
        }
        tx.commit().await.db_err("committing the product change")?;
        self.outbox.wake();
        self.reindex(vec![next.id.clone()]).await;
        self.after_write(&next.id).await
    }

    /// Soft delete: the product becomes INACTIVE (orders and reviews still point at it).
    /// Deleting an inactive product again changes nothing and emits nothing.
    pub async fn delete_product(&self, id: &str) -> Result<()> {
        let mut tx = self
            .db
            .begin()
            .await
            .db_err("starting the product deletion transaction")?;
        let mut product = rows::get(&mut tx, Some(id.trim()), None)
            .await?
            .ok_or_else(not_found)?;
        if product.status == Status::Inactive {
            return Ok(());
        }
        product.status = Status::Inactive;
        product.updated_at = now_ms();
        rows::update(&mut tx, &product, false).await?;
        events::emit(&mut tx, &events::deleted(&product)).await?;
        tx.commit()
            .await
            .db_err("committing the product deletion")?;
        self.outbox.wake();
        self.reindex(vec![product.id]).await;
        Ok(())
    }

    /// Stores an uploaded image and appends its URL. The picture is judged by its bytes (JPEG,
    /// PNG or WebP, never the client's claim), checked for size from its header, and stored
    /// re-encoded (`vici_blob::picture`). The blob is written first: if the database update
    /// then fails, an unreferenced file is left behind, never a broken link.
    pub async fn add_image(&self, product_id: &str, data: Vec<u8>) -> Result<Stocked> {
        let product = self.load(product_id, true).await?;
        if product.images.len() >= crate::domain::fields::MAX_IMAGES {
            return Err(Error::validation(
                "images",
                "This product already has the most images allowed (20)",
            ));
        }
        let picture = picture::clean(data, PictureRules::PRODUCT)
            .await
            .map_err(|refusal| Error::validation("image", refusal.to_string()))?;
        let key = media::blob_key(&product.id, &new_id(), picture.extension);
        self.blob
            .put(&key, picture.bytes, picture.content_type)
            .await
            .context("storing a product image")?;
        let url = media::public_url(&self.public_url, &key);
        self.update_product(
            &product.id,
            Patch {
                add_images: vec![url],
                ..Patch::default()
            },
            None,
        )
        .await
    }

    /// The id of the category named by id or slug, or a validation error on `category`.
    async fn resolve_category(&self, key: &str) -> Result<String> {
        let all = self.categories().await?;
        category::find(&all, key)
            .map(|c| c.id.clone())
            .ok_or_else(|| {
                Error::validation(
                    "category",
                    format!("Category `{}` does not exist", key.trim()),
                )
            })
    }
}

/// The shop's currency for products created through the API (the seed sets its own).
const DEFAULT_CURRENCY: &str = "USD";

/// A SKU for a product created without one, from the random tail of its id.
fn generated_sku(id: &str) -> String {
    let hex: String = id.chars().filter(char::is_ascii_hexdigit).collect();
    format!(
        "VICI-{}",
        hex[hex.len().saturating_sub(10)..].to_ascii_uppercase()
    )
}

fn not_found() -> Error {
    Error::not_found("Product not found")
}

#[cfg(test)]
mod tests {
    #[test]
    fn generated_skus_use_the_random_tail() {
        assert_eq!(
            super::generated_sku("0191e3c1-7a2b-7c3d-8e4f-a1b2c3d4e5f6"),
            "VICI-B2C3D4E5F6"
        );
    }
}
