//! Query-string parsing for the catalogue routes, as pure functions from the raw `(name, value)`
//! pairs to typed requests: malformed values and unknown enum values become per-field problems
//! (→ 400 with `details`), unknown parameters are ignored, `limit` above its maximum is clamped.
//! An empty value (`?minPrice=`) counts as absent, as HTML forms send them.

use vici_proto::product::v1::{ProductSort, ProductStatus, ReviewSort};
use vici_proto::vocabulary::Spelled;

use vici_kit::Problems;

use crate::error::ApiError;

pub mod account;
pub mod fields;
pub mod orders;
mod proto;
#[cfg(test)]
mod tests;

pub use fields::{parse_bool, parse_dollars, parse_limit, parse_page, parse_rating};

/// Most results one page may hold; larger `limit`s are clamped.
pub const MAX_LIMIT: u32 = 100;
pub const DEFAULT_LIMIT: u32 = 20;
pub const CURATED_DEFAULT_LIMIT: u32 = 10;
pub const SUGGEST_DEFAULT_LIMIT: u32 = 5;
pub const SUGGEST_MAX_LIMIT: u32 = 20;
/// Longer free-text queries are refused rather than sent to the search engine.
pub const MAX_QUERY_CHARS: usize = 200;

/// Per-field problems of one query string, keyed by the parameter name the client used: a
/// validation error whose details name every one.
#[derive(Debug)]
pub struct Invalid(pub vici_kit::Error);

/// One sentence naming the offending parameters (the details carry the specifics).
fn message(found: &[(String, String)]) -> String {
    match found {
        [(field, problem)] => format!("Invalid query parameter `{field}`: {problem}"),
        _ => {
            let mut names: Vec<&str> = found.iter().map(|(f, _)| f.as_str()).collect();
            names.sort_unstable();
            format!(
                "Invalid query parameters: {} (see details)",
                names.join(", ")
            )
        }
    }
}

impl From<Invalid> for ApiError {
    fn from(invalid: Invalid) -> Self {
        ApiError(invalid.0)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageQuery {
    pub page: u32,
    pub limit: u32,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct FilterQuery {
    pub category: Option<String>,
    pub min_price_cents: Option<i64>,
    pub max_price_cents: Option<i64>,
    pub min_rating: Option<f64>,
    pub in_stock: Option<bool>,
    pub is_featured: Option<bool>,
    pub is_new: Option<bool>,
    pub is_on_sale: Option<bool>,
    pub tags: Vec<String>,
}

/// A value of a closed vocabulary (a sort, a status) from its REST spelling; the problem lists
/// what is accepted.
pub fn spelled<T: Spelled>(raw: &str) -> Result<T, String> {
    T::parse(raw).ok_or_else(|| format!("must be one of {}", T::accepted()))
}

/// `GET /products`.
#[derive(Clone, Debug, PartialEq)]
pub struct ListQuery {
    pub filter: FilterQuery,
    pub sort: ProductSort,
    pub page: PageQuery,
    /// `search` or `q`: switches the listing to search-backed relevance.
    pub search: Option<String>,
}

/// `GET /products/search`.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchQuery {
    pub query: String,
    pub filter: FilterQuery,
    pub sort: ProductSort,
    pub page: PageQuery,
}

/// `GET /products/{id}/reviews`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReviewsQuery {
    pub page: PageQuery,
    pub sort: ReviewSort,
}

/// The curated shelves (recommended, trending, new arrivals, related, bought together).
#[derive(Clone, Debug, PartialEq)]
pub struct CuratedQuery {
    pub limit: u32,
    pub category: Option<String>,
}

/// `GET /products/suggest`: a blank `q` yields no suggestions rather than an error, since
/// autocomplete fires on every keystroke.
#[derive(Clone, Debug, PartialEq)]
pub struct SuggestQuery {
    pub query: Option<String>,
    pub limit: u32,
}

/// Reads named parameters from the raw pairs and collects every problem before failing, so one
/// 400 reports all offending fields at once.
struct Reader<'a> {
    pairs: &'a [(String, String)],
    problems: Problems,
}

impl<'a> Reader<'a> {
    fn new(pairs: &'a [(String, String)]) -> Self {
        Self {
            pairs,
            problems: Problems::new(),
        }
    }

