//! The pipeline's memory of what shoppers did, and the lists it yields: trending (weighted
//! activity with exponential time decay), popular (weighted activity), items similar to an
//! item and a shopper's personalised list (minus what they have seen or bought) from
//! [`Taste`]; what orders say is [`Baskets`]'. It changes only by [`Model::learn`] and
//! [`Model::identify`], which note what changed for the writer to flush.
use std::collections::{HashMap, HashSet};

use super::baskets::Baskets;
use super::signal::{Kind, Signal};
use super::taste::{Focus, Taste};

/// Trending activity halves every day.
const HALF_LIFE_MS: f64 = 24.0 * 3600.0 * 1000.0;
/// Half-lives past the trending origin after which the sums move to a later origin: 2^1024
/// overflows an f64, about three years of a running process past its first signal.
const REBASE_AFTER: f64 = 512.0;
/// An anonymous session idle this long is forgotten: its live keys expire after a day too.
const SESSION_IDLE_MS: i64 = 24 * 3600 * 1000;

/// What [`Model::learn`] changed since the last [`Model::take_changes`].
#[derive(Debug, Default, PartialEq)]
pub struct Changes {
    pub activity: bool,
    /// Products whose activity rose (their categories' trending lists may differ).
    pub active: HashSet<String>,
    /// Products whose similar items may differ.
    pub items: HashSet<String>,
    /// Shoppers (user ids, or `anon:<session>`) whose personalised list may differ.
    pub shoppers: HashSet<String>,
    /// Products whose bought-together list may differ.
    pub baskets: HashSet<String>,
    /// Shoppers whose buy-again list may differ.
    pub buyers: HashSet<String>,
}

#[derive(Default)]
pub struct Model {
    /// Forward decay: weight w at time t is kept as w·2^((t − origin)/half-life), so the
    /// order of the sums is the order of activity decayed to any later moment, and no score
    /// needs touching as time passes.
    trending: HashMap<String, f64>,
    origin_ms: Option<i64>,
    popular: HashMap<String, f64>,
    taste: Taste,
    baskets: Baskets,
    changes: Changes,
}

impl Model {
    /// A model reading histories for personalised lists by `focus`.
    pub fn new(focus: Focus) -> Self {
        Self {
            taste: Taste::new(focus),
            ..Self::default()
        }
    }

    /// Learns from one interaction.
    pub fn learn(&mut self, signal: &Signal) {
        let shopper = match &signal.user {
            Some(user) => user.clone(),
            None => format!("anon:{}", signal.session),
        };
        if signal.weight > 0.0 {
            let origin = *self.origin_ms.get_or_insert(signal.at_ms);
            if (signal.at_ms - origin) as f64 / HALF_LIFE_MS > REBASE_AFTER {
                self.rebase_trending(signal.at_ms);
            }
            let origin = self.origin_ms.unwrap_or(signal.at_ms);
            let boost = ((signal.at_ms - origin) as f64 / HALF_LIFE_MS).exp2();
            *self.trending.entry(signal.product.clone()).or_default() += signal.weight * boost;
            *self.popular.entry(signal.product.clone()).or_default() += signal.weight;
            self.changes.activity = true;
            self.changes.active.insert(signal.product.clone());
        }
        if signal.kind == Kind::Purchase {
            let order = signal.order.as_deref();
            let bought = self
                .baskets
                .bought(&shopper, order, &signal.product, signal.at_ms);
            self.changes.baskets.extend(bought.pairs);
            if bought.again {
                self.changes.buyers.insert(shopper.clone());
            }
        }
        // A removal from the cart lowers activity, not interest already shown.
        if signal.weight > 0.0 {
            let paired = self
                .taste
                .touch(&shopper, &signal.product, signal.weight, signal.at_ms);
            self.changes.items.extend(paired);
            self.changes.shoppers.insert(shopper);
        }
    }

