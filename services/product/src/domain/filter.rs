//! The product filter of the contract, validated once and then applied to the in-memory table
//! of product facts ([`Filter::admits`]) by plain listings and search alike, so they agree.
use std::collections::HashSet;

use vici_kit::{Error, Result};

use super::product::{Product, Status};
use super::text::display_rating;

/// The filter as a caller sent it (after the transport's own decoding).
#[derive(Clone, Debug, Default)]
pub struct FilterParts {
    pub category: Option<String>,
    pub min_price_cents: Option<i64>,
    pub max_price_cents: Option<i64>,
    pub min_rating: Option<f64>,
    pub in_stock: Option<bool>,
    pub is_featured: Option<bool>,
    pub is_new: Option<bool>,
    pub is_on_sale: Option<bool>,
    pub tags: Vec<String>,
    pub include_all_statuses: bool,
    pub status: Option<Status>,
}

/// A validated filter. `category` and `in_stock` still need the database and the inventory
/// service to resolve; the result of that is a [`Scope`].
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub category: Option<String>,
    pub min_price_cents: Option<i64>,
    pub max_price_cents: Option<i64>,
    /// Lowest stored rating admitted: the requested minimum less half a step, because ratings
    /// are shown rounded to one decimal and "4+" must include a 3.96 shown as 4.0.
    pub rating_floor: Option<f64>,
    pub in_stock: Option<bool>,
    pub is_featured: Option<bool>,
    pub is_new: Option<bool>,
    pub is_on_sale: Option<bool>,
    /// Lower-case; a product matches when it has any of them.
    pub tags: Vec<String>,
    /// Empty means nothing can match (a non-admin asking for drafts).
    pub statuses: Vec<Status>,
}

impl Filter {
    pub fn new(p: FilterParts) -> Result<Filter> {
        let price = |field: &str, v: Option<i64>| match v {
            Some(c) if c < 0 => Err(Error::validation(
                field,
                format!("`{field}` must not be negative"),
            )),
            Some(0) | None => Ok(None),
            Some(c) => Ok(Some(c)),
        };
        let rating_floor = match p.min_rating {
            Some(r) if !(0.0..=5.0).contains(&r) => {
                return Err(Error::validation(
                    "rating",
                    "`rating` must be between 0 and 5",
                ));
            }
            Some(r) if r > 0.0 => Some(r - 0.05),
            _ => None,
        };
        let statuses = match (p.include_all_statuses, p.status) {
            (true, Some(s)) => vec![s],
            (true, None) => Status::ALL.to_vec(),
            (false, Some(s)) if s != Status::Active => Vec::new(),
            (false, _) => vec![Status::Active],
        };
        let mut tags = super::fields::tags(p.tags)?;
        for tag in &mut tags {
            *tag = tag.to_lowercase();
        }
        tags.sort();
        Ok(Filter {
            category: p
                .category
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty()),
            min_price_cents: price("minPrice", p.min_price_cents)?,
            max_price_cents: price("maxPrice", p.max_price_cents)?,
            rating_floor,
            in_stock: p.in_stock,
            is_featured: p.is_featured,
            is_new: p.is_new,
            is_on_sale: p.is_on_sale,
            tags,
            statuses,
        })
    }

    /// Only ACTIVE products: what every shopper-facing list without a filter shows.
    pub fn active() -> Filter {
        Filter {
            statuses: vec![Status::Active],
            ..Filter::default()
        }
    }

    /// Whether a product passes this filter within `scope`.
    pub fn admits(&self, scope: &Scope, f: &Facts) -> bool {
        self.statuses.contains(&f.status)
            && scope
                .categories
                .as_ref()
                .is_none_or(|c| c.contains(&f.category_id))
            && self.min_price_cents.is_none_or(|m| f.price_cents >= m)
            && self.max_price_cents.is_none_or(|m| f.price_cents <= m)
            && self.rating_floor.is_none_or(|m| f.rating >= m)
            && self.is_featured.is_none_or(|b| f.is_featured == b)
            && self.is_new.is_none_or(|b| f.is_new == b)
            && self.is_on_sale.is_none_or(|b| f.is_on_sale == b)
            && (self.tags.is_empty() || f.tags.iter().any(|t| self.tags.binary_search(t).is_ok()))
            && scope.stock.admits(&f.id)
    }
}

/// What resolving a filter against the world produced.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    /// The requested category and all its descendants; `None` = any category.
    pub categories: Option<HashSet<String>>,
    pub stock: StockScope,
}

impl Scope {
    /// Whether the scope rules out every product (an unknown category), so no query is needed.
    pub fn is_empty(&self, filter: &Filter) -> bool {
        filter.statuses.is_empty() || self.categories.as_ref().is_some_and(HashSet::is_empty)
    }
}

/// The in-stock filter resolved through the inventory service's list of unavailable products.
#[derive(Clone, Debug, Default)]
pub enum StockScope {
    #[default]
    Any,
    /// `inStock=true`: everything except these.
    Exclude(HashSet<String>),
    /// `inStock=false`: only these.
    Only(HashSet<String>),
}

