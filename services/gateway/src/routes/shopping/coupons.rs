//! `/admin/coupons`: the coupons shoppers can apply. Deleting retires a coupon (it stops
//! applying and leaves the list) while its redemption history stays.
use axum::extract::State;
use axum::response::Response;
use vici_proto::cart::v1 as pb;
use vici_types::CouponId;

use crate::AppState;
use crate::dto::coupon::{CouponBody, CouponDto};
use crate::envelope::{self, Pagination};
use crate::error::ApiResult;
use crate::extract::{AdminUser, Json, PathId, QueryPairs};
use crate::query;

fn coupon_ref(id: CouponId) -> pb::CouponRef {
    pb::CouponRef { id: id.into() }
}

#[tracing::instrument(skip_all, fields(rpc = "ListCoupons"))]
pub async fn list(
    State(state): State<AppState>,
    _admin: AdminUser,
    QueryPairs(pairs): QueryPairs,
) -> ApiResult<Response> {
    let page = query::account::paged(&pairs)?;
    let request = pb::ListCouponsRequest {
        page: Some(page.into()),
    };
    let found = state.carts().list_coupons(request).await?.into_inner();
    let pagination = Pagination::from_info(found.page.as_ref(), page);
    let coupons: Vec<CouponDto> = found.coupons.into_iter().map(Into::into).collect();
    Ok(envelope::list(coupons, pagination))
}

#[tracing::instrument(skip_all, fields(rpc = "CreateCoupon"))]
pub async fn create(
    State(state): State<AppState>,
    _admin: AdminUser,
    Json(body): Json<CouponBody>,
) -> ApiResult<Response> {
    let created = state
        .carts()
        .create_coupon(body.into_input()?)
        .await?
        .into_inner();
    Ok(envelope::created(CouponDto::from(created)))
}

#[tracing::instrument(skip_all, fields(rpc = "UpdateCoupon"))]
pub async fn update(
    State(state): State<AppState>,
    _admin: AdminUser,
    PathId(id): PathId<CouponId>,
    Json(body): Json<CouponBody>,
) -> ApiResult<Response> {
    let target = coupon_ref(id);
    // A `value` without a `kind` is read in the stored kind's unit (percent or dollars).
    let current = state.carts().get_coupon(target.clone()).await?.into_inner();
    let request = body.into_update(target.id, current.kind())?;
    let updated = state.carts().update_coupon(request).await?.into_inner();
    Ok(envelope::ok(CouponDto::from(updated)))
}

#[tracing::instrument(skip_all, fields(rpc = "DeleteCoupon"))]
pub async fn delete(
    State(state): State<AppState>,
    _admin: AdminUser,
    PathId(id): PathId<CouponId>,
) -> ApiResult<Response> {
    state.carts().delete_coupon(coupon_ref(id)).await?;
    Ok(envelope::done("Coupon deleted"))
}
