//! A shopper's own orders: the list (newest first), one order, its status history, and cancel.
//! Another user's order is a 404, as if it did not exist.
use axum::extract::State;
use axum::response::Response;
use serde_json::Value;
use vici_proto::order::v1 as pb;
use vici_types::OrderId;

use crate::AppState;
use crate::dto::checkout as body;
use crate::dto::order::{OrderDto, history};
use crate::envelope::{self, Pagination};
use crate::error::ApiResult;
use crate::extract::{AuthUser, OptionalJson, PathId, QueryPairs};
use crate::query::orders::{OrdersQuery, orders};

/// One order of `user_id` (`any_user` for an admin) as the order service answers it.
pub fn order_ref(user_id: String, order_id: OrderId, any_user: bool) -> pb::OrderRef {
    pb::OrderRef {
        user_id,
        order_id: order_id.into(),
        any_user,
    }
}

/// Lists orders for `query` and renders the page.
pub async fn page_of(
    state: &AppState,
    user_id: String,
    query: OrdersQuery,
    any_user: bool,
) -> ApiResult<Response> {
    let request = pb::ListOrdersRequest {
        user_id,
        page: Some(query.page.into()),
        status: query.status.map_or(0, i32::from),
        any_user,
        from: query.from,
        to: query.to,
        customer: query.customer,
    };
    let found = state.orders().list_orders(request).await?.into_inner();
    let pagination = Pagination::from_info(found.page.as_ref(), query.page);
    let orders: Vec<OrderDto> = found.orders.into_iter().map(Into::into).collect();
    Ok(envelope::list(orders, pagination))
}

#[tracing::instrument(skip_all, fields(rpc = "ListOrders"))]
pub async fn list(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    QueryPairs(pairs): QueryPairs,
) -> ApiResult<Response> {
    let query = orders(&pairs, false)?;
    page_of(&state, caller.user_id.to_string(), query, false).await
}

#[tracing::instrument(skip_all, fields(rpc = "GetOrder"))]
pub async fn get(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    PathId(id): PathId<OrderId>,
) -> ApiResult<Response> {
    let target = order_ref(caller.user_id.to_string(), id, false);
    let order = state.orders().get_order(target).await?.into_inner();
    Ok(envelope::ok(OrderDto::from(order)))
}

#[tracing::instrument(skip_all, fields(rpc = "GetHistory"))]
pub async fn status_history(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    PathId(id): PathId<OrderId>,
) -> ApiResult<Response> {
    let target = order_ref(caller.user_id.to_string(), id, false);
    let found = state.orders().get_history(target).await?.into_inner();
    Ok(envelope::ok(history(found)))
}

#[tracing::instrument(skip_all, fields(rpc = "CancelOrder"))]
pub async fn cancel(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    PathId(id): PathId<OrderId>,
    OptionalJson(raw): OptionalJson<Value>,
) -> ApiResult<Response> {
    let raw = body::object(raw)?;
    let request = pb::CancelOrderRequest {
        user_id: caller.user_id.to_string(),
        order_id: id.into(),
        reason: body::reason(&raw)?,
        any_user: false,
    };
    let order = state.orders().cancel_order(request).await?.into_inner();
    Ok(envelope::ok(OrderDto::from(order)))
}
