//! The baselines every ratio is against, computed by the bench on the same split: popularity
//! (the most rated films) and full-history item-kNN (cosine over co-rating, summed over all of
//! a user's training films). Both leave out what the user has seen, as vici does.
use std::collections::{HashMap, HashSet};

use super::data::Interaction;

/// The `n` best of `scored`, best first, ties by item id.
fn best(scored: impl Iterator<Item = (u32, f64)>, n: usize) -> Vec<u32> {
    let mut all: Vec<(u32, f64)> = scored.collect();
    all.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    all.into_iter().take(n).map(|(item, _)| item).collect()
}

pub struct Popularity {
    ranked: Vec<u32>,
}

impl Popularity {
    pub fn fit(train: &[Interaction]) -> Self {
        let mut counts: HashMap<u32, f64> = HashMap::new();
        for i in train {
            *counts.entry(i.item).or_default() += 1.0;
        }
        Self {
            ranked: best(counts.into_iter(), usize::MAX),
        }
    }

    pub fn top(&self, seen: &HashSet<u32>, n: usize) -> Vec<u32> {
        self.ranked
            .iter()
            .filter(|i| !seen.contains(i))
            .take(n)
            .copied()
            .collect()
    }
}

/// Item-to-item cosine over the users who rated both, from full training histories.
pub struct ItemKnn {
    /// Dense `items × items` co-rating counts (MovieLens-100K has 1 682 films).
    together: Vec<f32>,
    raters: Vec<f32>,
    items: usize,
}

impl ItemKnn {
    pub fn fit(train: &[Interaction]) -> Self {
        let items = train.iter().map(|i| i.item as usize).max().unwrap_or(0) + 1;
        let mut by_user: HashMap<u32, Vec<usize>> = HashMap::new();
        for i in train {
            by_user.entry(i.user).or_default().push(i.item as usize);
        }
        let mut together = vec![0f32; items * items];
        let mut raters = vec![0f32; items];
        for rated in by_user.values() {
            for &a in rated {
                raters[a] += 1.0;
                for &b in rated {
                    if a != b {
                        together[a * items + b] += 1.0;
                    }
                }
            }
        }
        Self {
            together,
            raters,
            items,
        }
    }

    /// The `n` films most similar to all of `seen`, none of them.
    pub fn top(&self, seen: &HashSet<u32>, n: usize) -> Vec<u32> {
        let mut scores = vec![0f64; self.items];
        for &a in seen {
            let a = a as usize;
            if a >= self.items || self.raters[a] == 0.0 {
                continue;
            }
            let row = &self.together[a * self.items..(a + 1) * self.items];
            for (b, &both) in row.iter().enumerate() {
                if both > 0.0 {
                    let norm = (self.raters[a] * self.raters[b]).sqrt();
                    scores[b] += f64::from(both / norm);
                }
            }
        }
        let candidates = scores
            .into_iter()
            .enumerate()
            .filter(|(b, s)| *s > 0.0 && !seen.contains(&(*b as u32)))
            .map(|(b, s)| (b as u32, s));
        best(candidates, n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rated(pairs: &[(u32, u32)]) -> Vec<Interaction> {
        pairs
            .iter()
            .map(|&(user, item)| Interaction {
                user,
                item,
                at_s: 0,
            })
            .collect()
    }

    #[test]
    fn popularity_ranks_by_count_without_what_was_seen() {
        let pop = Popularity::fit(&rated(&[(1, 5), (2, 5), (3, 5), (1, 6), (2, 6), (1, 7)]));
        assert_eq!(pop.top(&HashSet::new(), 2), [5, 6]);
        assert_eq!(pop.top(&HashSet::from([5]), 2), [6, 7]);
    }

    #[test]
    fn item_knn_finds_what_was_rated_with_the_users_films() {
        let knn = ItemKnn::fit(&rated(&[
            (1, 1),
            (1, 2),
            (2, 1),
            (2, 2),
            (3, 1),
            (3, 3),
            (4, 4),
        ]));
        assert_eq!(knn.top(&HashSet::from([1]), 3), [2, 3]);
        assert!(knn.top(&HashSet::from([4]), 3).is_empty());
    }
}
