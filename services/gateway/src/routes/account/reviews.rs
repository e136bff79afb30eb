//! Writing reviews: the reviewer's name and avatar come from their profile, never from the
//! request; the product service enforces one review per user per product.
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use utoipa::ToSchema;
use vici_proto::product::v1 as pb;
use vici_types::{ProductId, ReviewId};

use crate::AppState;
use crate::dto::ReviewDto;
use crate::envelope;
use crate::error::ApiResult;
use crate::extract::{AuthUser, Json, PathId};
use crate::routes::account::users::profile_of;

#[derive(Deserialize, ToSchema)]
pub struct ReviewBody {
    rating: Option<u32>,
    #[serde(default)]
    title: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    images: Vec<String>,
}

#[tracing::instrument(skip_all, fields(rpc = "CreateReview"))]
pub async fn create(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    PathId(product_id): PathId<ProductId>,
    Json(body): Json<ReviewBody>,
) -> ApiResult<Response> {
    let author = profile_of(&state, caller.user_id.to_string()).await?;
    let review = state
        .products()
        .create_review(pb::CreateReviewRequest {
            product_id: product_id.into(),
            user_id: author.id,
            user_name: author.name,
            user_avatar: author.avatar,
            // 0 is outside 1–5, so a missing rating gets the product service's message.
            rating: body.rating.unwrap_or(0),
            title: body.title,
            comment: body.comment,
            images: body.images,
            // Purchases arrive with the order service; until then nobody is a verified buyer.
            verified: false,
        })
        .await?
        .into_inner();
    Ok(envelope::created(ReviewDto::from(&review)))
}

#[tracing::instrument(skip_all, fields(rpc = "MarkReviewHelpful"))]
pub async fn helpful(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    PathId(review_id): PathId<ReviewId>,
) -> ApiResult<Response> {
    let review = state
        .products()
        .mark_review_helpful(pb::MarkReviewHelpfulRequest {
            review_id: review_id.into(),
            user_id: caller.user_id.to_string(),
        })
        .await?
        .into_inner();
    Ok(envelope::ok(ReviewDto::from(&review)))
}
