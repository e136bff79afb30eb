//! Curated rows (`domain::curated`) ranked from the in-memory table instead of SQL: the table
//! already follows every product write on every replica (see `crate::replica`), and ranking a
//! few thousand facts in memory costs a fraction of the sorted scan the row's SQL needed on
//! every recommendation shelf that had to be filled. Only the chosen products are read back.
use std::cmp::Ordering;
use std::collections::HashSet;

use super::{SearchIndex, top};
use crate::domain::curated::Kind;
use crate::domain::{Facts, Status};

/// Which products a row may hold and how it ranks them.
pub struct Row<'a> {
    pub kind: Kind,
    /// Categories the row keeps to; any when `None`.
    pub categories: Option<&'a HashSet<String>>,
    /// For a row about a product: its category, ranked first.
    pub own_category: Option<&'a str>,
    pub exclude: &'a [String],
    pub limit: usize,
}

impl SearchIndex {
    /// The ids of `row`'s ACTIVE products, best first.
    pub fn curated(&self, row: &Row<'_>) -> Vec<String> {
        let exclude: HashSet<&str> = row.exclude.iter().map(String::as_str).collect();
        let table = self.table.read().unwrap_or_else(|e| e.into_inner());
        let mut candidates: Vec<&Facts> = table
            .iter()
            .filter(|f| f.status == Status::Active && !exclude.contains(f.id.as_str()))
            .filter(|f| row.categories.is_none_or(|c| c.contains(&f.category_id)))
            .collect();
        top(&mut candidates, row.limit, |a, b| rank(row, a, b))
            .iter()
            .map(|f| f.id.clone())
            .collect()
    }
}

/// The row's order (as `domain::curated` documents it), then name and id so it is total.
fn rank(row: &Row<'_>, a: &Facts, b: &Facts) -> Ordering {
    let first = match row.kind {
        Kind::Recommended => b
            .is_featured
            .cmp(&a.is_featured)
            .then(b.rating.total_cmp(&a.rating)),
        Kind::Trending => popularity(b).total_cmp(&popularity(a)),
        Kind::NewArrivals => b.created_at.cmp(&a.created_at),
        Kind::Related | Kind::FrequentlyBoughtTogether => {
            let own = |f: &Facts| Some(f.category_id.as_str()) != row.own_category;
            own(a).cmp(&own(b)).then(b.rating.total_cmp(&a.rating))
        }
    };
    first
        .then_with(|| a.name.cmp(&b.name))
        .then_with(|| a.id.cmp(&b.id))
}

/// Trending's catalogue proxy for popularity: rating × review count.
fn popularity(f: &Facts) -> f64 {
    f.rating * f.review_count as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(id: &str, category: &str, rating: f64, featured: bool, created_at: i64) -> Facts {
        Facts {
            id: id.into(),
            name: format!("P {id}"),
            category_id: category.into(),
            rating,
            review_count: 10,
            is_featured: featured,
            status: Status::Active,
            created_at,
            ..Facts::default()
        }
    }

    fn row<'a>(kind: Kind, exclude: &'a [String], own_category: Option<&'a str>) -> Row<'a> {
        Row {
            kind,
            categories: None,
            own_category,
            exclude,
            limit: 3,
        }
    }

    #[test]
    fn rows_rank_active_products_in_their_documented_order() {
        let index = SearchIndex::new().unwrap();
        let gone = Facts {
            status: Status::Inactive,
            ..facts("gone", "a", 5.0, true, 9)
        };
        for f in [
            facts("old-best", "a", 4.9, false, 1),
            facts("featured", "b", 3.0, true, 2),
            facts("newest", "b", 4.0, false, 8),
            facts("good", "c", 4.5, false, 3),
            gone,
        ] {
            index.table.write().unwrap().put(f);
        }
        let none = Vec::new();
        assert_eq!(
            index.curated(&row(Kind::Recommended, &none, None)),
            ["featured", "old-best", "good"]
        );
        assert_eq!(
            index.curated(&row(Kind::NewArrivals, &none, None)),
            ["newest", "good", "featured"]
        );
        let excluded = vec!["featured".to_string()];
        assert_eq!(
            index.curated(&row(Kind::Related, &excluded, Some("b"))),
            ["newest", "old-best", "good"],
            "its own category first, the excluded never"
        );
        let only_c: HashSet<String> = ["c".to_string()].into();
        let within = Row {
            categories: Some(&only_c),
            ..row(Kind::Trending, &none, None)
        };
        assert_eq!(index.curated(&within), ["good"]);
    }
}
