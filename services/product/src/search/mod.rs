//! Full-text product search: a tantivy index in RAM, built from the database at start and kept
//! in step with every product write in this process (commit, then an immediate reader reload,
//! so a change is searchable at once).
//!
//! A query is one pass: tantivy yields every matching `(slot, score)`; the in-memory
//! [`table::Table`] then filters them with the same [`Filter`] rules plain listings use
//! ([`listing`]), counts facets over the whole match set and ranks it all, so the answer can be
//! kept ([`kept`]) and every later page of it is a slice.
//! Everything here is blocking CPU work: callers run it on the blocking pool.
//!
//! Beside the index it keeps every product as last indexed ([`SearchIndex::products`]), so a
//! page of hits, a plain listing, a product page, a curated row or a batch asked by id is
//! answered from memory, not SQL.
//!
//! Other replicas keep their own index in step by consuming `product-events` and re-reading the
//! product from the shared database (`crate::replica`).

pub mod categories;
pub mod curated;
pub mod kept;
pub mod listing;
pub mod query;
pub mod table;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};

use anyhow::Context as _;
use tantivy::schema::{FAST, INDEXED, IndexRecordOption, Schema, TextFieldIndexing, TextOptions};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use self::kept::Kept;
use self::listing::Listings;
use self::query::{Mode, WeightedField};
use self::table::{SLOT_FIELD, ScoredSlots, Table};
use crate::domain::facets::Facets;
use crate::domain::text::suggestions;
use crate::domain::{Facts, Filter, Product, Scope, Sort, Status, StockScope};
use vici_proto::paging::Page;

pub struct SearchIndex {
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    slot: tantivy::schema::Field,
    /// name, description, long description, tags, category name, sku.
    text: [WeightedField; 6],
    table: RwLock<Table>,
    /// Plain listings kept per shape for the table's version.
    listings: Listings,
    /// Search answers kept per words and shape for the table's version.
    searches: Kept<Found>,
    /// Every product as last indexed, by id.
    catalogue: RwLock<HashMap<String, Arc<Product>>>,
    /// The category list, held between category changes.
    pub categories: categories::HeldCategories,
    /// Held from reading products to indexing them (see [`SearchIndex::refresh`]).
    refreshing: tokio::sync::Mutex<()>,
}

/// What one search asks for.
pub struct SearchParams<'a> {
    pub text: &'a str,
    pub filter: &'a Filter,
    pub scope: &'a Scope,
    pub sort: Sort,
    pub page: Page,
}

/// One page of matches, the total across pages, facets over all of them, and the "did you
/// mean" suggestions.
#[derive(Debug, Default)]
pub struct SearchHits {
    pub ids: Vec<String>,
    pub total: u64,
    pub facets: Facets,
    pub suggestions: Vec<String>,
}

/// A whole search answer: every admitted match ranked, the facets over them, and the
/// suggestions from the best of them (made with the answer, so a kept answer does not correct
/// its query's typos again each time it is asked for).
struct Found {
    ranked: Vec<u32>,
    facets: Facets,
    suggestions: Vec<String>,
}

impl Found {
    fn page(&self, page: Page) -> &[u32] {
        &self.ranked[page.window(self.ranked.len())]
    }
}

/// Slots kept over all search answers (past this they are dropped): 8 MiB of slot numbers.
const MAX_KEPT_SEARCH_SLOTS: usize = 2_000_000;

/// How many of the best matches feed the "did you mean" suggestions, and most suggestions.
const BEST: usize = 5;
const SUGGESTIONS: usize = 5;
/// Writer memory: enough to index a 100 000-product catalogue in a handful of segments.
const WRITER_BYTES: usize = 64 * 1024 * 1024;

