//! The shop's numbers for admins (`/admin/dashboard`, `/admin/analytics`, from the event
//! service's analytics projection), the recommendation store's generations with rollback
//! (`/admin/recommendations`, beyond the contract), and the catch-alls that keep every other `/admin` path
//! behind the admin check, so a non-admin learns nothing about which admin routes exist. The
//! other admin routes live with their areas (catalogue, users, stock and coupons, orders).
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::any;
use serde::Deserialize;
use utoipa::ToSchema;
use vici_proto::event::v1 as pb;
use vici_proto::recommendation::v1 as rec;

use super::table::{Access::Admin, Route};
use crate::AppState;
use crate::dto::analytics::{AnalyticsDto, DashboardDto};
use crate::dto::generations::GenerationsDto;
use crate::dto::params::AnalyticsParams;
use crate::envelope;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AdminUser, OptionalJson, QueryPairs};
use crate::query;

pub fn routes() -> Vec<Route> {
    vec![
        Route::get(Admin, "/admin/dashboard", dashboard)
            .doc(
                "Admin",
                "admin_dashboard",
                "Revenue, orders, customers, orders by status, low stock, recent orders",
            )
            .data::<DashboardDto>(),
        Route::get(Admin, "/admin/analytics", analytics)
            .doc(
                "Admin",
                "admin_analytics",
                "Sales, funnel and recommendation numbers of a period beside the period before",
            )
            .query::<AnalyticsParams>()
            .data::<AnalyticsDto>(),
        Route::get(Admin, "/admin/recommendations", generations)
            .doc(
                "Admin",
                "admin_recommendation_generations",
                "The recommendation store's generations and the pipeline's lag",
            )
            .data::<GenerationsDto>(),
        Route::post(Admin, "/admin/recommendations/rollback", roll_back)
            .refreshes()
            .doc(
                "Admin",
                "admin_recommendation_rollback",
                "Serve an earlier generation (`generation`, default the one before)",
            )
            .optional_json::<RollBackBody>()
            .data::<GenerationsDto>()
            .error(409, "There is no earlier generation"),
    ]
}

#[tracing::instrument(skip_all, fields(rpc = "GetGenerations"))]
async fn generations(State(state): State<AppState>, _admin: AdminUser) -> ApiResult<Response> {
    let found = state
        .recommendations()
        .get_generations(rec::GetGenerationsRequest {})
        .await?
        .into_inner();
    Ok(envelope::ok(GenerationsDto::from(found)))
}

/// Which generation to serve again; none: the one before the current.
#[derive(Deserialize, ToSchema, Default)]
pub struct RollBackBody {
    generation: Option<String>,
}

#[tracing::instrument(skip_all, fields(rpc = "RollBack"))]
async fn roll_back(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    OptionalJson(body): OptionalJson<RollBackBody>,
) -> ApiResult<Response> {
    let generation = body.unwrap_or_default().generation;
    tracing::warn!(admin = %admin.user_id, ?generation, "an admin rolls recommendations back");
    let found = state
        .recommendations()
        .roll_back(rec::RollBackRequest { generation })
        .await?
        .into_inner();
    Ok(envelope::ok(GenerationsDto::from(found)))
}

#[tracing::instrument(skip_all, fields(rpc = "GetDashboard"))]
async fn dashboard(State(state): State<AppState>, _admin: AdminUser) -> ApiResult<Response> {
    let found = state
        .events()
        .get_dashboard(pb::GetDashboardRequest { recent: 10 })
        .await?
        .into_inner();
    Ok(envelope::ok(DashboardDto::from(found)))
}

#[tracing::instrument(skip_all, fields(rpc = "GetAnalytics"))]
async fn analytics(
    State(state): State<AppState>,
    _admin: AdminUser,
    QueryPairs(pairs): QueryPairs,
) -> ApiResult<Response> {
    let q = query::account::analytics(&pairs)?;
    let found = state
        .events()
        .get_analytics(pb::GetAnalyticsRequest {
            from: q.from,
            to: q.to,
            interval: q.interval,
            top: q.top,
        })
        .await?
        .into_inner();
    Ok(envelope::ok(AnalyticsDto::from(found)))
}

/// Authentication first, then "no such admin route".
async fn unknown_admin_route(_: AdminUser) -> ApiError {
    ApiError::not_found("No such admin route")
}

/// `/admin` and every `/admin/...` path no row declares.
pub fn unknown_routes() -> Router<AppState> {
    Router::new()
        .route("/admin", any(unknown_admin_route))
        .route("/admin/{*rest}", any(unknown_admin_route))
}
