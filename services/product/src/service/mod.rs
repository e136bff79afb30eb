//! The product service's use cases. Each one reads or writes through `store`, applies the
//! `domain` rules, keeps the search index in step and asks inventory for stock; the gRPC
//! handlers only translate to and from these.

pub mod admin;
pub mod browse;
pub mod categories;
pub mod reviews;
pub mod stock;

use std::collections::HashMap;
use std::sync::Arc;

use sqlx::pool::PoolConnection;
use vici_kit::{Error, Result};
use vici_store::error::SqlxResultExt as _;
use vici_store::outbox::Outbox;
use vici_store::{Any, Db};

use self::stock::{Stock, StockLevel};
use crate::domain::category::{self, Category};
use crate::domain::{Filter, Product, Scope, StockScope};
use crate::search::SearchIndex;
use crate::store;

pub struct Service {
    pub db: Db,
    pub index: Arc<SearchIndex>,
    pub stock: Stock,
    pub outbox: Outbox,
    pub blob: vici_blob::SharedBlob,
    /// Base of image URLs, e.g. `http://localhost:3000`.
    pub public_url: String,
}

/// A product with its live stock, as every read answers.
#[derive(Clone, Debug)]
pub struct Stocked {
    pub product: Product,
    pub stock: StockLevel,
}

impl Service {
    /// A connection for reads, `doing` saying what for ("taking a read connection for the
    /// reviews").
    pub async fn read_conn(&self, doing: &'static str) -> Result<PoolConnection<Any>> {
        self.db.reader().acquire().await.db_err(doing)
    }

    /// Every category, held in memory between category changes.
    pub async fn categories(&self) -> Result<Arc<[Category]>> {
        let forgets = match self.index.categories.get() {
            Ok(held) => return Ok(held),
            Err(forgets) => forgets,
        };
        let mut conn = self
            .read_conn("taking a read connection for the categories")
            .await?;
        let list: Arc<[Category]> = store::categories::all(&mut conn).await?.into();
        self.index.categories.keep(forgets, list.clone());
        Ok(list)
    }

    /// Resolves the parts of a filter that need the world: the category subtree (from
    /// `categories`) and the in-stock set (one `ListUnavailable` call).
    pub async fn scope(&self, filter: &Filter, categories: &[Category]) -> Result<Scope> {
        let categories = filter
            .category
            .as_deref()
            .map(|key| category::filter_ids(categories, key));
        let stock = match filter.in_stock {
            Some(wanted) => StockScope::from_unavailable(wanted, self.stock.unavailable().await?),
            None => StockScope::Any,
        };
        Ok(Scope { categories, stock })
    }

    /// Attaches stock to `products` with one inventory call for all of them.
    pub async fn with_stock(&self, products: Vec<Product>) -> Result<Vec<Stocked>> {
        let mut levels = self
            .stock
            .levels(products.iter().map(|p| p.id.clone()).collect())
            .await?;
        Ok(products
            .into_iter()
            .map(|p| {
                let stock = levels.remove(&p.id).unwrap_or_default();
                Stocked { product: p, stock }
            })
            .collect())
    }

    /// The answer to an admin write that has already committed: the stored product with its
    /// stock. The write cannot be undone any more, so if inventory does not answer the change is
    /// still reported (with stock 0, logged) rather than turned into an error a client would
    /// retry — a retried create would make a second product.
    pub async fn after_write(&self, id: &str) -> Result<Stocked> {
        let product = self.load(id, true).await?;
        match self.stock.levels(vec![product.id.clone()]).await {
            Ok(mut levels) => Ok(Stocked {
                stock: levels.remove(&product.id).unwrap_or_default(),
                product,
            }),
            Err(e) => {
                tracing::warn!(product_id = %id, error = ?e, "stock unavailable for a write's answer; reporting 0");
                Ok(Stocked {
                    product,
                    stock: StockLevel::default(),
                })
            }
        }
    }

    /// A product by id (any status when `include_all`, else only ACTIVE), or NOT_FOUND.
    pub async fn load(&self, id: &str, include_all: bool) -> Result<Product> {
        let mut conn = self
            .read_conn("taking a read connection for a product")
            .await?;
        let found = store::products::get(&mut conn, Some(id.trim()), None).await?;
        visible(found, include_all)
    }

    /// The products of `ids` in the order asked, unknown ones left out, from the catalogue the
    /// search index keeps in memory (this process's writes are in it before they answer, other
    /// replicas' once their `product-events` arrive); the database is read only for ids it does
    /// not hold (a product another replica has just created, or none at all).
    pub async fn by_ids(&self, ids: &[String]) -> Result<Vec<Product>> {
        let held = self.index.products(ids);
        let missing: Vec<String> = ids
            .iter()
            .zip(&held)
            .filter(|(_, product)| product.is_none())
            .map(|(id, _)| id.clone())
            .collect();
        let mut read: HashMap<String, Product> = if missing.is_empty() {
            HashMap::new()
        } else {
            let mut conn = self
                .read_conn("taking a read connection for products not in memory")
                .await?;
            let found = store::products::get_many(&mut conn, &missing).await?;
            found.into_iter().map(|p| (p.id.clone(), p)).collect()
        };
        Ok(ids
            .iter()
            .zip(held)
            .filter_map(|(id, product)| match product {
                Some(product) => Some(Product::clone(&product)),
                None => read.remove(id),
            })
            .collect())
    }

    /// Re-reads `ids` from the database into the search index. Called after a commit: the
    /// change is already stored, so a failure here is logged rather than reported, and the
    /// next write of the product (or a restart) repairs the index; meanwhile reads by id go
    /// to the database, so no answer shows the product as it was before the change.
    pub async fn reindex(&self, ids: Vec<String>) {
        let read = async {
            let mut conn = self
                .read_conn("taking a read connection to re-index products")
                .await
                .map_err(anyhow::Error::from)?;
            store::products::get_many(&mut conn, &ids)
                .await
                .map_err(anyhow::Error::from)
        };
        let result = self.index.refresh(read).await;
        if let Err(e) = result {
            self.index.forget(&ids);
            tracing::error!(error = ?e, ?ids, "search index not updated");
        }
    }
}

/// NOT_FOUND for an unknown product and, unless `include_all`, for one shoppers may not open.
pub fn visible(found: Option<Product>, include_all: bool) -> Result<Product> {
    match found {
        Some(p) if include_all || p.status.is_public() => Ok(p),
        _ => Err(Error::not_found("Product not found")),
    }
}
