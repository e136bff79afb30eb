//! The account routes: `/auth/*`, `/users/*`, writing reviews, and `/admin/users`.
use axum::Router;
use axum::routing::{get, post, put};

use crate::AppState;

pub mod addresses;
pub mod admin_users;
pub mod auth;
pub mod reviews;
pub mod users;

/// Every JSON route of the account area (the avatar upload is in [`uploads`]).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/register", post(auth::register))
        .route("/auth/login", post(auth::login))
        .route("/auth/refresh", post(auth::refresh))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/forgot-password", post(auth::forgot_password))
        .route("/auth/reset-password", post(auth::reset_password))
        .route("/auth/verify-email", post(auth::verify_email))
        .route("/auth/change-password", post(auth::change_password))
        .route("/auth/jwks", get(auth::jwks))
        .route(
            "/users/profile",
            get(users::get_profile).put(users::update_profile),
        )
        .route(
            "/users/addresses",
            get(addresses::list).post(addresses::create),
        )
        .route(
            "/users/addresses/{id}",
            put(addresses::update).delete(addresses::delete),
        )
        .route(
            "/users/preferences",
            get(users::get_preferences).put(users::update_preferences),
        )
        .route(
            "/users/wishlist",
            get(users::wishlist).post(users::add_to_wishlist),
        )
        .route(
            "/users/wishlist/{productId}",
            axum::routing::delete(users::remove_from_wishlist),
        )
        .route("/products/{id}/reviews", post(reviews::create))
        .route(
            "/products/reviews/{reviewId}/helpful",
            post(reviews::helpful),
        )
        .route("/admin/users", get(admin_users::list))
        .route("/admin/users/{id}", put(admin_users::update))
}

/// Multipart uploads, under the larger upload body limit.
pub fn uploads() -> Router<AppState> {
    Router::new().route("/users/avatar", post(users::upload_avatar))
}
