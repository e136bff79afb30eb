//! Who likes what with what: each shopper's history (distinct products, newest last) and the
//! item-to-item weights learnt from histories — a product paired with the ones before it in
//! the same history, the nearer the stronger, a shopper with a long history counting less per
//! pairing — and the lists read from them: items similar to an item, and a shopper's
//! personalised list. Products are interned: a history or a pairing holds numbers, not ids.
//!
//! The weights and the two ways of reading a history were chosen on MovieLens-100K (bench/
//! recs-quality.sh, docs/recommendations.md "Quality"); the numbers below are that tuning's.
use std::collections::{HashMap, HashSet, VecDeque};

use super::model::best;

/// Products a shopper's history keeps (the profile reads them all).
const HISTORY: usize = 200;
/// The newest products of a history a new one is paired with.
const PARTNERS: usize = 100;
/// Of those, the nearest: their similar lists are written again at once (farther pairings are
/// light, and show when those products are next touched).
const NEAR_PARTNERS: usize = 20;
/// A partner at distance d (1 = the product just before) pairs with weight 1/d + this.
const DISTANCE_FLOOR: f32 = 0.1;
/// Neighbours an item keeps weights for: the strongest survive when it has twice as many.
pub const NEIGHBOURS: usize = 400;
/// Similarity of q to p is weight / (reach(p) · reach(q)^TARGET_DAMPING): a popular neighbour
/// is damped less than by cosine, which MovieLens rewards.
const TARGET_DAMPING: f32 = 0.55;
/// `Focus::Recent` reads this many of the newest products, each older one counting this much
/// less than the one after it.
const RECENT_ITEMS: usize = 30;
const RECENT_DECAY: f64 = 0.7;

/// How a shopper's history is read for their personalised list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Focus {
    /// The last things the shopper did, newest counting most: follows the visit (the shop's
    /// default; best at predicting the next product).
    #[default]
    Recent,
    /// The whole remembered history alike: the shopper's standing taste (best at finding
    /// everything else they like).
    Profile,
}

#[derive(Default)]
struct History {
    /// Interned products, newest last, with the weight of the interaction that put them there.
    items: VecDeque<(u32, f64)>,
    /// Products that ever entered it: a long history pairs more, each pairing counting less.
    entered: u32,
    /// When the shopper last did something (unix ms): an idle one is forgotten.
    last_ms: i64,
}

#[derive(Default)]
pub struct Taste {
    names: Vec<String>,
    index: HashMap<String, u32>,
    /// Per interned product: the histories it entered.
    reach: Vec<f32>,
    /// Per interned product: pairing weight with each neighbour (both ways alike).
    together: Vec<HashMap<u32, f32>>,
    shoppers: HashMap<String, History>,
    focus: Focus,
}

impl Taste {
    pub fn new(focus: Focus) -> Self {
        Self {
            focus,
            ..Self::default()
        }
    }

    fn intern(&mut self, product: &str) -> u32 {
        if let Some(&id) = self.index.get(product) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(product.to_string());
        self.index.insert(product.to_string(), id);
        self.reach.push(0.0);
        self.together.push(HashMap::new());
        id
    }

    /// Puts `product` last in `shopper`'s history (touched at `at_ms`); the first time, pairs
    /// it with the ones before. The products whose similar lists changed enough to write again.
    pub fn touch(&mut self, shopper: &str, product: &str, weight: f64, at_ms: i64) -> Vec<String> {
        let id = self.intern(product);
        let history = self.shoppers.entry(shopper.to_string()).or_default();
        history.last_ms = history.last_ms.max(at_ms);
        if let Some(at) = history.items.iter().position(|(p, _)| *p == id) {
            let (_, was) = history.items.remove(at).expect("found at this position");
            history.items.push_back((id, was.max(weight)));
            return Vec::new();
        }
        let partners: Vec<u32> = history
            .items
            .iter()
            .rev()
            .take(PARTNERS)
            .map(|(p, _)| *p)
            .collect();
        history.items.push_back((id, weight));
        if history.items.len() > HISTORY {
            history.items.pop_front();
        }
        let per_pairing = 1.0 / (2.0 + history.entered as f32).log2();
        history.entered += 1;
        self.reach[id as usize] += 1.0;
        let mut changed = vec![product.to_string()];
        for (d, partner) in partners.iter().enumerate() {
            let w = per_pairing * (1.0 / (d + 1) as f32 + DISTANCE_FLOOR);
            self.pair(id, *partner, w);
            self.pair(*partner, id, w);
            if d < NEAR_PARTNERS {
                changed.push(self.names[*partner as usize].clone());
            }
        }
        changed
    }

