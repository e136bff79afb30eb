//! Shopper-facing reads: listings, search, autocomplete, one product, batches, curated rows
//! and price ranges. Every list answers with live stock from one inventory call.
use std::collections::HashSet;
use std::sync::Arc;

use vici_kit::error::ResultExt as _;
use vici_kit::{Error, Result};

use super::{Service, Stocked, visible};
use crate::domain::category;
use crate::domain::curated::{self, Kind};
use crate::domain::facets::Facets;
use crate::domain::sort::clamp_limit;
use crate::domain::text::words_start_with;
use crate::domain::{Filter, Sort, Status};
use crate::search::SearchParams;
use crate::search::curated::Row;
use crate::store;
use vici_proto::paging::Page;

/// A search answer: one page, the total, "did you mean" suggestions and facets over every match.
#[derive(Debug, Default)]
pub struct SearchResult {
    pub products: Vec<Stocked>,
    pub total: u64,
    pub suggestions: Vec<String>,
    /// `(id, name, count)`, largest first.
    pub categories: Vec<(String, String, u64)>,
    pub facets: Facets,
}

/// One autocomplete entry: a product name or a category name.
#[derive(Clone, Debug, PartialEq)]
pub struct Suggestion {
    pub text: String,
    pub product_id: Option<String>,
    pub slug: Option<String>,
}

pub enum ProductKey {
    Id(String),
    Slug(String),
}

/// Most ids a batch lookup takes (a cart holds at most 50 lines).
const MAX_BATCH: usize = 200;
const MAX_EXCLUDED: usize = 1_000;

impl Service {
    /// A filtered page; with a `query` the page comes from search (relevance by default).
    pub async fn list(
        &self,
        filter: Filter,
        sort: Option<Sort>,
        page: Page,
        query: Option<String>,
    ) -> Result<(Vec<Stocked>, u64)> {
        if let Some(text) = query.filter(|q| !q.trim().is_empty()) {
            let found = self.search(text, filter, sort, page).await?;
            return Ok((found.products, found.total));
        }
        let categories = if filter.category.is_some() {
            self.categories().await?
        } else {
            Arc::from(Vec::new())
        };
        let scope = self.scope(&filter, &categories).await?;
        if scope.is_empty(&filter) {
            return Ok((Vec::new(), 0));
        }
        let sort = sort.unwrap_or(Sort::Featured);
        let (ids, total) = match self.index.list(&filter, &scope, sort, page, false) {
            Some(kept) => kept,
            None => {
                let index = self.index.clone();
                tokio::task::spawn_blocking(move || index.list(&filter, &scope, sort, page, true))
                    .await
                    .context("listing task")?
                    .expect("a list that may be built is built")
            }
        };
        let products = self.by_ids(&ids).await?;
        Ok((self.with_stock(products).await?, total))
    }

    pub async fn search(
        &self,
        text: String,
        filter: Filter,
        sort: Option<Sort>,
        page: Page,
    ) -> Result<SearchResult> {
        if text.trim().is_empty() {
            return Err(Error::validation(
                "q",
                "A search needs some words to look for",
            ));
        }
        let categories = self.categories().await?;
        let scope = self.scope(&filter, &categories).await?;
        if scope.is_empty(&filter) {
            return Ok(SearchResult::default());
        }
        let index = self.index.clone();
        let query = text.clone();
        let sort = sort.unwrap_or(Sort::Relevance);
        let search = move |may_search| {
            index.search(
                &SearchParams {
                    text: &query,
                    filter: &filter,
                    scope: &scope,
                    sort,
                    page,
                },
                may_search,
            )
        };
        let hits = match search(false).context("searching the index")? {
            Some(kept) => kept,
            None => tokio::task::spawn_blocking(move || search(true))
                .await
                .context("search task")?
                .context("searching the index")?
                .expect("a search that may run answers"),
        };
        let products = self.by_ids(&hits.ids).await?;
        let names = |id: &str| {
            categories
                .iter()
                .find(|c| c.id == id)
                .map(|c| c.name.clone())
        };
        Ok(SearchResult {
            products: self.with_stock(products).await?,
            total: hits.total,
            suggestions: hits.suggestions,
            categories: hits
                .facets
                .categories_by_count()
                .into_iter()
                .filter_map(|(id, n)| Some((id.to_string(), names(id)?, n)))
                .collect(),
            facets: hits.facets,
        })
    }