impl SearchIndex {
    pub fn new() -> anyhow::Result<Self> {
        let mut schema = Schema::builder();
        let text = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(query::ANALYZER)
                .set_index_option(IndexRecordOption::WithFreqs),
        );
        let mut field = |name: &str, boost: f32, fuzzy: bool, prefix: bool| WeightedField {
            field: schema.add_text_field(name, text.clone()),
            boost,
            fuzzy,
            prefix,
        };
        let fields = [
            field("name", 3.0, true, true),
            field("description", 1.0, true, true),
            field("long_description", 0.5, false, false),
            field("tags", 2.0, true, true),
            field("category", 1.5, true, true),
            field("sku", 2.0, false, true),
        ];
        // The slot is indexed (to delete a product's old document) and fast (to read per match).
        let slot = schema.add_u64_field(SLOT_FIELD, INDEXED | FAST);
        let index = Index::create_in_ram(schema.build());
        index
            .tokenizers()
            .register(query::ANALYZER, query::index_analyzer());
        let writer = index
            .writer_with_num_threads(1, WRITER_BYTES)
            .context("creating the search index writer")?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(Self {
            reader,
            writer: Mutex::new(writer),
            slot,
            text: fields,
            table: RwLock::new(Table::default()),
            listings: Listings::default(),
            searches: Kept::new(MAX_KEPT_SEARCH_SLOTS),
            catalogue: RwLock::default(),
            categories: categories::HeldCategories::default(),
            refreshing: tokio::sync::Mutex::new(()),
        })
    }

    /// Indexes the products `read` returns, one refresh at a time, reading under the same turn:
    /// a refresh that read a product earlier can never overwrite one that read it later. In one
    /// process the writer's refresh after its commit and the replica consumer's refresh for an
    /// earlier event of the same product can overlap; without the turn the consumer's older copy
    /// could land last and the index would show a change undone.
    pub async fn refresh(
        self: &Arc<Self>,
        read: impl Future<Output = anyhow::Result<Vec<Product>>>,
    ) -> anyhow::Result<()> {
        let _turn = self.refreshing.lock().await;
        let products = read.await?;
        if products.is_empty() {
            return Ok(());
        }
        let index = self.clone();
        tokio::task::spawn_blocking(move || index.upsert(&products))
            .await
            .context("search index task")?
    }

    fn document(&self, slot: u32, p: &Product) -> TantivyDocument {
        let mut doc = TantivyDocument::default();
        let [name, description, long_description, tags, category, sku] = self.text.map(|f| f.field);
        doc.add_u64(self.slot, u64::from(slot));
        doc.add_text(name, &p.name);
        doc.add_text(description, &p.description);
        doc.add_text(long_description, &p.long_description);
        doc.add_text(tags, p.tags.join(" "));
        doc.add_text(category, &p.category_name);
        doc.add_text(sku, &p.sku);
        for v in &p.variants {
            doc.add_text(sku, &v.sku);
        }
        doc
    }

    /// Adds or replaces products and makes them searchable before returning.
    pub fn upsert(&self, products: &[Product]) -> anyhow::Result<()> {
        {
            // The stored truth, whatever becomes of indexing it.
            let mut catalogue = self.catalogue.write().unwrap_or_else(|e| e.into_inner());
            for p in products {
                catalogue.insert(p.id.clone(), Arc::new(p.clone()));
            }
        }
        let mut writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        for p in products {
            let slot = self
                .table
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .put(Facts::from(p));
            writer.delete_term(Term::from_field_u64(self.slot, u64::from(slot)));
            writer.add_document(self.document(slot, p))?;
        }
        writer.commit().context("committing the search index")?;
        self.reader
            .reload()
            .context("reloading the search reader")?;
        // A search between the facts' change and the reload may have kept an answer from the
        // old documents under the new version: a version after the reload drops it.
        self.table
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .changed();
        Ok(())
    }

    /// Forgets `ids`' products (a change to them could not be read back): reads of them go to
    /// the database until they are indexed again.
    pub fn forget(&self, ids: &[String]) {
        let mut catalogue = self.catalogue.write().unwrap_or_else(|e| e.into_inner());
        for id in ids {
            catalogue.remove(id);
        }
    }

    /// The products of `ids` as last read for the index, in their order; `None` for an id not
    /// indexed (unknown, or created on another replica whose event has not arrived yet).
    pub fn products(&self, ids: &[String]) -> Vec<Option<Arc<Product>>> {
        let catalogue = self.catalogue.read().unwrap_or_else(|e| e.into_inner());
        ids.iter().map(|id| catalogue.get(id).cloned()).collect()
    }

    /// The id of the indexed product with `slug`.
    pub fn id_by_slug(&self, slug: &str) -> Option<String> {
        let table = self.table.read().unwrap_or_else(|e| e.into_inner());
        table.id_by_slug(slug).map(str::to_string)
    }

    /// One page of a plain listing (no search words): the ids shown and the total. `None` when
    /// the list is not kept and `may_build` is false (building is work for the blocking pool).
    pub fn list(
        &self,
        filter: &Filter,
        scope: &Scope,
        sort: Sort,
        page: Page,
        may_build: bool,
    ) -> Option<(Vec<String>, u64)> {
        let table = self.table.read().unwrap_or_else(|e| e.into_inner());
        let (slots, total) = self
            .listings
            .page(&table, filter, scope, sort, page, may_build)?;
        let ids = slots.iter().map(|&s| fact(&table, s).id.clone()).collect();
        Some((ids, total as u64))
    }

    /// `(min, max, mean, count)` of ACTIVE prices within `categories` (any when `None`).
    pub fn price_range(&self, categories: Option<&HashSet<String>>) -> (i64, i64, i64, u64) {
        listing::price_range(
            &self.table.read().unwrap_or_else(|e| e.into_inner()),
            categories,
        )
    }

    /// ACTIVE products per category (its own, not its descendants').
    pub fn active_counts(&self) -> HashMap<String, u64> {
        listing::active_counts(&self.table.read().unwrap_or_else(|e| e.into_inner()))
    }

    pub fn len(&self) -> usize {
        self.table.read().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Matches of `text` as `(slot, score)`: all words if any product has them all, else any.
    fn matches(
        &self,
        text: &str,
        fields: &[WeightedField],
        min_prefix: usize,
    ) -> anyhow::Result<Vec<(u32, f32)>> {
        let words = query::words(text, min_prefix);
        if words.is_empty() {
            return Ok(Vec::new());
        }
        let searcher = self.reader.searcher();
        let hits = searcher.search(&query::build(fields, &words, Mode::All), &ScoredSlots)?;
        if hits.is_empty() && words.len() > 1 {
            return Ok(searcher.search(&query::build(fields, &words, Mode::Any), &ScoredSlots)?);
        }
        Ok(hits)
    }

    /// One page of a search. Without an in-stock filter the whole ranked answer is kept for
    /// the catalogue's version ([`kept`]), so asking again, or for the next page, does not
    /// search again; the in-stock filter changes with every sale, so it is searched each time.
    /// `None` when the answer is not kept and `may_search` is false (searching is work for the
    /// blocking pool; a kept answer is not).
    pub fn search(
        &self,
        p: &SearchParams<'_>,
        may_search: bool,
    ) -> anyhow::Result<Option<SearchHits>> {
        let table = self.table.read().unwrap_or_else(|e| e.into_inner());
        let found = if matches!(p.scope.stock, StockScope::Any) {
            let words = p.text.split_whitespace().collect::<Vec<_>>().join(" ");
            let shape = format!(
                "{}\u{1f}{}",
                words.to_lowercase(),
                listing::shape(p.filter, p.scope, p.sort)
            );
            match self.searches.get(table.version(), &shape) {
                Some(kept) => kept,
                None if !may_search => return Ok(None),
                None => self.searches.get_or_build(table.version(), shape, || {
                    let found = self.found(&table, p)?;
                    let weight = found.ranked.len() + 64;
                    anyhow::Ok((Arc::new(found), weight))
                })?,
            }
        } else if may_search {
            Arc::new(self.found(&table, p)?)
        } else {
            return Ok(None);
        };
        let window = found.page(p.page);
        Ok(Some(SearchHits {
            ids: window.iter().map(|&s| fact(&table, s).id.clone()).collect(),
            total: found.ranked.len() as u64,
            facets: found.facets.clone(),
            suggestions: found.suggestions.clone(),
        }))
    }

    /// Every match of `p`'s words that its filter admits, ranked, with facets over them all.
    fn found(&self, table: &Table, p: &SearchParams<'_>) -> anyhow::Result<Found> {
        let mut hits = self.matches(p.text, &self.text, 2)?;
        let mut facets = Facets::default();
        let mut per_category = vec![0u64; table.category_count()];
        hits.retain(|&(slot, _)| match table.get(slot) {
            Some(f) if p.filter.admits(p.scope, f) => {
                facets.add_price_and_rating(f);
                per_category[table.category_of(slot)] += 1;
                true
            }
            _ => false,
        });
        for (number, &n) in per_category.iter().enumerate().filter(|(_, n)| **n > 0) {
            facets.add_category(table.category_id(number), n);
        }
        hits.sort_unstable_by(|a, b| {
            p.sort
                .compare((fact(table, a.0), a.1), (fact(table, b.0), b.1))
        });
        let best: Vec<&str> = hits
            .iter()
            .take(BEST)
            .map(|&(slot, _)| fact(table, slot).name.as_str())
            .collect();
        // The words as the kept answer's shape has them: one answer serves every spelling of
        // them.
        let words = p.text.split_whitespace().collect::<Vec<_>>().join(" ");
        let suggestions = suggestions(&words, &best, SUGGESTIONS);
        Ok(Found {
            ranked: hits.into_iter().map(|(slot, _)| slot).collect(),
            facets,
            suggestions,
        })
    }

    /// ACTIVE products whose names match `prefix` as typed, best first: `(id, name, slug)`.
    pub fn suggest(
        &self,
        prefix: &str,
        limit: usize,
    ) -> anyhow::Result<Vec<(String, String, String)>> {
        let mut hits = self.matches(prefix, &self.text[..1], 1)?;
        let table = self.table.read().unwrap_or_else(|e| e.into_inner());
        hits.retain(|&(slot, _)| table.get(slot).is_some_and(|f| f.status == Status::Active));
        // Among equal scores, the product more people reviewed is the likelier completion.
        let ranked = top(&mut hits, limit * 2, |a, b| {
            let (fa, fb) = (fact(&table, a.0), fact(&table, b.0));
            b.1.total_cmp(&a.1)
                .then(fb.review_count.cmp(&fa.review_count))
                .then_with(|| fa.name.cmp(&fb.name))
        });
        let mut seen = std::collections::HashSet::new();
        Ok(ranked
            .iter()
            .map(|&(slot, _)| fact(&table, slot))
            .filter(|f| seen.insert(f.name.to_lowercase()))
            .take(limit)
            .map(|f| (f.id.clone(), f.name.clone(), f.slug.clone()))
            .collect())
    }
}

fn fact(table: &Table, slot: u32) -> &Facts {
    table.get(slot).expect("hits were filtered to known slots")
}

/// Sorts just enough of `hits` to return its first `n` in order: a linear selection first, so a
/// query matching the whole catalogue does not sort the whole catalogue.
fn top<T, F>(hits: &mut Vec<T>, n: usize, mut cmp: F) -> &[T]
where
    F: FnMut(&T, &T) -> std::cmp::Ordering,
{
    if n == 0 {
        return &[];
    }
    if n < hits.len() {
        hits.select_nth_unstable_by(n - 1, &mut cmp);
        hits.truncate(n);
    }
    hits.sort_by(cmp);
    hits
}

#[cfg(test)]
mod tests;
