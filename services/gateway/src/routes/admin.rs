//! Admin routes (`/api/admin/...`) as a documented table. Every one requires the admin role:
//! 401 without a token, 403 for a customer; rows marked `.live()` are implemented elsewhere
//! (users: [`super::account`]; inventory and coupons: [`super::shopping`]), the others answer
//! 501 past that check. A catch-all keeps
//! unknown admin paths behind the same check, so a non-admin learns nothing about which admin
//! routes exist.
use axum::Router;
use axum::routing::any;

use super::planned::{Access, Group, Planned, Verb, routes_of, row, upload};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::AdminUser;

/// Every admin row has the same access level.
const fn a(verb: Verb, path: &'static str, status: u16, summary: &'static str) -> Planned {
    row(verb, path, Access::Admin, status, summary)
}

use Verb::{Delete, Get, Post, Put};

#[rustfmt::skip] // A table: one route per line reads best.
pub const GROUPS: &[Group] = &[Group {
    tag: "Admin",
    feature: "Administration",
    routes: &[
        a(Get, "/admin/dashboard", 200, "Revenue, orders, customers, low stock, recent orders"),
        a(Get, "/admin/analytics", 200, "Sales analytics between `from` and `to`"),
        a(Get, "/admin/products", 200, "All products, every status"),
        a(Post, "/admin/products", 201, "Create a product"),
        a(Put, "/admin/products/{id}", 200, "Update a product"),
        a(Delete, "/admin/products/{id}", 200, "Retire a product (soft delete)"),
        upload("/admin/products/{id}/images", Access::Admin, "Upload a product image (multipart)"),
        a(Get, "/admin/categories", 200, "All categories"),
        a(Post, "/admin/categories", 201, "Create a category"),
        a(Put, "/admin/categories/{id}", 200, "Update a category"),
        a(Delete, "/admin/categories/{id}", 200, "Delete a category"),
        a(Get, "/admin/inventory/{productId}", 200, "A product's stock").live(),
        a(Put, "/admin/inventory/{productId}", 200, "Adjust stock: ADD, SUBTRACT or SET").live(),
        a(Get, "/admin/inventory/{productId}/movements", 200, "A product's stock movements").live(),
        a(Get, "/admin/orders", 200, "All orders, filtered").live(),
        a(Get, "/admin/orders/{id}", 200, "One order, whoever placed it").live(),
        a(Put, "/admin/orders/{id}/status", 200, "Move an order to a new status").live(),
        a(Get, "/admin/users", 200, "All users, searched by email or name").live(),
        a(Put, "/admin/users/{id}", 200, "Change a user's role or activity").live(),
        a(Get, "/admin/coupons", 200, "All coupons").live(),
        a(Post, "/admin/coupons", 201, "Create a coupon").live(),
        a(Put, "/admin/coupons/{id}", 200, "Update a coupon").live(),
        a(Delete, "/admin/coupons/{id}", 200, "Delete a coupon").live(),
    ],
}];

/// Authentication first, then "no such admin route".
async fn unknown_admin_route(_: AdminUser) -> ApiError {
    ApiError::not_found("No such admin route")
}

pub fn router(uploads: bool) -> Router<AppState> {
    let routes = routes_of(GROUPS, uploads);
    if uploads {
        return routes;
    }
    routes
        .route("/admin", any(unknown_admin_route))
        .route("/admin/{*rest}", any(unknown_admin_route))
}