    /// The first non-blank value of the first of `names` (a name and its aliases) present.
    fn raw(&self, names: &[&'static str]) -> Option<(&'static str, &'a str)> {
        names.iter().find_map(|name| {
            self.pairs
                .iter()
                .find(|(k, v)| k == name && !v.trim().is_empty())
                .map(|(_, v)| (*name, v.trim()))
        })
    }

    /// Parses the parameter when present; a problem is recorded under the name the client used.
    fn parse<T>(
        &mut self,
        names: &[&'static str],
        f: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        let (name, raw) = self.raw(names)?;
        f(raw)
            .map_err(|problem| self.problems.add(name, problem))
            .ok()
    }

    fn text(&mut self, names: &[&'static str]) -> Option<String> {
        self.parse(names, |raw| {
            if raw.chars().count() > MAX_QUERY_CHARS {
                Err(format!("must be at most {MAX_QUERY_CHARS} characters"))
            } else {
                Ok(raw.to_string())
            }
        })
    }

    fn page(&mut self, default_limit: u32) -> PageQuery {
        PageQuery {
            page: self.parse(&["page"], parse_page).unwrap_or(1),
            limit: self
                .parse(&["limit", "pageSize"], |raw| parse_limit(raw, MAX_LIMIT))
                .unwrap_or(default_limit),
        }
    }

    fn filter(&mut self) -> FilterQuery {
        // 0 means "unbounded" for both price bounds (contract §3).
        let price = |raw: &str| parse_dollars(raw).map(|c| (c > 0).then_some(c));
        let min_price_cents = self.parse(&["minPrice"], price).flatten();
        let max_price_cents = self.parse(&["maxPrice"], price).flatten();
        if let (Some(min), Some(max)) = (min_price_cents, max_price_cents)
            && min > max
        {
            self.problems
                .add("minPrice", "must not be greater than maxPrice");
        }
        let listed = self.pairs.iter().filter(|(k, _)| k == "tags");
        let tags = vici_types::tags::distinct(listed.flat_map(|(_, v)| v.split(',')))
            .unwrap_or_else(|message| {
                self.problems.add("tags", message);
                Vec::new()
            });
        FilterQuery {
            category: self.text(&["category"]),
            min_price_cents,
            max_price_cents,
            min_rating: self.parse(&["rating", "minRating"], parse_rating),
            in_stock: self.parse(&["inStock"], parse_bool),
            is_featured: self.parse(&["isFeatured"], parse_bool),
            is_new: self.parse(&["isNew"], parse_bool),
            is_on_sale: self.parse(&["isOnSale"], parse_bool),
            tags,
        }
    }

    fn finish<T>(self, value: T) -> Result<T, Invalid> {
        self.problems
            .finish_with(message)
            .map(|()| value)
            .map_err(Invalid)
    }
}

pub fn list(pairs: &[(String, String)]) -> Result<ListQuery, Invalid> {
    let mut r = Reader::new(pairs);
    let query = list_from(&mut r);
    r.finish(query)
}

fn list_from(r: &mut Reader) -> ListQuery {
    let search = r.text(&["search", "q"]);
    let default_sort = if search.is_some() {
        ProductSort::Relevance
    } else {
        ProductSort::Featured
    };
    let sort = r
        .parse(&["sort"], spelled::<ProductSort>)
        .unwrap_or(default_sort);
    ListQuery {
        filter: r.filter(),
        sort,
        page: r.page(DEFAULT_LIMIT),
        search,
    }
}

/// `GET /admin/products`: the listing's filters, sorts and paging over every status, or over
/// the one `status` names.
#[derive(Clone, Debug, PartialEq)]
pub struct AdminListQuery {
    pub list: ListQuery,
    pub status: Option<ProductStatus>,
}

pub fn admin_products(pairs: &[(String, String)]) -> Result<AdminListQuery, Invalid> {
    let mut r = Reader::new(pairs);
    let list = list_from(&mut r);
    let status = r.parse(&["status"], spelled::<ProductStatus>);
    r.finish(AdminListQuery { list, status })
}

pub fn search(pairs: &[(String, String)]) -> Result<SearchQuery, Invalid> {
    let mut r = Reader::new(pairs);
    let query = r.text(&["q", "search"]);
    if query.is_none() && !r.problems.has("q") {
        r.problems.add("q", "is required");
    }
    let sort = r
        .parse(&["sort"], spelled::<ProductSort>)
        .unwrap_or(ProductSort::Relevance);
    let parsed = SearchQuery {
        query: query.unwrap_or_default(),
        filter: r.filter(),
        sort,
        page: r.page(DEFAULT_LIMIT),
    };
    r.finish(parsed)
}

pub fn reviews(pairs: &[(String, String)]) -> Result<ReviewsQuery, Invalid> {
    let mut r = Reader::new(pairs);
    let sort = r
        .parse(&["sort"], spelled::<ReviewSort>)
        .unwrap_or(ReviewSort::Newest);
    let query = ReviewsQuery {
        page: r.page(DEFAULT_LIMIT),
        sort,
    };
    r.finish(query)
}

pub fn curated(pairs: &[(String, String)]) -> Result<CuratedQuery, Invalid> {
    let mut r = Reader::new(pairs);
    let limit = r
        .parse(&["limit", "pageSize"], |raw| parse_limit(raw, MAX_LIMIT))
        .unwrap_or(CURATED_DEFAULT_LIMIT);
    let query = CuratedQuery {
        limit,
        category: r.text(&["category"]),
    };
    r.finish(query)
}

pub fn suggest(pairs: &[(String, String)]) -> Result<SuggestQuery, Invalid> {
    let mut r = Reader::new(pairs);
    let limit = r
        .parse(&["limit"], |raw| parse_limit(raw, SUGGEST_MAX_LIMIT))
        .unwrap_or(SUGGEST_DEFAULT_LIMIT);
    let query = SuggestQuery {
        query: r.text(&["q", "search"]),
        limit,
    };
    r.finish(query)
}

/// `GET /products/categories`: `tree=true` nests children.
pub fn categories(pairs: &[(String, String)]) -> Result<bool, Invalid> {
    let mut r = Reader::new(pairs);
    let tree = r.parse(&["tree"], parse_bool).unwrap_or(false);
    r.finish(tree)
}

/// `GET /products/price-range`: the optional `category`.
pub fn price_range(pairs: &[(String, String)]) -> Result<Option<String>, Invalid> {
    let mut r = Reader::new(pairs);
    let category = r.text(&["category"]);
    r.finish(category)
}
