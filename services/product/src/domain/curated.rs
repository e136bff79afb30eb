//! Curated product rows: the catalogue's fillers for the recommendation shelves (ranked in
//! memory by `search::curated`). Each is an honest catalogue fallback, not a personalisation:
//! - `recommended`: featured products, then by rating;
//! - `trending`: by rating × review count (a popularity proxy), optionally within a category;
//! - `new-arrivals`: newest first;
//! - `related` and `frequently-bought-together`: the product's own category first, then the
//!   rest of its parent category, best rated first — never the product itself.
//!
//! All show ACTIVE products only and leave out `exclude_ids`.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Recommended,
    Trending,
    NewArrivals,
    Related,
    FrequentlyBoughtTogether,
}

pub const DEFAULT_LIMIT: u32 = 10;
pub const MAX_LIMIT: u32 = 100;

impl Kind {
    /// Whether the row is built around one product (which must then be given).
    pub fn needs_product(self) -> bool {
        matches!(self, Kind::Related | Kind::FrequentlyBoughtTogether)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_about_a_product_need_one() {
        assert!(Kind::Related.needs_product() && Kind::FrequentlyBoughtTogether.needs_product());
        assert!(!Kind::Trending.needs_product());
    }
}