    /// Autocomplete: product names matching the words typed so far, then (at most half the
    /// list) category names with words starting so.
    pub async fn suggest(&self, text: String, limit: u32) -> Result<Vec<Suggestion>> {
        let limit = clamp_limit(limit, 5, 20);
        if text.trim().is_empty() {
            return Ok(Vec::new());
        }
        let categories = self.categories().await?;
        let cats: Vec<Suggestion> = categories
            .iter()
            .filter(|c| c.is_active && words_start_with(&c.name, &text))
            .take(limit / 2)
            .map(|c| Suggestion {
                text: c.name.clone(),
                product_id: None,
                slug: Some(c.slug.clone()),
            })
            .collect();
        let index = self.index.clone();
        let wanted = limit - cats.len();
        let products = tokio::task::spawn_blocking(move || index.suggest(&text, wanted))
            .await
            .context("suggest task")?
            .context("autocomplete")?;
        let mut out: Vec<Suggestion> = products
            .into_iter()
            .map(|(id, name, slug)| Suggestion {
                text: name,
                product_id: Some(id),
                slug: Some(slug),
            })
            .collect();
        out.extend(cats);
        Ok(out)
    }

    /// One product by id or slug; unknown, INACTIVE and DRAFT are NOT_FOUND unless `include_all`.
    pub async fn get(&self, key: ProductKey, include_all: bool) -> Result<Stocked> {
        let found = match key {
            ProductKey::Id(id) => self.by_ids(&[id.trim().to_string()]).await?.pop(),
            ProductKey::Slug(slug) => match self.index.id_by_slug(slug.trim()) {
                Some(id) => self.by_ids(&[id]).await?.pop(),
                // Not indexed here: perhaps created on another replica a moment ago.
                None => {
                    let mut conn = self
                        .read_conn("taking a read connection for a product")
                        .await?;
                    store::products::get(&mut conn, None, Some(slug.trim())).await?
                }
            },
        };
        let product = visible(found, include_all)?;
        Ok(self.with_stock(vec![product]).await?.remove(0))
    }

    /// The visible products among `ids`, in the order asked; unknown ids are left out.
    pub async fn get_many(&self, ids: Vec<String>, include_all: bool) -> Result<Vec<Stocked>> {
        let mut seen = HashSet::new();
        let ids: Vec<String> = ids
            .into_iter()
            .map(|i| i.trim().to_string())
            .filter(|i| seen.insert(i.clone()))
            .collect();
        if ids.len() > MAX_BATCH {
            return Err(Error::validation(
                "ids",
                format!("At most {MAX_BATCH} products per batch"),
            ));
        }
        let shown = self
            .by_ids(&ids)
            .await?
            .into_iter()
            .filter(|p| include_all || p.status.is_public())
            .collect();
        self.with_stock(shown).await
    }

    /// A curated row: the documented fallbacks of `domain::curated`.
    pub async fn curated(
        &self,
        kind: Kind,
        product_id: Option<String>,
        category: Option<String>,
        limit: u32,
        mut exclude: Vec<String>,
    ) -> Result<Vec<Stocked>> {
        let limit = clamp_limit(limit, curated::DEFAULT_LIMIT, curated::MAX_LIMIT);
        exclude.truncate(MAX_EXCLUDED);
        let category = category.filter(|c| !c.trim().is_empty());
        let (scope, own_category) = if kind.needs_product() {
            let id = product_id.filter(|p| !p.trim().is_empty()).ok_or_else(|| {
                Error::validation(
                    "productId",
                    "This list is built around a product; give its id",
                )
            })?;
            let product = self.load(&id, false).await?;
            exclude.push(product.id.clone());
            let all = self.categories().await?;
            // The parent's subtree holds the product's own category and its siblings.
            let parent = all
                .iter()
                .find(|c| c.id == product.category_id)
                .and_then(|c| c.parent_id.clone())
                .unwrap_or_else(|| product.category_id.clone());
            (
                Some(category::subtree(&all, &parent)),
                Some(product.category_id),
            )
        } else if let Some(key) = category {
            let ids = category::filter_ids(&self.categories().await?, &key);
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            (Some(ids), None)
        } else {
            (None, None)
        };
        let row = Row {
            kind,
            categories: scope.as_ref(),
            own_category: own_category.as_deref(),
            exclude: &exclude,
            limit,
        };
        let ids = self.index.curated(&row);
        let mut products = self.by_ids(&ids).await?;
        // The product's own status decides, should the table's facts ever differ from it.
        products.retain(|p| p.status == Status::Active);
        self.with_stock(products).await
    }

    /// `(min, max, avg, count)` of ACTIVE prices, optionally within a category and its
    /// descendants; zeros when nothing matches (an unknown category included).
    pub async fn price_range(&self, category: Option<String>) -> Result<(i64, i64, i64, u64)> {
        let scope = match category.filter(|c| !c.trim().is_empty()) {
            Some(key) => {
                let ids = category::filter_ids(&self.categories().await?, &key);
                if ids.is_empty() {
                    return Ok((0, 0, 0, 0));
                }
                Some(ids)
            }
            None => None,
        };
        Ok(self.index.price_range(scope.as_ref()))
    }
}
