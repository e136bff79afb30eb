//! The public catalogue: products, search, categories, curated shelves and reviews. Each
//! handler parses its query ([`crate::query`]), makes one product-service call, and renders the
//! answer ([`crate::dto`]).
use vici_kit::ErrorCode;

use super::table::{Access::Public, Route, SESSION_ID};
use crate::dto::params::{
    CategoriesParams, CategoryParams, CuratedParams, FilterParams, LimitParams, ListParams,
    PageParams, ReviewParams, SearchParams, SuggestParams,
};
use crate::dto::{
    CategoryDto, PriceRangeDto, ProductDto, ReviewsEnvelope, SearchResultDto, ShelfEnvelope,
    SuggestionDto,
};
use crate::error::{ApiError, ApiResult};

pub mod admin_categories;
pub mod admin_products;
pub mod categories;
pub mod products;
pub mod reviews;
pub mod shelves;

/// The public catalogue. Every answer but the personalised `/products/recommended` is the same
/// for every non-admin caller, so the micro-cache may share it.
pub fn routes() -> Vec<Route> {
    [
        shop_routes(),
        admin_products::routes(),
        admin_categories::routes(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

fn shop_routes() -> Vec<Route> {
    vec![
        Route::get(Public, "/products", products::list)
            .doc("Products", "list_products", "List products")
            .describe(
                "Filters, sorts and pages the ACTIVE catalogue; with `search`/`q` the list is \
                 ranked by search relevance. Ties are broken by name then id, so pages never \
                 overlap.",
            )
            .query::<ListParams>()
            .query::<FilterParams>()
            .query::<PageParams>()
            .page::<ProductDto>()
            .cached(),
        Route::get(Public, "/products/search", products::search)
            .doc("Products", "search_products", "Search products")
            .describe(
                "Ranked by relevance, tolerant of typos and word prefixes; accepts the list \
                 filters. `data` holds the products with facets and spelling suggestions.",
            )
            .query::<SearchParams>()
            .query::<FilterParams>()
            .query::<PageParams>()
            .page_of::<SearchResultDto>()
            .cached(),
        Route::get(Public, "/products/suggest", products::suggest)
            .doc("Products", "suggest", "Autocomplete suggestions")
            .query::<SuggestParams>()
            .page::<SuggestionDto>()
            .cached(),
        Route::get(Public, "/products/slug/{slug}", products::by_slug)
            .doc("Products", "get_product_by_slug", "Get a product by slug")
            .data::<ProductDto>()
            .cached(),
        Route::get(Public, "/products/{id}", products::by_id)
            .doc("Products", "get_product", "Get a product by id")
            .describe(
                "Unknown, INACTIVE and DRAFT products are 404 (admins see every status), and so \
                 is an id that is not a UUID.",
            )
            .data::<ProductDto>()
            .cached(),
        Route::get(Public, "/products/categories", categories::list)
            .doc("Categories", "list_categories", "List categories")
            .describe("Top-level categories sorted by `sortOrder` then name; `tree=true` nests their children.")
            .query::<CategoriesParams>()
            .page::<CategoryDto>()
            .cached(),
        Route::get(Public, "/products/categories/{idOrSlug}", categories::one)
            .doc("Categories", "get_category", "Get a category by id or slug, with its children")
            .data::<CategoryDto>()
            .cached(),
        Route::get(Public, "/products/price-range", categories::price_range)
            .doc("Categories", "price_range", "Price range of the ACTIVE products (optionally of a category)")
            .describe("All zeros when nothing matches, including for an unknown category.")
            .query::<CategoryParams>()
            .data::<PriceRangeDto>()
            .cached(),
        Route::get(Public, "/products/recommended", shelves::recommended)
            .doc("Recommendations", "recommended", "Products recommended for the caller")
            .describe("Personalised from the caller's (or the X-Session-Id session's) behaviour, trending and popular products filling the rest; never 401, never cached. `meta.sources[i]` says where `data[i]` came from.")
            .query::<LimitParams>()
            .header(SESSION_ID)
            .bare_page::<ShelfEnvelope>(),
        Route::get(Public, "/products/recently-viewed", shelves::recently_viewed)
            .doc("Recommendations", "recently_viewed", "Products the caller (or X-Session-Id) viewed, newest first")
            .query::<LimitParams>()
            .header(SESSION_ID)
            .bare_page::<ShelfEnvelope>(),
        Route::get(Public, "/products/trending", shelves::trending)
            .doc("Recommendations", "trending", "Trending products, optionally in a category")
            .describe("From shoppers' recent activity, decayed over time; popular products fill the rest. With `category`, that category's (and its descendants') best.")
            .query::<CuratedParams>()
            .bare_page::<ShelfEnvelope>()
            .cached(),
        Route::get(Public, "/products/new-arrivals", shelves::new_arrivals)
            .doc("Recommendations", "new_arrivals", "The newest products")
            .query::<LimitParams>()
            .bare_page::<ShelfEnvelope>()
            .cached(),
        Route::get(Public, "/products/{id}/related", shelves::related)
            .doc("Recommendations", "related", "Products similar to this one (never the product itself)")
            .describe("Similar by shoppers' behaviour, then bought together, then the same category, then popular.")
            .query::<LimitParams>()
            .bare_page::<ShelfEnvelope>()
            .cached(),
        Route::get(Public, "/products/{id}/frequently-bought-together", shelves::bought_together)
            .doc("Recommendations", "bought_together", "Products often bought with this one")
            .query::<LimitParams>()
            .bare_page::<ShelfEnvelope>()
            .cached(),
        Route::get(Public, "/products/{id}/reviews", reviews::reviews)
            .doc("Reviews", "list_reviews", "A product's reviews")
            .describe("Paged reviews plus a sibling `summary` with the product's aggregate rating.")
            .query::<ReviewParams>()
            .query::<PageParams>()
            .bare_page::<ReviewsEnvelope>()
            .cached(),
    ]
}

/// The contract promises an empty answer for an unknown `category`, whatever way the product
/// service reports one.
fn empty_if_unknown_category<T: Default>(
    result: Result<tonic::Response<T>, tonic::Status>,
    category: Option<&str>,
) -> ApiResult<T> {
    match result {
        Ok(response) => Ok(response.into_inner()),
        Err(status) => {
            let err = ApiError::from(status);
            if category.is_some() && err.code() == ErrorCode::NotFound {
                Ok(T::default())
            } else {
                Err(err)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_categories_yield_empty_answers() {
        let missing = || Err(tonic::Status::not_found("no such category"));
        let page: vici_proto::product::v1::ProductPage =
            empty_if_unknown_category(missing(), Some("nope")).unwrap();
        assert!(page.products.is_empty());
        let err =
            empty_if_unknown_category::<vici_proto::product::v1::ProductPage>(missing(), None)
                .unwrap_err();
        assert_eq!(err.code(), ErrorCode::NotFound);
    }
}
