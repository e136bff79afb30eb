//! Curated shelves (recommended, trending, new arrivals, related, frequently bought together)
//! and a product's reviews.
use axum::extract::State;
use axum::response::Response;

use vici_proto::product::v1::CuratedKind;
use vici_proto::vocabulary::Spelled;
use vici_types::ProductId;

use super::products::ids_of;
use crate::AppState;
use crate::behaviour::{self, ServedEvent};
use crate::dto::{ProductDto, ReviewDto, ReviewSummaryDto, ReviewsEnvelope};
use crate::envelope::{self, Pagination};
use crate::error::ApiResult;
use crate::extract::{MaybeAuthUser, PathId, QueryPairs};
use crate::query::{self, CuratedQuery};

/// One `ListCurated` call of `kind`, rendered as a product list.
async fn shelf(
    state: &AppState,
    kind: CuratedKind,
    product: Option<String>,
    q: CuratedQuery,
) -> ApiResult<Response> {
    let products = state
        .products()
        .list_curated(q.to_request(kind, product))
        .await?
        .into_inner()
        .products;
    let dtos: Vec<ProductDto> = products.iter().map(ProductDto::from).collect();
    let pagination = Pagination::whole(dtos.len(), q.limit);
    let impression = ServedEvent::impression(kind.spelling(), &ids_of(&products));
    Ok(behaviour::served(
        envelope::list(dtos, pagination),
        impression,
    ))
}

/// Generates a shelf handler for a route without a product id.
macro_rules! shelf_handler {
    ($name:ident, $kind:expr) => {
        #[tracing::instrument(skip_all, fields(rpc = "ListCurated", kind = $kind.spelling()))]
        pub async fn $name(
            State(state): State<AppState>,
            _caller: MaybeAuthUser,
            QueryPairs(pairs): QueryPairs,
        ) -> ApiResult<Response> {
            shelf(&state, $kind, None, query::curated(&pairs)?).await
        }
    };
}

/// Generates a shelf handler about one product (`/products/{id}/...`).
macro_rules! product_shelf_handler {
    ($name:ident, $kind:expr) => {
        #[tracing::instrument(skip_all, fields(rpc = "ListCurated", kind = $kind.spelling(), id = %id))]
        pub async fn $name(
            State(state): State<AppState>,
            _caller: MaybeAuthUser,
            PathId(id): PathId<ProductId>,
            QueryPairs(pairs): QueryPairs,
        ) -> ApiResult<Response> {
            shelf(&state, $kind, Some(id.into()), query::curated(&pairs)?).await
        }
    };
}

shelf_handler!(recommended, CuratedKind::Recommended);
shelf_handler!(trending, CuratedKind::Trending);
shelf_handler!(new_arrivals, CuratedKind::NewArrivals);
product_shelf_handler!(related, CuratedKind::Related);
product_shelf_handler!(bought_together, CuratedKind::FrequentlyBoughtTogether);

/// A product's reviews
///
/// Paged reviews plus a sibling `summary` with the product's aggregate rating.
#[tracing::instrument(skip_all, fields(rpc = "ListReviews", id = %id))]
pub async fn reviews(
    State(state): State<AppState>,
    _caller: MaybeAuthUser,
    PathId(id): PathId<ProductId>,
    QueryPairs(pairs): QueryPairs,
) -> ApiResult<Response> {
    let q = query::reviews(&pairs)?;
    let page = state
        .products()
        .list_reviews(q.to_request(id.into()))
        .await?
        .into_inner();
    let pagination = Pagination::from_info(page.page.as_ref(), q.page);
    let body = ReviewsEnvelope {
        success: true,
        data: page.reviews.iter().map(ReviewDto::from).collect(),
        pagination,
        summary: ReviewSummaryDto::from(page.summary.as_ref()),
    };
    Ok(envelope::with_total(body, pagination.total))
}
