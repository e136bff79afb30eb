//! The public catalogue: products, search, categories, curated shelves and reviews. Each
//! handler parses its query ([`crate::query`]), makes one product-service call, and renders the
//! answer ([`crate::dto`]).
use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::get;
use vici_kit::ErrorCode;

use crate::AppState;
use crate::cache::{self, MicroCache};
use crate::error::{ApiError, ApiResult};

pub mod categories;
pub mod curated;
pub mod products;

pub fn router(cache: Option<MicroCache>) -> Router<AppState> {
    // Answers that cannot depend on the caller, so the micro-cache may share them.
    let shared = Router::new()
        .route("/products", get(products::list))
        .route("/products/search", get(products::search))
        .route("/products/suggest", get(products::suggest))
        .route("/products/slug/{slug}", get(products::by_slug))
        .route("/products/{id}", get(products::by_id))
        .route("/products/categories", get(categories::list))
        .route("/products/categories/{id_or_slug}", get(categories::one))
        .route("/products/price-range", get(categories::price_range))
        .route("/products/trending", get(curated::trending))
        .route("/products/new-arrivals", get(curated::new_arrivals))
        .route("/products/{id}/related", get(curated::related))
        .route(
            "/products/{id}/frequently-bought-together",
            get(curated::bought_together),
        )
        .route("/products/{id}/reviews", get(curated::reviews));
    let shared = match cache {
        Some(cache) => shared.layer(from_fn_with_state(cache, cache::serve)),
        None => shared,
    };
    // Personalised for the caller or its X-Session-Id: never cached.
    shared.route("/products/recommended", get(curated::recommended))
}

/// Product ids are UUIDs; anything else in the id position names no product. That is a 404
/// (not a 400) because the path as a whole identifies nothing, as for any unknown resource.
fn product_id(raw: &str) -> ApiResult<String> {
    uuid::Uuid::parse_str(raw)
        .map(|id| id.to_string())
        .map_err(|_| product_not_found())
}

fn product_not_found() -> ApiError {
    ApiError::not_found("Product not found")
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
    fn product_ids_must_be_uuids() {
        let id = "0191e3c1-7a2b-7c3d-8e4f-a1b2c3d4e5f6";
        assert_eq!(product_id(id).unwrap(), id);
        assert_eq!(product_id(&id.to_uppercase()).unwrap(), id, "normalised");
        assert_eq!(
            product_id("headphones").unwrap_err().code(),
            ErrorCode::NotFound
        );
    }

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
