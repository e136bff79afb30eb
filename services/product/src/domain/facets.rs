//! Search facets over the full match set: counts per category, per price band and per minimum
//! rating, gathered in the same pass that filters the hits.
use std::collections::HashMap;

use super::Facts;

/// Price bands in cents, `[min, max)`; the last is open-ended.
pub const PRICE_BANDS: [(i64, Option<i64>); 6] = [
    (0, Some(2_500)),
    (2_500, Some(5_000)),
    (5_000, Some(10_000)),
    (10_000, Some(20_000)),
    (20_000, Some(50_000)),
    (50_000, None),
];

/// "4 stars & up" … "1 star & up", counted on the rating as shown.
pub const RATING_STEPS: [u32; 4] = [4, 3, 2, 1];

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Facets {
    pub categories: HashMap<String, u64>,
    /// One count per [`PRICE_BANDS`] entry.
    pub price_bands: [u64; PRICE_BANDS.len()],
    /// One count per [`RATING_STEPS`] entry.
    pub ratings: [u64; RATING_STEPS.len()],
}

impl Facets {
    pub fn add(&mut self, f: &Facts) {
        self.add_category(&f.category_id, 1);
        self.add_price_and_rating(f);
    }

    /// Counts `n` more matches in category `id`. A caller counting many matches (the search
    /// index) tallies categories by number and adds them once at the end, rather than hashing
    /// a category id per match.
    pub fn add_category(&mut self, id: &str, n: u64) {
        match self.categories.get_mut(id) {
            Some(count) => *count += n,
            None => {
                self.categories.insert(id.to_string(), n);
            }
        }
    }

    pub fn add_price_and_rating(&mut self, f: &Facts) {
        self.price_bands[price_band(f.price_cents)] += 1;
        let shown = f.display_rating();
        for (i, step) in RATING_STEPS.iter().enumerate() {
            if shown >= f64::from(*step) {
                self.ratings[i] += 1;
            }
        }
    }

    /// Category counts, largest first (ties by id so the order is stable).
    pub fn categories_by_count(&self) -> Vec<(&str, u64)> {
        let mut v: Vec<(&str, u64)> = self
            .categories
            .iter()
            .map(|(k, n)| (k.as_str(), *n))
            .collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        v
    }
}

/// The index of the band `cents` falls in (negative prices cannot be stored; they go first).
pub fn price_band(cents: i64) -> usize {
    PRICE_BANDS
        .iter()
        .position(|(_, max)| max.is_none_or(|m| cents < m))
        .unwrap_or(PRICE_BANDS.len() - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_are_half_open_and_the_last_is_unbounded() {
        assert_eq!(price_band(0), 0);
        assert_eq!(price_band(2_499), 0);
        assert_eq!(price_band(2_500), 1);
        assert_eq!(price_band(19_999), 3);
        assert_eq!(price_band(50_000), 5);
        assert_eq!(price_band(i64::MAX), 5);
    }

    #[test]
    fn counts_add_up() {
        let mut f = Facets::default();
        for (cat, price, rating) in [("a", 100, 4.96), ("a", 30_000, 3.0), ("b", 90_000, 1.2)] {
            f.add(&Facts {
                category_id: cat.into(),
                price_cents: price,
                rating,
                ..Facts::default()
            });
        }
        assert_eq!(f.price_bands.iter().sum::<u64>(), 3);
        assert_eq!(f.categories_by_count(), [("a", 2), ("b", 1)]);
        assert_eq!(f.ratings, [1, 2, 2, 3]);
    }
}
