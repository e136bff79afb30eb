//! Route assembly under `/api`: the catalogue (working), the routes later issues implement
//! (registered now, answering 401/501), operations, and media. Upload routes get their own,
//! larger body limit.
use crate::config::GatewayConfig;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn_with_state;
use axum::routing::get;

use crate::AppState;
use crate::cache::MicroCache;
use crate::middleware::body_limit;

pub mod account;
pub mod admin;
pub mod catalogue;
pub mod media;
pub mod ops;
pub mod orders;
pub mod pending;
pub mod planned;
pub mod shopping;

/// Multipart image uploads (avatars ≤ 2 MB, product images) may exceed the JSON body limit.
pub const UPLOAD_LIMIT_BYTES: usize = 10 * 1024 * 1024;

fn limited(router: Router<AppState>, limit: usize) -> Router<AppState> {
    router
        .layer(DefaultBodyLimit::max(limit))
        .layer(from_fn_with_state(limit, body_limit))
}

/// Everything the gateway serves under `/api`.
pub fn api(config: &GatewayConfig, cache: Option<MicroCache>) -> Router<AppState> {
    let json = Router::new()
        .merge(catalogue::router(cache))
        .merge(account::router())
        .merge(shopping::router())
        .merge(orders::router())
        .merge(pending::router(false))
        .merge(admin::router(false))
        .route("/health", get(ops::health))
        .route("/openapi.json", get(ops::openapi_json))
        .route("/docs", get(ops::docs))
        .route("/media/{*key}", get(media::serve));
    let uploads = pending::router(true)
        .merge(admin::router(true))
        .merge(account::uploads());
    limited(json, config.body_limit_bytes).merge(limited(uploads, UPLOAD_LIMIT_BYTES))
}
