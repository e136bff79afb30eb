//! `/admin/orders`: every user's orders with filters (status, date range, customer), one order
//! and its history, and moves along the state machine with a note and tracking.
use axum::extract::State;
use axum::response::Response;
use serde_json::Value;
use vici_types::OrderId;

use super::history::{order_ref, page_of};
use crate::AppState;
use crate::dto::checkout as body;
use crate::dto::order::{OrderDto, history};
use crate::envelope;
use crate::error::ApiResult;
use crate::extract::{AdminUser, Json, PathId, QueryPairs};
use crate::query::orders::orders;

#[tracing::instrument(skip_all, fields(rpc = "ListOrders", admin = true))]
pub async fn list(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    QueryPairs(pairs): QueryPairs,
) -> ApiResult<Response> {
    let query = orders(&pairs, true)?;
    page_of(&state, admin.user_id.to_string(), query, true).await
}

#[tracing::instrument(skip_all, fields(rpc = "GetOrder", admin = true))]
pub async fn get(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    PathId(id): PathId<OrderId>,
) -> ApiResult<Response> {
    let target = order_ref(admin.user_id.to_string(), id, true);
    let order = state.orders().get_order(target).await?.into_inner();
    Ok(envelope::ok(OrderDto::from(order)))
}

#[tracing::instrument(skip_all, fields(rpc = "GetHistory", admin = true))]
pub async fn status_history(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    PathId(id): PathId<OrderId>,
) -> ApiResult<Response> {
    let target = order_ref(admin.user_id.to_string(), id, true);
    let found = state.orders().get_history(target).await?.into_inner();
    Ok(envelope::ok(history(found)))
}

#[tracing::instrument(skip_all, fields(rpc = "SetStatus"))]
pub async fn set_status(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    PathId(id): PathId<OrderId>,
    Json(raw): Json<Value>,
) -> ApiResult<Response> {
    let raw = body::object(Some(raw))?;
    let request = body::status_change(&raw, id.into(), admin.user_id.to_string())?;
    let order = state.orders().set_status(request).await?.into_inner();
    Ok(envelope::ok(OrderDto::from(order)))
}
