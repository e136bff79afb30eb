//! The admin console (`/admin`, outside `/api`): server-rendered pages for running the shop
//! from a browser, with no script at all. It signs an admin in through the API, keeps the
//! tokens server-side ([`session`]) and does every read and change through the API itself
//! ([`api`]), so it authorises exactly as the API does. Forms carry the session's CSRF token;
//! pages are sent with a strict Content-Security-Policy and `no-store`; templates escape
//! everything (product names and reviews are user input). docs/console.md is the checklist.
mod api;
mod charts;
mod pages;
mod session;
mod view;

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde_json::Value;

pub use api::{Api, Origin, Payload, Refusal};
pub use session::{Session, Sessions};
use view::Flash;

/// The console's routes, acting through `api` (the gateway's `/api` router with its state).
pub fn router(api: Router, sessions: Sessions) -> Router {
    let console = Api::new(api, sessions);
    Router::new()
        .route("/", get(|| async { Redirect::to("/admin/dashboard") }))
        .route("/assets/console.css", get(view::stylesheet))
        .route(
            "/login",
            get(pages::login::form).post(pages::login::sign_in),
        )
        .route("/logout", post(pages::login::sign_out))
        .route("/dashboard", get(pages::dashboard::show))
        .route(
            "/products",
            get(pages::products::list).post(pages::products::create),
        )
        .route("/products/new", get(pages::products::new))
        .route(
            "/products/{id}",
            get(pages::products::show).post(pages::products::update),
        )
        .route(
            "/products/{id}/images",
            post(pages::products::upload)
                .layer(DefaultBodyLimit::max(crate::routes::UPLOAD_LIMIT_BYTES)),
        )
        .route("/products/{id}/stock", post(pages::products::adjust))
        .route("/products/{id}/retire", post(pages::products::retire))
        .route("/orders", get(pages::orders::list))
        .route("/orders/{id}", get(pages::orders::show))
        .route("/orders/{id}/status", post(pages::orders::move_status))
        .route(
            "/categories",
            get(pages::shop::categories).post(pages::shop::create_category),
        )
        .route("/categories/{id}", post(pages::shop::update_category))
        .route(
            "/categories/{id}/delete",
            post(pages::shop::delete_category),
        )
        .route(
            "/coupons",
            get(pages::shop::coupons).post(pages::shop::create_coupon),
        )
        .route("/coupons/{id}", post(pages::shop::update_coupon))
        .route("/coupons/{id}/delete", post(pages::shop::delete_coupon))
        .route("/notifications", get(pages::shop::notifications))
        .route("/notifications/{id}/resend", post(pages::shop::resend))
        .route("/recommendations", get(pages::recommendations::show))
        .route(
            "/recommendations/rollback",
            post(pages::recommendations::roll_back),
        )
        .route("/users", get(pages::users::list))
        .route("/users/{id}", post(pages::users::update))
        .fallback(|| async {
            view::message(
                StatusCode::NOT_FOUND,
                "Not found",
                "There is no such page in the console.",
            )
        })
        .with_state(console)
}

/// A signed-in admin's request: the session and where the request came from. Pages without
/// a session send the browser to the sign-in page.
pub struct Admin {
    pub session: Session,
    pub origin: Origin,
    api: Api,
}

impl FromRequestParts<Api> for Admin {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, api: &Api) -> Result<Self, Response> {
        let origin = Origin::of(parts);
        match api.sessions.find(&parts.headers).await {
            Ok(Some(session)) => Ok(Self {
                session,
                origin,
                api: api.clone(),
            }),
            Ok(None) => Err(Redirect::to("/admin/login").into_response()),
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "console: the session store failed");
                Err(view::message(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Console unavailable",
                    "The console cannot reach its session store; please try again.",
                ))
            }
        }
    }
}

impl Admin {
    /// Calls the API as this admin: the whole answer (`data`, `pagination`).
    pub async fn call(
        &mut self,
        method: Method,
        path: &str,
        payload: Payload,
    ) -> Result<Value, Refusal> {
        self.api
            .call(&self.origin, &mut self.session, method, path, payload)
            .await
    }

    pub async fn get(&mut self, path: &str) -> Result<Value, Refusal> {
        self.call(Method::GET, path, Payload::None).await
    }

    /// The refusal of a form whose CSRF token is not the session's; `None` for a genuine one.
    pub fn forged(&self, csrf: &str) -> Option<Response> {
        if session::same(csrf, &self.session.csrf) {
            return None;
        }
        Some(view::message(
            StatusCode::FORBIDDEN,
            "Form expired",
            "This form is from another session; go back, reload the page and try again.",
        ))
    }

    /// `template` with the page's context, the admin's and `flash`.
    pub fn page(&self, template: &str, ctx: Value, flash: Flash) -> Response {
        view::page(template, ctx, Some(&self.session), flash)
    }

    /// The answer to a refusal: sign in again, or an error page for the shop's failures;
    /// `None` for a request the admin can correct (shown on the form).
    pub fn unless_correctable(&self, refusal: &Refusal) -> Option<Response> {
        match refusal {
            Refusal::SignedOut => Some(Redirect::to("/admin/login").into_response()),
            Refusal::Failed { status, message } => {
                Some(view::message(*status, "The shop failed", message))
            }
            Refusal::Refused { .. } => None,
        }
    }
}

/// After a change: back to `to`, saying what was `done`.
pub fn done(to: &str, done: &str) -> Response {
    Redirect::to(&format!("{to}?done={done}")).into_response()
}
