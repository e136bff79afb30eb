//! Curated product rows until the recommendation pipeline owns them. Each is an honest
//! catalogue fallback, not a personalisation:
//! - `recommended`: featured products, then by rating;
//! - `trending`: by rating × review count (a popularity proxy), optionally within a category;
//! - `new-arrivals`: newest first;
//! - `related` and `frequently-bought-together`: the product's own category first, then the
//!   rest of its parent category, best rated first — never the product itself.
//!
//! All show ACTIVE products only and leave out `exclude_ids`.
use vici_kit::{Error, Result};

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
    pub fn parse(raw: &str) -> Result<Kind> {
        match raw.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "recommended" => Ok(Kind::Recommended),
            "trending" => Ok(Kind::Trending),
            "new-arrivals" => Ok(Kind::NewArrivals),
            "related" => Ok(Kind::Related),
            "frequently-bought-together" => Ok(Kind::FrequentlyBoughtTogether),
            _ => Err(Error::validation(
                "kind",
                format!(
                    "Unknown list `{}`; use one of: recommended, trending, new-arrivals, related, frequently-bought-together",
                    raw.trim()
                ),
            )),
        }
    }

    /// Whether the row is built around one product (which must then be given).
    pub fn needs_product(self) -> bool {
        matches!(self, Kind::Related | Kind::FrequentlyBoughtTogether)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_parse_in_both_spellings() {
        assert_eq!(Kind::parse("new_arrivals").unwrap(), Kind::NewArrivals);
        assert_eq!(
            Kind::parse("Frequently-Bought-Together").unwrap(),
            Kind::FrequentlyBoughtTogether
        );
        assert!(
            Kind::parse("best")
                .unwrap_err()
                .details
                .contains_key("kind")
        );
        assert!(Kind::Related.needs_product() && !Kind::Trending.needs_product());
    }
}
