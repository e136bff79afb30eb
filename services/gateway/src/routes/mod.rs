//! The REST routes under `/api`, built from one table ([`table`]): each area declares its rows
//! beside its handlers, and [`build`] turns every row into a served route with the layers its
//! declaration asks for — the access check, the body limit, the micro-cache. The OpenAPI
//! document is generated from the same rows.
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::Method;
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;

use crate::AppState;
use crate::cache::{self, MicroCache};
use crate::extract::admit;
use crate::identity::Caller;
use crate::middleware::body_limit;
use table::{Access, Route};

pub mod account;
pub mod admin;
pub mod backfill;
pub mod catalogue;
pub mod media;
pub mod ops;
pub mod orders;
pub mod pages;
pub mod shopping;
pub mod table;
pub mod tracking;

/// Multipart image uploads (avatars ≤ 2 MB, product images) may exceed the JSON body limit.
pub const UPLOAD_LIMIT_BYTES: usize = 10 * 1024 * 1024;

/// Every route of the shop, area by area.
pub fn table() -> Vec<Route> {
    [
        catalogue::routes(),
        tracking::routes(),
        backfill::routes(),
        account::routes(),
        shopping::routes(),
        orders::routes(),
        admin::routes(),
        ops::routes(),
        pages::routes(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The routers [`build`] makes, and what they serve.
pub struct Built {
    /// Nested under `/api`, behind the guard.
    pub api: Router<AppState>,
    /// At the root (the load balancer's `/health`).
    pub root: Router<AppState>,
    /// Every (method, documented path) registered from the table.
    pub served: Vec<(Method, String)>,
    /// The documented paths of long exchanges (streamed bodies, event streams): the request
    /// deadline spares them.
    pub streamed: Vec<String>,
}

/// Serves `rows`: JSON bodies up to `json_limit`, uploads up to [`UPLOAD_LIMIT_BYTES`], cached
/// rows through `cache` when there is one. Besides the rows, only the admin catch-alls
/// ([`admin::unknown_routes`]) are served.
pub fn build(rows: Vec<Route>, json_limit: usize, cache: Option<&MicroCache>) -> Built {
    let mut built = Built {
        api: admin::unknown_routes(),
        root: Router::new(),
        served: Vec::new(),
        streamed: Vec::new(),
    };
    for row in rows {
        built
            .served
            .push((row.method.clone(), row.documented_path()));
        if row.is_long_lived() {
            built.streamed.push(row.documented_path());
        }
        let path = row.path;
        let outside_api = row.outside_api;
        let method_router = serve(row, json_limit, cache);
        if outside_api {
            built.root = built.root.route(path, method_router);
        } else {
            built.api = built.api.route(path, method_router);
        }
    }
    built
}

/// One row as a method router. `route_layer` keeps the layers off axum's 405 answer for the
/// path's other methods; the last one added runs first.
fn serve(row: Route, json_limit: usize, cache: Option<&MicroCache>) -> MethodRouter<AppState> {
    let limit = if row.is_streamed() {
        usize::MAX
    } else if row.is_upload() {
        UPLOAD_LIMIT_BYTES
    } else {
        json_limit
    };
    let mut method_router = *row.serve;
    if let (true, Some(cache)) = (row.cached, cache) {
        method_router = method_router.route_layer(from_fn_with_state(cache.clone(), cache::serve));
    }
    if let (true, Some(cache)) = (row.refreshes, cache) {
        method_router =
            method_router.route_layer(from_fn_with_state(cache.clone(), cache::refresh_after));
    }
    method_router
        .route_layer(DefaultBodyLimit::max(limit))
        .route_layer(from_fn_with_state(limit, body_limit))
        .route_layer(from_fn_with_state(row.access, check_access))
}

/// The row's access level, checked before anything else of the request is looked at.
async fn check_access(State(access): State<Access>, req: Request, next: Next) -> Response {
    let caller = req
        .extensions()
        .get::<Caller>()
        .cloned()
        .unwrap_or_default();
    match admit(access, &caller) {
        Ok(_) => next.run(req).await,
        Err(refused) => refused.into_response(),
    }
}
