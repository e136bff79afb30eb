//! `/admin/inventory/{productId}`: a product's stock, adjustments and thresholds, and its
//! movement history. A change empties this gateway's micro-cache, so product pages show the new
//! stock at once.
use axum::extract::State;
use axum::response::Response;
use vici_proto::inventory::v1 as pb;
use vici_proto::product::v1::{GetProductRequest, get_product_request};
use vici_types::ProductId;

use crate::AppState;
use crate::dto::stock::{AdjustBody, MovementDto, StockDto};
use crate::envelope::{self, Pagination};
use crate::error::{ApiError, ApiResult};
use crate::extract::{AdminUser, Json, PathId, QueryPairs};
use crate::query;

/// The product (any status) behind `id`, so unknown ids are 404 rather than "zero stock".
async fn product(state: &AppState, id: ProductId) -> ApiResult<vici_proto::product::v1::Product> {
    let request = GetProductRequest {
        key: Some(get_product_request::Key::Id(id.into())),
        include_all_statuses: true,
    };
    Ok(state.get_product(request).await?.into_inner())
}

async fn level(state: &AppState, product_id: &str) -> ApiResult<pb::StockLevel> {
    let request = pb::GetStockLevelsRequest {
        product_ids: vec![product_id.to_string()],
    };
    let levels = state
        .inventory()
        .get_stock_levels(request)
        .await?
        .into_inner();
    levels
        .levels
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::not_found("Product not found"))
}

#[tracing::instrument(skip_all, fields(rpc = "GetStockLevels"))]
pub async fn get(
    State(state): State<AppState>,
    _admin: AdminUser,
    PathId(id): PathId<ProductId>,
) -> ApiResult<Response> {
    let product = product(&state, id).await?;
    let level = level(&state, &product.id).await?;
    Ok(envelope::ok(StockDto::new(
        level,
        product.name,
        product.sku,
    )))
}

#[tracing::instrument(skip_all, fields(rpc = "Adjust"))]
pub async fn adjust(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    PathId(id): PathId<ProductId>,
    Json(body): Json<AdjustBody>,
) -> ApiResult<Response> {
    let product = product(&state, id).await?;
    let change = body.into_change(&product.id, admin.user_id.to_string())?;
    // The adjustment first: it is the part that can be refused (not enough stock), and a
    // refused request must leave the threshold as it was too.
    if let Some(adjust) = change.adjust {
        state.inventory().adjust(adjust).await?;
    }
    if let Some(threshold) = change.threshold {
        let request = pb::SetThresholdRequest {
            product_id: product.id.clone(),
            low_stock_threshold: threshold,
            actor: admin.user_id.to_string(),
        };
        state.inventory().set_threshold(request).await?;
    }
    let level = level(&state, &product.id).await?;
    Ok(envelope::ok(StockDto::new(
        level,
        product.name,
        product.sku,
    )))
}

#[tracing::instrument(skip_all, fields(rpc = "ListMovements"))]
pub async fn movements(
    State(state): State<AppState>,
    _admin: AdminUser,
    PathId(id): PathId<ProductId>,
    QueryPairs(pairs): QueryPairs,
) -> ApiResult<Response> {
    let page = query::account::paged(&pairs)?;
    let product = product(&state, id).await?;
    let request = pb::ListMovementsRequest {
        product_id: product.id,
        page: Some(page.into()),
    };
    let found = state
        .inventory()
        .list_movements(request)
        .await?
        .into_inner();
    let pagination = Pagination::from_info(found.page.as_ref(), page);
    let movements: Vec<MovementDto> = found.movements.into_iter().map(Into::into).collect();
    Ok(envelope::list(movements, pagination))
}
