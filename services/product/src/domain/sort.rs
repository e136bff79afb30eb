//! Sort orders and paging of product lists. Every order ends with name then id, so the order is
//! total and consecutive pages never overlap or skip a product. Names compare by their bytes
//! (the same on every database engine).
use std::cmp::Ordering;

use super::Facts;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sort {
    /// Featured products first, then by rating.
    Featured,
    PriceAsc,
    PriceDesc,
    Rating,
    Newest,
    Name,
    /// Search score; without a query there is no score, so it means `Featured`.
    Relevance,
}

impl Sort {
    /// The order a list without a search query uses.
    pub fn without_query(self) -> Sort {
        if self == Sort::Relevance {
            Sort::Featured
        } else {
            self
        }
    }

    /// Orders two search hits (`score` is the text relevance, higher first).
    pub fn compare(self, a: (&Facts, f32), b: (&Facts, f32)) -> Ordering {
        let ((fa, sa), (fb, sb)) = (a, b);
        let primary = match self {
            Sort::Relevance => sb.total_cmp(&sa),
            Sort::Featured => fb
                .is_featured
                .cmp(&fa.is_featured)
                .then(fb.rating.total_cmp(&fa.rating)),
            Sort::PriceAsc => fa.price_cents.cmp(&fb.price_cents),
            Sort::PriceDesc => fb.price_cents.cmp(&fa.price_cents),
            Sort::Rating => fb.rating.total_cmp(&fa.rating),
            Sort::Newest => fb.created_at.cmp(&fa.created_at),
            Sort::Name => Ordering::Equal,
        };
        primary
            .then_with(|| fa.name.cmp(&fb.name))
            .then_with(|| fa.id.cmp(&fb.id))
    }
}

/// A result limit for short lists (suggestions, curated rows): `default` when 0, at most `max`.
pub fn clamp_limit(limit: u32, default: u32, max: u32) -> usize {
    (if limit == 0 { default } else { limit.min(max) }) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(id: &str, name: &str, price: i64, rating: f64, featured: bool) -> Facts {
        Facts {
            id: id.into(),
            name: name.into(),
            price_cents: price,
            rating,
            is_featured: featured,
            ..Facts::default()
        }
    }

    #[test]
    fn relevance_without_a_query_is_featured() {
        assert_eq!(Sort::Relevance.without_query(), Sort::Featured);
        assert_eq!(Sort::Name.without_query(), Sort::Name);
    }

    #[test]
    fn featured_comes_first_then_rating_then_name_then_id() {
        let mut v = [
            facts("3", "b", 100, 4.0, false),
            facts("2", "a", 100, 4.0, false),
            facts("1", "a", 100, 4.0, false),
            facts("4", "z", 100, 3.0, true),
            facts("5", "c", 100, 4.9, false),
        ];
        v.sort_by(|a, b| Sort::Featured.compare((a, 0.0), (b, 0.0)));
        let ids: Vec<_> = v.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["4", "5", "1", "2", "3"]);
    }

    #[test]
    fn relevance_orders_by_score_then_name() {
        let (a, b) = (
            facts("1", "b", 1, 0.0, false),
            facts("2", "a", 1, 0.0, false),
        );
        assert_eq!(
            Sort::Relevance.compare((&a, 2.0), (&b, 1.0)),
            Ordering::Less
        );
        assert_eq!(
            Sort::Relevance.compare((&a, 1.0), (&b, 1.0)),
            Ordering::Greater
        );
        assert_eq!(
            Sort::PriceDesc.compare((&a, 0.0), (&b, 0.0)),
            Ordering::Greater
        );
    }

    #[test]
    fn short_list_limits_are_clamped() {
        assert_eq!(clamp_limit(0, 5, 20), 5);
        assert_eq!(clamp_limit(50, 5, 20), 20);
    }
}
