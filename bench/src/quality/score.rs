//! Scoring top-10 lists against what was held out: hit rate, nDCG, precision and catalogue
//! coverage, averaged over the users asked.
use std::collections::HashSet;

#[derive(Default)]
pub struct Score {
    users: usize,
    hits: f64,
    ndcg: f64,
    precision: f64,
    shown: HashSet<u32>,
}

/// The averages of a [`Score`], `k` being the list length asked for.
#[derive(Clone, Copy, Debug)]
pub struct Summary {
    pub users: usize,
    pub hit_rate: f64,
    pub ndcg: f64,
    pub precision: f64,
    /// Share of the catalogue shown to someone.
    pub coverage: f64,
}

impl Score {
    /// Scores one user's `list` (best first, cut to `k`) against their `held_out` items.
    pub fn add(&mut self, list: &[u32], held_out: &[u32], k: usize) {
        let relevant: HashSet<u32> = held_out.iter().copied().collect();
        let list = &list[..list.len().min(k)];
        let gain = |rank: usize| 1.0 / ((rank + 2) as f64).log2();
        let hits: Vec<usize> = (0..list.len())
            .filter(|&r| relevant.contains(&list[r]))
            .collect();
        let ideal: f64 = (0..relevant.len().min(k)).map(gain).sum();
        self.users += 1;
        self.hits += f64::from(u8::from(!hits.is_empty()));
        if ideal > 0.0 {
            self.ndcg += hits.iter().map(|&r| gain(r)).sum::<f64>() / ideal;
        }
        self.precision += hits.len() as f64 / k as f64;
        self.shown.extend(list.iter().copied());
    }

    pub fn summary(&self, catalogue: usize) -> Summary {
        let users = self.users.max(1) as f64;
        Summary {
            users: self.users,
            hit_rate: self.hits / users,
            ndcg: self.ndcg / users,
            precision: self.precision / users,
            coverage: self.shown.len() as f64 / catalogue.max(1) as f64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hit_at_the_top_scores_one_and_a_miss_nothing() {
        let mut s = Score::default();
        s.add(&[7, 1, 2], &[7], 10);
        s.add(&[1, 2, 3], &[9], 10);
        let sum = s.summary(10);
        assert_eq!(sum.hit_rate, 0.5);
        assert!((sum.ndcg - 0.5).abs() < 1e-12);
        assert!((sum.precision - 0.05).abs() < 1e-12);
        assert!((sum.coverage - 0.4).abs() < 1e-12);
    }

    #[test]
    fn ndcg_is_against_the_best_possible_order() {
        let mut s = Score::default();
        // Two relevant, found at ranks 2 and 3 (from 1): (1/log2 3 + 1/log2 4) / (1 + 1/log2 3).
        s.add(&[5, 1, 2], &[1, 2], 10);
        let expected = (1.0 / 3f64.log2() + 0.5) / (1.0 + 1.0 / 3f64.log2());
        assert!((s.summary(3).ndcg - expected).abs() < 1e-12);
    }
}
