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
    CategoryDto, PriceRangeDto, ProductDto, ReviewsEnvelope, SearchResultDto, SuggestionDto,
};
use crate::error::{ApiError, ApiResult};

pub mod admin_categories;
pub mod admin_products;
pub mod categories;
pub mod curated;
pub mod products;

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
        Route::get(Public, "/products/recommended", curated::recommended)
            .doc("Products", "recommended", "Products recommended for the caller")
            .describe("Trending products for anonymous visitors; never 401. Personalised, so never cached.")
            .query::<LimitParams>()
            .header(SESSION_ID)
            .page::<ProductDto>(),
        Route::get(Public, "/products/trending", curated::trending)
            .doc("Products", "trending", "Trending products, optionally in a category")
            .query::<CuratedParams>()
            .page::<ProductDto>()
            .cached(),
        Route::get(Public, "/products/new-arrivals", curated::new_arrivals)
            .doc("Products", "new_arrivals", "The newest products")
            .query::<LimitParams>()
            .page::<ProductDto>()
            .cached(),
        Route::get(Public, "/products/{id}/related", curated::related)
            .doc("Products", "related", "Products similar to this one (never the product itself)")
            .query::<LimitParams>()
            .page::<ProductDto>()
            .cached(),
        Route::get(Public, "/products/{id}/frequently-bought-together", curated::bought_together)
            .doc("Products", "bought_together", "Products often bought with this one")
            .query::<LimitParams>()
            .page::<ProductDto>()
            .cached(),
        Route::get(Public, "/products/{id}/reviews", curated::reviews)
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
