//! The shopping routes: the caller's cart (`/cart/*`) and the admin's stock and coupons
//! (`/admin/inventory/*`, `/admin/coupons/*`). The cart service owns carts and coupons, the
//! inventory service stock; these handlers translate.
use axum::Router;
use axum::routing::{delete, get, post, put};

use crate::AppState;

pub mod cart;
pub mod coupons;
pub mod stock;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/cart", get(cart::get).delete(cart::clear))
        .route("/cart/clear", delete(cart::clear))
        .route("/cart/items", post(cart::add))
        .route(
            "/cart/items/{itemId}",
            put(cart::update).delete(cart::remove),
        )
        .route(
            "/cart/coupon",
            post(cart::apply_coupon).delete(cart::remove_coupon),
        )
        .route("/cart/merge", post(cart::merge))
        .route(
            "/admin/inventory/{productId}",
            get(stock::get).put(stock::adjust),
        )
        .route(
            "/admin/inventory/{productId}/movements",
            get(stock::movements),
        )
        .route("/admin/coupons", get(coupons::list).post(coupons::create))
        .route(
            "/admin/coupons/{id}",
            put(coupons::update).delete(coupons::delete),
        )
}
