//! `/cart/*`: the caller's cart. Every mutation answers the cart as stored after it; the cart
//! service serialises one user's mutations, so parallel adds from one browser all land.
use axum::extract::State;
use axum::response::Response;
use vici_proto::cart::v1 as pb;
use vici_types::CartLineId;

use crate::AppState;
use crate::dto::cart::{AddItemBody, CartDto, CouponBody, MergeBody, UpdateItemBody};
use crate::envelope;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, Identity, Json, OptionalJson, PathId};

fn cart_ref(caller: &Identity) -> pb::CartRef {
    pb::CartRef {
        user_id: caller.user_id.to_string(),
        session_id: caller.session_id.clone(),
    }
}

fn cart(c: pb::Cart) -> CartDto {
    CartDto::from(c)
}

#[tracing::instrument(skip_all, fields(rpc = "GetCart"))]
pub async fn get(State(state): State<AppState>, AuthUser(caller): AuthUser) -> ApiResult<Response> {
    let found = state
        .carts()
        .get_cart(cart_ref(&caller))
        .await?
        .into_inner();
    Ok(envelope::ok(cart(found)))
}

#[tracing::instrument(skip_all, fields(rpc = "AddItem"))]
pub async fn add(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    Json(body): Json<AddItemBody>,
) -> ApiResult<Response> {
    let request = body.into_request(caller.user_id.to_string(), caller.session_id.clone())?;
    let stored = state.carts().add_item(request).await?.into_inner();
    Ok(envelope::created(cart(stored)))
}

#[tracing::instrument(skip_all, fields(rpc = "UpdateItem"))]
pub async fn update(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    PathId(item_id): PathId<CartLineId>,
    Json(body): Json<UpdateItemBody>,
) -> ApiResult<Response> {
    let request = pb::UpdateItemRequest {
        user_id: caller.user_id.to_string(),
        item_id: item_id.into(),
        quantity: body.quantity()?,
        session_id: caller.session_id.clone(),
    };
    let stored = state.carts().update_item(request).await?.into_inner();
    Ok(envelope::ok(cart(stored)))
}

#[tracing::instrument(skip_all, fields(rpc = "RemoveItem"))]
pub async fn remove(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    PathId(item_id): PathId<CartLineId>,
) -> ApiResult<Response> {
    let request = pb::RemoveItemRequest {
        user_id: caller.user_id.to_string(),
        item_id: item_id.into(),
        session_id: caller.session_id.clone(),
    };
    let stored = state.carts().remove_item(request).await?.into_inner();
    Ok(envelope::ok(cart(stored)))
}

#[tracing::instrument(skip_all, fields(rpc = "ClearCart"))]
pub async fn clear(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
) -> ApiResult<Response> {
    let request = pb::ClearCartRequest {
        user_id: caller.user_id.to_string(),
        session_id: caller.session_id.clone(),
        after_order: false,
        item_ids: Vec::new(),
    };
    let stored = state.carts().clear_cart(request).await?.into_inner();
    Ok(envelope::ok(cart(stored)))
}

#[tracing::instrument(skip_all, fields(rpc = "ApplyCoupon"))]
pub async fn apply_coupon(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    Json(body): Json<CouponBody>,
) -> ApiResult<Response> {
    let request = pb::ApplyCouponRequest {
        user_id: caller.user_id.to_string(),
        code: body.code()?,
    };
    let stored = state.carts().apply_coupon(request).await?.into_inner();
    Ok(envelope::ok(cart(stored)))
}

#[tracing::instrument(skip_all, fields(rpc = "RemoveCoupon"))]
pub async fn remove_coupon(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
) -> ApiResult<Response> {
    let stored = state
        .carts()
        .remove_coupon(cart_ref(&caller))
        .await?
        .into_inner();
    Ok(envelope::ok(cart(stored)))
}

#[tracing::instrument(skip_all, fields(rpc = "MergeCart"))]
pub async fn merge(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    OptionalJson(body): OptionalJson<MergeBody>,
) -> ApiResult<Response> {
    let body = body.ok_or_else(|| {
        ApiError::validation(
            "Send the guest cart as {\"items\": [...]}",
            [("items".to_string(), "is required".to_string())].into(),
        )
    })?;
    let request = body.into_request(caller.user_id.to_string(), caller.session_id.clone())?;
    let merged = state.carts().merge_cart(request).await?.into_inner();
    Ok(envelope::ok(CartDto::from(merged)))
}
