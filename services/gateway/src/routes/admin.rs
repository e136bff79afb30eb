//! Admin routes of the contract that later issues build (dashboard, analytics), and the catch-alls that keep every other `/admin` path behind the
//! admin check, so a non-admin learns nothing about which admin routes exist. The built admin
//! routes live with their areas (catalogue, users, stock and coupons, orders).
use axum::Router;
use axum::http::Method;
use axum::routing::any;

use super::table::{Access::Admin, Route};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::AdminUser;

const ANALYTICS: &str = "Shop analytics";

pub fn routes() -> Vec<Route> {
    vec![
        Route::planned(Method::GET, Admin, "/admin/dashboard", ANALYTICS).doc(
            "Admin",
            "admin_dashboard",
            "Revenue, orders, customers, low stock, recent orders",
        ),
        Route::planned(Method::GET, Admin, "/admin/analytics", ANALYTICS).doc(
            "Admin",
            "admin_analytics",
            "Sales analytics between `from` and `to`",
        ),
    ]
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
