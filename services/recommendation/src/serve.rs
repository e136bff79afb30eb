//! Serving: each shelf walks its chain of sources in the store (recommendations.md §4), best
//! source first, each product named by the source it came from, until the shelf is full. What
//! is never served — hidden products, the product the shelf is about, what the shopper bought —
//! is left out of every source. The catalogue's own fallbacks (same category, featured) are the
//! gateway's to add, since it hydrates the answer from the catalogue anyway.
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::store::keys::RELEVANCE_CAP;
use crate::store::{List, RecStore, Who};

/// A recommendation shelf, as the REST routes name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shelf {
    Recommended,
    Trending,
    NewArrivals,
    RecentlyViewed,
    Related,
    FrequentlyBoughtTogether,
}

/// Who asks for which shelf.
#[derive(Clone, Copy, Debug)]
pub struct Ask<'a> {
    pub shelf: Shelf,
    pub user: Option<&'a str>,
    pub session: Option<&'a str>,
    /// The product a related or bought-together shelf is about.
    pub product: Option<&'a str>,
    /// For a trending shelf of one category: the category and its descendants.
    pub categories: &'a [String],
    pub limit: usize,
}

#[derive(Debug, Default, PartialEq)]
pub struct Answer {
    /// Product id and the source it came from, best first.
    pub items: Vec<(String, &'static str)>,
    pub generation: Option<String>,
    pub model_version: Option<String>,
    /// What the shopper bought or just looked at: whoever fills the shelf further leaves it out.
    pub avoid: Vec<String>,
}

/// History items a visitor's list is computed from when no personalised list is stored.
const HISTORY_FOR_SIMILAR: usize = 10;
/// Each older history item counts this much less than the one after it.
const RECENCY: f64 = 0.85;

/// The shelf `ask` names, from the store's current generation.
pub async fn answer(store: &RecStore, ask: &Ask<'_>) -> anyhow::Result<Answer> {
    let generation = store.current().await?;
    let model_version = match &generation {
        Some(g) => store.model_version(g).await?,
        None => None,
    };
    // What the shopper bought, and on their own shelf what they just looked at, is shown by
    // no source.
    let mut avoid = match ask.user {
        Some(user) => store.bought(user).await?,
        None => Vec::new(),
    };
    let shopper = match (ask.user, ask.session) {
        (Some(user), _) => Some(Who::User(user)),
        (None, Some(session)) => Some(Who::Session(session)),
        (None, None) => None,
    };
    let history = match (ask.shelf, shopper) {
        (Shelf::Recommended, Some(who)) => store.history(who, HISTORY_FOR_SIMILAR).await?,
        _ => Vec::new(),
    };
    avoid.extend(history.iter().map(|(product, _)| product.clone()));
    let mut never: HashSet<String> = avoid.iter().cloned().collect();
    never.extend(ask.product.map(str::to_string));
    let mut shelf = Filling {
        items: Vec::new(),
        seen: never,
        hidden: store.hidden().await?,
        limit: ask.limit,
    };
    fill(store, ask, &history, &mut shelf).await?;
    Ok(Answer {
        items: shelf.items,
        generation,
        model_version,
        avoid,
    })
}

/// Walks `ask`'s chain until `shelf` is full; `history` is the shopper's newest, for a
/// recommended shelf.
async fn fill(
    store: &RecStore,
    ask: &Ask<'_>,
    history: &[(String, f64)],
    shelf: &mut Filling,
) -> anyhow::Result<()> {
    // Over-fetch (§3): filtering may drop some of each source.
    let want = (ask.limit * 3).min(RELEVANCE_CAP);
    match ask.shelf {
        Shelf::Recommended => {
            if let Some(user) = ask.user {
                shelf.add(
                    "personalized",
                    store.top(List::Personalized { user }, want).await?,
                );
            }
            if !shelf.full() {
                shelf.add("personalized", from_history(store, history, want).await?);
            }
            shop_wide(store, shelf, want).await?;
        }
        Shelf::Trending if !ask.categories.is_empty() => {
            // The categories' lists, merged by score: one model wrote them all alike.
            let mut merged = Vec::new();
            for category in ask.categories {
                merged.extend(
                    store
                        .top(List::TrendingInCategory { category }, want)
                        .await?,
                );
            }
            merged.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| b.0.cmp(&a.0)));
            shelf.add("trending", merged);
        }
        Shelf::Trending => shop_wide(store, shelf, want).await?,
        Shelf::NewArrivals => {
            let arrivals = store.new_arrivals(want).await?;
            shelf.add_ids("new_arrivals", arrivals);
        }
        Shelf::RecentlyViewed => {
            if let Some(session) = ask.session {
                shelf.add_ids("history", store.recently_viewed(session).await?);
            }
            if let Some(user) = ask.user {
                shelf.add("history", store.history(Who::User(user), want).await?);
            }
        }
        Shelf::Related => {
            if let Some(product) = ask.product {
                shelf.add("similar", store.top(List::Similar { product }, want).await?);
                shelf.add(
                    "bought_together",
                    store.top(List::BoughtTogether { product }, want).await?,
                );
            }
        }
        Shelf::FrequentlyBoughtTogether => {
            if let Some(product) = ask.product {
                shelf.add(
                    "bought_together",
                    store.top(List::BoughtTogether { product }, want).await?,
                );
                shelf.add("similar", store.top(List::Similar { product }, want).await?);
            }
        }
    }
    Ok(())
}

/// The shop-wide lists, trending then popular, each read only while the shelf has room.
async fn shop_wide(store: &RecStore, shelf: &mut Filling, want: usize) -> anyhow::Result<()> {
    for (source, list) in [("trending", List::Trending), ("popular", List::Popular)] {
        if !shelf.full() {
            shelf.add(source, store.top(list, want).await?);
        }
    }
    Ok(())
}

/// Items similar to a shopper's recent `history` (newest first), newest counting most: a
/// visitor's list from their first view on, before (or without) a stored personalised list.
async fn from_history(
    store: &RecStore,
    history: &[(String, f64)],
    want: usize,
) -> anyhow::Result<Vec<(String, f64)>> {
    // Asked together: on Redis one round trip's wait instead of one per history item.
    let similar = history
        .iter()
        .map(|(product, _)| store.top(List::Similar { product }, want));
    let similar = futures::future::try_join_all(similar).await?;
    let mut scores: HashMap<String, f64> = HashMap::new();
    let mut recency = 1.0;
    for list in similar {
        for (other, similarity) in list {
            *scores.entry(other).or_default() += recency * similarity;
        }
        recency *= RECENCY;
    }
    let mut best: Vec<(String, f64)> = scores.into_iter().collect();
    best.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| b.0.cmp(&a.0)));
    Ok(best)
}

/// A shelf being filled: each product once, none of those never to serve.
struct Filling {
    items: Vec<(String, &'static str)>,
    /// Served already, or never to serve on this shelf.
    seen: HashSet<String>,
    /// Never to serve anywhere.
    hidden: Arc<HashSet<String>>,
    limit: usize,
}

impl Filling {
    fn full(&self) -> bool {
        self.items.len() >= self.limit
    }

    fn add(&mut self, source: &'static str, scored: Vec<(String, f64)>) {
        self.add_ids(
            source,
            scored.into_iter().map(|(product, _)| product).collect(),
        );
    }

    fn add_ids(&mut self, source: &'static str, products: Vec<String>) {
        for product in products {
            if self.full() {
                return;
            }
            if !self.hidden.contains(&product) && self.seen.insert(product.clone()) {
                self.items.push((product, source));
            }
        }
    }
}
