//! Writing reviews: the reviewer's name and avatar come from their profile, never from the
//! request; the product service enforces one review per user per product.
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use utoipa::ToSchema;
use vici_proto::product::v1 as pb;

use crate::AppState;
use crate::dto::ReviewDto;
use crate::envelope;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, Json, Path};
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

fn uuid_or_404(id: &str, what: &str) -> ApiResult<String> {
    uuid::Uuid::parse_str(id.trim())
        .map(|u| u.to_string())
        .map_err(|_| ApiError::not_found(format!("{what} not found")))
}

#[tracing::instrument(skip_all, fields(rpc = "CreateReview"))]
pub async fn create(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    Path(product_id): Path<String>,
    Json(body): Json<ReviewBody>,
) -> ApiResult<Response> {
    let product_id = uuid_or_404(&product_id, "Product")?;
    let author = profile_of(&state, caller.user_id.to_string()).await?;
    let review = state
        .products()
        .create_review(pb::CreateReviewRequest {
            product_id,
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
    Path(review_id): Path<String>,
) -> ApiResult<Response> {
    let review_id = uuid_or_404(&review_id, "Review")?;
    let review = state
        .products()
        .mark_review_helpful(pb::MarkReviewHelpfulRequest {
            review_id,
            user_id: caller.user_id.to_string(),
        })
        .await?
        .into_inner();
    Ok(envelope::ok(ReviewDto::from(&review)))
}