    fn pair(&mut self, from: u32, to: u32, weight: f32) {
        let neighbours = &mut self.together[from as usize];
        *neighbours.entry(to).or_default() += weight;
        // Pruned to the strongest half at twice the bound: a pruning per pairing would cost a
        // sort each time.
        if neighbours.len() > NEIGHBOURS * 2 {
            let mut all: Vec<(u32, f32)> = neighbours.drain().collect();
            all.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            neighbours.extend(all.into_iter().take(NEIGHBOURS));
        }
    }

    /// Gives `from`'s history to `into` (a sign-in): each product touched anew by `into`.
    /// The products whose similar lists changed; `None` when `from` had no history.
    pub fn merge(&mut self, from: &str, into: &str) -> Option<Vec<String>> {
        let history = self.shoppers.remove(from)?;
        let mut changed = Vec::new();
        for (id, weight) in history.items {
            let product = self.names[id as usize].clone();
            changed.extend(self.touch(into, &product, weight, history.last_ms));
        }
        Some(changed)
    }

    /// Forgets the histories of shoppers idle since `users_before_ms` (signed in) or
    /// `sessions_before_ms` (anonymous); how many. What they taught the item-to-item weights
    /// stays: only the memory per shopper goes.
    pub fn forget_idle(&mut self, users_before_ms: i64, sessions_before_ms: i64) -> usize {
        let before = self.shoppers.len();
        self.shoppers.retain(|shopper, history| {
            let bound = if shopper.starts_with("anon:") {
                sessions_before_ms
            } else {
                users_before_ms
            };
            history.last_ms >= bound
        });
        before - self.shoppers.len()
    }

    /// The signed-in shoppers with a history (anonymous ones are `anon:<session>`).
    pub fn users(&self) -> impl Iterator<Item = &str> {
        self.shoppers
            .keys()
            .map(String::as_str)
            .filter(|s| !s.starts_with("anon:"))
    }

