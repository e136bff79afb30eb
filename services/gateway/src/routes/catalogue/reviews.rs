//! A product's reviews.
use axum::extract::State;
use axum::response::Response;

use vici_types::ProductId;

use crate::AppState;
use crate::dto::{ReviewDto, ReviewSummaryDto, ReviewsEnvelope};
use crate::envelope::{self, Pagination};
use crate::error::ApiResult;
use crate::extract::{MaybeAuthUser, PathId, QueryPairs};
use crate::query;

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