impl StockScope {
    pub fn from_unavailable(in_stock: bool, unavailable: HashSet<String>) -> Self {
        if in_stock {
            Self::Exclude(unavailable)
        } else {
            Self::Only(unavailable)
        }
    }

    pub fn admits(&self, id: &str) -> bool {
        match self {
            Self::Any => true,
            Self::Exclude(ids) => !ids.contains(id),
            Self::Only(ids) => ids.contains(id),
        }
    }
}

/// What filters, sorts and facets read about a product: a compact copy the search index keeps
/// in memory for every product so a query never goes back to SQL for them.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub category_id: String,
    pub price_cents: i64,
    pub rating: f64,
    pub review_count: i64,
    pub status: Status,
    pub is_featured: bool,
    pub is_new: bool,
    pub is_on_sale: bool,
    pub created_at: i64,
    /// Lower-case.
    pub tags: Vec<String>,
}

impl Facts {
    pub fn display_rating(&self) -> f64 {
        display_rating(self.rating)
    }
}

impl From<&Product> for Facts {
    fn from(p: &Product) -> Self {
        Facts {
            id: p.id.clone(),
            slug: p.slug.clone(),
            name: p.name.clone(),
            category_id: p.category_id.clone(),
            price_cents: p.price_cents,
            rating: p.rating,
            review_count: p.review_count,
            status: p.status,
            is_featured: p.is_featured,
            is_new: p.is_new,
            is_on_sale: p.is_on_sale,
            created_at: p.created_at,
            tags: p.tags.iter().map(|t| t.to_lowercase()).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> Facts {
        Facts {
            id: "p1".into(),
            category_id: "c1".into(),
            price_cents: 10_000,
            rating: 3.96,
            status: Status::Active,
            tags: vec!["wireless".into(), "sony".into()],
            ..Facts::default()
        }
    }

    #[test]
    fn zero_prices_mean_unbounded_and_bounds_are_inclusive() {
        let f = Filter::new(FilterParts {
            min_price_cents: Some(0),
            max_price_cents: Some(10_000),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(f.min_price_cents, None);
        assert!(f.admits(&Scope::default(), &facts()));
        let f = Filter::new(FilterParts {
            min_price_cents: Some(10_001),
            ..Default::default()
        })
        .unwrap();
        assert!(!f.admits(&Scope::default(), &facts()));
        assert!(
            Filter::new(FilterParts {
                max_price_cents: Some(-1),
                ..Default::default()
            })
            .is_err()
        );
    }

    #[test]
    fn ratings_compare_as_displayed() {
        let f = Filter::new(FilterParts {
            min_rating: Some(4.0),
            ..Default::default()
        })
        .unwrap();
        assert!(f.admits(&Scope::default(), &facts()), "3.96 shows as 4.0");
        let f = Filter::new(FilterParts {
            min_rating: Some(4.1),
            ..Default::default()
        })
        .unwrap();
        assert!(!f.admits(&Scope::default(), &facts()));
        assert!(
            Filter::new(FilterParts {
                min_rating: Some(6.0),
                ..Default::default()
            })
            .is_err()
        );
    }

    #[test]
    fn statuses_default_to_active_and_only_admins_see_others() {
        assert_eq!(
            Filter::new(FilterParts::default()).unwrap().statuses,
            [Status::Active]
        );
        let all = Filter::new(FilterParts {
            include_all_statuses: true,
            ..Default::default()
        })
        .unwrap();
        assert_eq!(all.statuses.len(), 4);
        let sneaky = Filter::new(FilterParts {
            status: Some(Status::Draft),
            ..Default::default()
        })
        .unwrap();
        assert!(sneaky.statuses.is_empty());
        assert!(Scope::default().is_empty(&sneaky));
    }

    #[test]
    fn tags_match_any_case_insensitively() {
        let f = Filter::new(FilterParts {
            tags: vec![" Sony ".into(), "apple".into()],
            ..Default::default()
        })
        .unwrap();
        assert!(f.admits(&Scope::default(), &facts()));
        let f = Filter::new(FilterParts {
            tags: vec!["apple".into()],
            ..Default::default()
        })
        .unwrap();
        assert!(!f.admits(&Scope::default(), &facts()));
    }

    #[test]
    fn scope_limits_categories_and_stock() {
        let f = Filter::active();
        let mut scope = Scope {
            categories: Some(HashSet::from(["c2".to_string()])),
            ..Scope::default()
        };
        assert!(!f.admits(&scope, &facts()));
        scope.categories = Some(HashSet::from(["c1".to_string()]));
        assert!(f.admits(&scope, &facts()));
        scope.stock = StockScope::from_unavailable(true, HashSet::from(["p1".to_string()]));
        assert!(!f.admits(&scope, &facts()));
        scope.stock = StockScope::from_unavailable(false, HashSet::from(["p1".to_string()]));
        assert!(f.admits(&scope, &facts()));
        assert!(
            Scope {
                categories: Some(HashSet::new()),
                ..Scope::default()
            }
            .is_empty(&f)
        );
    }
}