    /// `product`'s neighbours by similarity, interned, unsorted.
    fn neighbours(&self, id: u32) -> impl Iterator<Item = (u32, f64)> + '_ {
        let own = self.reach[id as usize].max(1.0);
        self.together[id as usize].iter().map(move |(&other, &w)| {
            let theirs = self.reach[other as usize].max(1.0).powf(TARGET_DAMPING);
            (other, f64::from(w / (own * theirs)))
        })
    }

    /// The `n` products most similar to `product`.
    pub fn similar(&self, product: &str, n: usize) -> Vec<(String, f64)> {
        let Some(&id) = self.index.get(product) else {
            return Vec::new();
        };
        let named = self
            .neighbours(id)
            .map(|(other, s)| (self.names[other as usize].clone(), s));
        best(named, n)
    }

    /// `shopper`'s `n` best products by their [`Focus`]: each history product's neighbours,
    /// weighted by its interaction and its place, without what `seen` holds or the history.
    pub fn personalized(
        &self,
        shopper: &str,
        also_seen: &HashSet<&str>,
        n: usize,
    ) -> Vec<(String, f64)> {
        let Some(history) = self.shoppers.get(shopper) else {
            return Vec::new();
        };
        let (read, decay) = match self.focus {
            Focus::Recent => (RECENT_ITEMS, RECENT_DECAY),
            Focus::Profile => (HISTORY, 1.0),
        };
        let own: HashSet<u32> = history.items.iter().map(|(p, _)| *p).collect();
        let mut scores: HashMap<u32, f64> = HashMap::new();
        let mut place = 1.0;
        for (id, weight) in history.items.iter().rev().take(read) {
            for (other, similarity) in self.neighbours(*id) {
                if !own.contains(&other) {
                    *scores.entry(other).or_default() += place * weight * similarity;
                }
            }
            place *= decay;
        }
        let named = scores
            .into_iter()
            .map(|(id, s)| (self.names[id as usize].as_str(), s))
            .filter(|(name, _)| !also_seen.contains(name))
            .map(|(name, s)| (name.to_string(), s));
        best(named, n)
    }

    /// How many neighbours `product` keeps weights for.
    #[cfg(test)]
    pub fn neighbour_count(&self, product: &str) -> usize {
        self.index
            .get(product)
            .map_or(0, |&id| self.together[id as usize].len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[(String, f64)]) -> Vec<&str> {
        list.iter().map(|(p, _)| p.as_str()).collect()
    }

    #[test]
    fn nearer_products_in_a_history_pair_more_strongly() {
        let mut taste = Taste::default();
        for shopper in ["a", "b"] {
            for product in ["far", "middle", "near", "seed"] {
                taste.touch(shopper, product, 1.0, 0);
            }
        }
        assert_eq!(names(&taste.similar("seed", 3)), ["near", "middle", "far"]);
    }

    #[test]
    fn a_long_history_counts_less_per_pairing() {
        let mut taste = Taste::default();
        // A browser of everything pairs "x" with "y"; two shoppers of few products pair "x"
        // with "z" once each at the same distance: together they outweigh the browser.
        for i in 0..50 {
            taste.touch("browser", &format!("other-{i}"), 1.0, 0);
        }
        taste.touch("browser", "y", 1.0, 0);
        taste.touch("browser", "x", 1.0, 0);
        taste.touch("picky", "z", 1.0, 0);
        taste.touch("picky", "x", 1.0, 0);
        let similar = taste.similar("x", 2);
        assert_eq!(similar[0].0, "z", "{similar:?}");
        assert!(similar[0].1 > 2.0 * similar[1].1, "{similar:?}");
    }

    /// Two tastes, "old" then "new": a shopper who liked the old long ago and the new just now.
    fn two_tastes(focus: Focus) -> Vec<(String, f64)> {
        let mut taste = Taste::new(focus);
        for i in 0..3 {
            let fan = format!("old-fan-{i}");
            for p in ["old-1", "old-2", "old-3", "old-4"] {
                taste.touch(&fan, p, 1.0, 0);
            }
            let fan = format!("new-fan-{i}");
            for p in ["new-1", "new-2"] {
                taste.touch(&fan, p, 1.0, 0);
            }
        }
        for p in ["old-1", "old-2", "old-3", "new-1"] {
            taste.touch("me", p, 1.0, 0);
        }
        taste.personalized("me", &HashSet::new(), 2)
    }

    #[test]
    fn the_recent_focus_follows_the_visit_and_the_profile_the_standing_taste() {
        assert_eq!(names(&two_tastes(Focus::Recent))[0], "new-2");
        assert_eq!(names(&two_tastes(Focus::Profile))[0], "old-4");
    }

    #[test]
    fn idle_shoppers_are_forgotten_and_what_they_taught_stays() {
        let mut taste = Taste::default();
        taste.touch("anon:s1", "a", 1.0, 100);
        taste.touch("anon:s1", "b", 1.0, 100);
        taste.touch("anon:s2", "a", 1.0, 300);
        taste.touch("u1", "a", 1.0, 100);
        taste.touch("u2", "b", 1.0, 50);
        // Sessions idle since 200 go, users since 80.
        assert_eq!(taste.forget_idle(80, 200), 2);
        assert_eq!(taste.users().collect::<Vec<_>>(), ["u1"]);
        assert!(taste.shoppers.contains_key("anon:s2"));
        assert_eq!(names(&taste.similar("a", 5)), ["b"], "the pairing stays");
        assert_eq!(taste.forget_idle(80, 200), 0);
    }

    #[test]
    fn a_personalised_list_leaves_out_the_history_and_what_was_bought() {
        let mut taste = Taste::default();
        for p in ["a", "b", "c"] {
            taste.touch("fan", p, 1.0, 0);
        }
        taste.touch("me", "a", 1.0, 0);
        assert_eq!(
            names(&taste.personalized("me", &HashSet::new(), 5)),
            ["b", "c"]
        );
        assert_eq!(
            names(&taste.personalized("me", &HashSet::from(["b"]), 5)),
            ["c"]
        );
    }
}
