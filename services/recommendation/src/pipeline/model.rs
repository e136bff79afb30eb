//! The pipeline's memory of what shoppers did, and the lists it yields: trending (weighted
//! activity with exponential time decay), popular (weighted activity), items similar to an
//! item (co-occurrence in shoppers' recent histories, cosine), and a shopper's personalised
//! list (items similar to their recent history, newest counting most, minus what they have
//! seen or bought); what orders say is [`Baskets`]'. It changes only by [`Model::learn`] and
//! [`Model::identify`], which note what changed for the writer to flush.
use std::collections::{HashMap, HashSet, VecDeque};

use super::baskets::Baskets;
use super::signal::{Kind, Signal};

/// Trending activity halves every day.
const HALF_LIFE_MS: f64 = 24.0 * 3600.0 * 1000.0;
/// Products of a shopper's recent history that pair with a new one, and that a personalised
/// list is computed from.
const HISTORY: usize = 20;
/// Each older item of the history counts this much less than the one after it.
const RECENCY: f64 = 0.85;
/// Neighbours an item keeps counts for: the strongest survive when it has too many.
const NEIGHBOURS: usize = 400;

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
    /// Per shopper: distinct products, newest last, with their interaction's weight.
    histories: HashMap<String, VecDeque<(String, f64)>>,
    baskets: Baskets,
    /// Shoppers a product has been in the history of.
    reach: HashMap<String, f64>,
    /// How often each product entered a history holding the other, both ways.
    together: HashMap<String, HashMap<String, f64>>,
    changes: Changes,
}

impl Model {
    /// Learns from one interaction.
    pub fn learn(&mut self, signal: &Signal) {
        let shopper = match &signal.user {
            Some(user) => user.clone(),
            None => format!("anon:{}", signal.session),
        };
        if signal.weight > 0.0 {
            let origin = *self.origin_ms.get_or_insert(signal.at_ms);
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
            self.extend_history(&shopper, &signal.product, signal.weight);
            self.changes.shoppers.insert(shopper);
        }
    }

    /// Makes the anonymous `session`'s history and purchases `user`'s (a sign-in or a
    /// registration): the session's products join the user's history as if the user had
    /// just touched them, pairing with what the user touched before.
    pub fn identify(&mut self, session: &str, user: &str) {
        let anonymous = format!("anon:{session}");
        if self.baskets.merge(&anonymous, user) {
            self.changes.buyers.insert(user.to_string());
        }
        let Some(history) = self.histories.remove(&anonymous) else {
            return;
        };
        for (product, weight) in history {
            self.extend_history(user, &product, weight);
        }
        self.changes.shoppers.remove(&anonymous);
        self.changes.shoppers.insert(user.to_string());
    }

    /// Puts `product` last in `shopper`'s history; the first time, pairs it with the rest.
    fn extend_history(&mut self, shopper: &str, product: &str, weight: f64) {
        let history = self.histories.entry(shopper.to_string()).or_default();
        if let Some(at) = history.iter().position(|(p, _)| p == product) {
            let (_, was) = history.remove(at).expect("found at this position");
            history.push_back((product.to_string(), was.max(weight)));
            return;
        }
        let partners: Vec<String> = history.iter().map(|(p, _)| p.clone()).collect();
        history.push_back((product.to_string(), weight));
        if history.len() > HISTORY {
            history.pop_front();
        }
        *self.reach.entry(product.to_string()).or_default() += 1.0;
        for partner in partners {
            self.pair(product, &partner);
            self.pair(&partner, product);
            self.changes.items.insert(partner);
        }
        self.changes.items.insert(product.to_string());
    }

    fn pair(&mut self, from: &str, to: &str) {
        let neighbours = self.together.entry(from.to_string()).or_default();
        *neighbours.entry(to.to_string()).or_default() += 1.0;
        // Pruned to the strongest half at twice the bound: a pruning per pairing would cost a
        // sort each time.
        if neighbours.len() > NEIGHBOURS * 2 {
            let strongest = best(neighbours.drain(), NEIGHBOURS);
            neighbours.extend(strongest);
        }
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

    /// The `n` products most often in the same histories as `product`, by cosine.
    pub fn similar(&self, product: &str, n: usize) -> Vec<(String, f64)> {
        let Some(neighbours) = self.together.get(product) else {
            return Vec::new();
        };
        let reach = |p: &str| self.reach.get(p).copied().unwrap_or(1.0);
        let own = reach(product);
        best(
            neighbours
                .iter()
                .map(|(other, both)| (other.clone(), both / (own * reach(other)).sqrt())),
            n,
        )
    }

    /// `shopper`'s `n` best products: the items similar to their history, each history item
    /// counting by its weight and its recency, without what they have seen or bought.
    pub fn personalized(&self, shopper: &str, n: usize) -> Vec<(String, f64)> {
        let Some(history) = self.histories.get(shopper) else {
            return Vec::new();
        };
        let mut seen: HashSet<&str> = history.iter().map(|(p, _)| p.as_str()).collect();
        if let Some(bought) = self.baskets.bought_by(shopper) {
            seen.extend(bought.map(String::as_str));
        }
        let mut scores: HashMap<String, f64> = HashMap::new();
        let mut recency = 1.0;
        for (item, weight) in history.iter().rev() {
            for (other, similarity) in self.similar(item, NEIGHBOURS) {
                if !seen.contains(other.as_str()) {
                    *scores.entry(other).or_default() += recency * weight * similarity;
                }
            }
            recency *= RECENCY;
        }
        best(scores.into_iter(), n)
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