    /// Moves the trending origin to `origin_ms`, scaling every sum alike: the order stays,
    /// the numbers shrink. Every category's list is written again, on the new scale.
    fn rebase_trending(&mut self, origin_ms: i64) {
        let Some(old) = self.origin_ms.replace(origin_ms) else {
            return;
        };
        let scale = (-((origin_ms - old) as f64) / HALF_LIFE_MS).exp2();
        for score in self.trending.values_mut() {
            *score *= scale;
        }
        self.changes.activity = true;
        self.changes.active.extend(self.trending.keys().cloned());
    }

    /// Makes the anonymous `session`'s history and purchases `user`'s (a sign-in or a
    /// registration): the session's products join the user's history as if the user had
    /// just touched them, pairing with what the user touched before.
    pub fn identify(&mut self, session: &str, user: &str) {
        let anonymous = format!("anon:{session}");
        if self.baskets.merge(&anonymous, user) {
            self.changes.buyers.insert(user.to_string());
        }
        let Some(paired) = self.taste.merge(&anonymous, user) else {
            return;
        };
        self.changes.items.extend(paired);
        self.changes.shoppers.remove(&anonymous);
        self.changes.shoppers.insert(user.to_string());
    }

    /// Forgets the histories of signed-in shoppers idle for `memory_ms` and of anonymous
    /// sessions idle for a day (their live keys' lifetime); how many.
    pub fn forget_idle(&mut self, now_ms: i64, memory_ms: i64) -> usize {
        self.taste
            .forget_idle(now_ms - memory_ms, now_ms - SESSION_IDLE_MS)
    }

    /// What changed since the last call; the model starts noting afresh.
    pub fn take_changes(&mut self) -> Changes {
        std::mem::take(&mut self.changes)
    }

    /// Gives back changes taken but not written, to be taken again with any newer ones.
    pub fn keep_changes(&mut self, changes: Changes) {
        self.changes.activity |= changes.activity;
        self.changes.active.extend(changes.active);
        self.changes.items.extend(changes.items);
        self.changes.shoppers.extend(changes.shoppers);
        self.changes.baskets.extend(changes.baskets);
        self.changes.buyers.extend(changes.buyers);
    }

    pub fn trending(&self, n: usize) -> Vec<(String, f64)> {
        best(self.trending.iter().map(|(p, s)| (p.clone(), *s)), n)
    }

    /// The `n` trending products of those `within` admits (e.g. one category's).
    pub fn trending_within(&self, within: impl Fn(&str) -> bool, n: usize) -> Vec<(String, f64)> {
        let scored = self.trending.iter().filter(|(p, _)| within(p));
        best(scored.map(|(p, s)| (p.clone(), *s)), n)
    }

    pub fn popular(&self, n: usize) -> Vec<(String, f64)> {
        best(self.popular.iter().map(|(p, s)| (p.clone(), *s)), n)
    }

    /// The signed-in shoppers it has a history of.
    pub fn users(&self) -> impl Iterator<Item = &str> {
        self.taste.users()
    }

    /// The `n` products most often in the same histories as `product`.
    pub fn similar(&self, product: &str, n: usize) -> Vec<(String, f64)> {
        self.taste.similar(product, n)
    }

    /// `shopper`'s `n` best products from their history, without what they have seen or
    /// bought.
    pub fn personalized(&self, shopper: &str, n: usize) -> Vec<(String, f64)> {
        let bought: HashSet<&str> = self
            .baskets
            .bought_by(shopper)
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        self.taste.personalized(shopper, &bought, n)
    }

    /// The `n` products most often bought in the same orders as `product`.
    pub fn bought_together(&self, product: &str, n: usize) -> Vec<(String, f64)> {
        self.baskets.together(product, n)
    }

    /// `shopper`'s `n` products bought in two orders or more.
    pub fn buy_again(&self, shopper: &str, n: usize) -> Vec<(String, f64)> {
        self.baskets.buy_again(shopper, n)
    }
}

/// The `n` best, best first; ties by descending id, as the store orders them.
pub(super) fn best(scored: impl Iterator<Item = (String, f64)>, n: usize) -> Vec<(String, f64)> {
    let mut all: Vec<(String, f64)> = scored.collect();
    all.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| b.0.cmp(&a.0)));
    all.truncate(n);
    all
}

#[cfg(test)]
#[path = "model_tests.rs"]
mod tests;
