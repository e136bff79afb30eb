//! The pages a mailed link opens (outside `/api`, at the shop's public URL): `/verify-email`
//! confirms the address at once (doing it twice changes nothing, so a mail scanner that follows
//! the link does no harm); `/reset-password` shows a form whose POST sets the new password. Each
//! page is HTML rendered with escaping, a strict Content-Security-Policy and no caching, and
//! spends the same per-address budget as the API's password routes.
use std::sync::LazyLock;

use axum::extract::{Form, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use minijinja::{AutoEscape, Environment, context};
use serde::Deserialize;
use utoipa::ToSchema;
use vici_kit::ErrorCode;
use vici_proto::auth::v1 as pb;

use super::table::{Access::Public, Route};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ClientAddr, QueryPairs};
use crate::limits::{Budget, ip_subject};

pub fn routes() -> Vec<Route> {
    vec![
        Route::get(Public, "/verify-email", verify_email)
            .doc(
                "Pages",
                "verify_email_page",
                "Open a mailed verification link",
            )
            .describe("`token` from the mail; confirms the address and says so.")
            .content("text/html")
            .outside_api(),
        Route::get(Public, "/reset-password", reset_form)
            .doc("Pages", "reset_password_page", "Open a mailed reset link")
            .describe("`token` from the mail; a form for the new password.")
            .content("text/html")
            .outside_api(),
        Route::post(Public, "/reset-password", reset_password)
            .doc("Pages", "reset_password_submit", "Set the new password")
            .form::<ResetForm>()
            .content("text/html")
            .outside_api(),
    ]
}

const LAYOUT: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem;color:#222}
input,button{font:inherit;padding:.5rem;width:100%;box-sizing:border-box;margin:.25rem 0}
.problem{color:#a00}</style></head>
<body><h1>{{ title }}</h1>{% block body %}{% endblock %}</body></html>"#;

const MESSAGE: &str =
    r#"{% extends "layout.html" %}{% block body %}<p>{{ message }}</p>{% endblock %}"#;

const RESET_FORM: &str = r#"{% extends "layout.html" %}{% block body %}
{% if problem %}<p class="problem">{{ problem }}</p>{% endif %}
<form method="post" action="/reset-password">
<input type="hidden" name="token" value="{{ token }}">
<label for="password">New password</label>
<input id="password" name="password" type="password" autocomplete="new-password" required minlength="8" maxlength="128">
<p>At least 8 characters, with an upper-case letter, a lower-case letter and a digit.</p>
<button type="submit">Set the new password</button>
</form>{% endblock %}"#;

static PAGES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    for (name, source) in [
        ("layout.html", LAYOUT),
        ("message.html", MESSAGE),
        ("reset.html", RESET_FORM),
    ] {
        env.add_template(name, source)
            .expect("the link pages' templates parse");
    }
    env
});

/// `template` rendered as an HTML answer with `status`.
fn page(status: StatusCode, template: &str, ctx: minijinja::Value) -> Response {
    let html = PAGES
        .get_template(template)
        .and_then(|t| t.render(ctx))
        .unwrap_or_else(|e| {
            tracing::error!(error = %e, template, "a link page failed to render");
            "<!doctype html><title>Error</title><p>Something went wrong.</p>".into()
        });
    let mut response = (status, axum::response::Html(html)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn message(status: StatusCode, title: &str, message: &str) -> Response {
    page(status, "message.html", context! { title, message })
}

const SPENT: &str = "This link has expired or was already used. Ask for a new one from the shop.";

/// A refusal as a page: too many tries, a spent link, or the shop being unwell.
fn refused(e: ApiError, title: &str) -> Response {
    let status = StatusCode::from_u16(e.code().http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    let text = match e.code() {
        ErrorCode::RateLimited => "Too many attempts from your address; please wait a minute.",
        code if code.is_server_fault() => "The shop cannot do this right now; please try again.",
        _ => SPENT,
    };
    message(status, title, text)
}

fn token(pairs: &[(String, String)]) -> Option<String> {
    let found = pairs.iter().find(|(k, _)| k == "token");
    found
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

#[tracing::instrument(skip_all, fields(rpc = "VerifyEmail"))]
pub async fn verify_email(
    State(state): State<AppState>,
    ClientAddr(ip): ClientAddr,
    QueryPairs(pairs): QueryPairs,
) -> Response {
    const TITLE: &str = "Confirm your email address";
    if let Err(e) = state
        .limiter()
        .check(Budget::Password, &ip_subject(ip))
        .await
    {
        return refused(e, TITLE);
    }
    let Some(token) = token(&pairs) else {
        return message(StatusCode::BAD_REQUEST, TITLE, SPENT);
    };
    match state
        .auth()
        .verify_email(pb::VerifyEmailRequest { token })
        .await
    {
        Ok(_) => message(
            StatusCode::OK,
            "Email address confirmed",
            "Thank you: your email address is confirmed.",
        ),
        Err(status) => refused(ApiError::from(status), TITLE),
    }
}

const RESET_TITLE: &str = "Choose a new password";

#[tracing::instrument(skip_all)]
pub async fn reset_form(QueryPairs(pairs): QueryPairs) -> Response {
    match token(&pairs) {
        Some(token) => page(
            StatusCode::OK,
            "reset.html",
            context! { title => RESET_TITLE, token },
        ),
        None => message(StatusCode::BAD_REQUEST, RESET_TITLE, SPENT),
    }
}

/// The reset page's form.
#[derive(Deserialize, ToSchema)]
pub struct ResetForm {
    /// The token from the mailed link.
    #[serde(default)]
    token: String,
    /// The new password (8–128 characters, upper- and lower-case letters and a digit).
    #[serde(default)]
    password: String,
}

#[tracing::instrument(skip_all, fields(rpc = "ResetPassword"))]
pub async fn reset_password(
    State(state): State<AppState>,
    ClientAddr(ip): ClientAddr,
    Form(form): Form<ResetForm>,
) -> Response {
    if let Err(e) = state
        .limiter()
        .check(Budget::Password, &ip_subject(ip))
        .await
    {
        return refused(e, RESET_TITLE);
    }
    let request = pb::ResetPasswordRequest {
        token: form.token.trim().to_string(),
        password: form.password,
    };
    match state.auth().reset_password(request).await {
        Ok(_) => message(
            StatusCode::OK,
            "Password changed",
            "Your password is changed. You can sign in with it now.",
        ),
        Err(status) => {
            let e = ApiError::from(status);
            // A password the rules refuse: the form again, saying why, with the same link.
            let problem = e.0.details.get("password").and_then(|v| v.as_str());
            match problem.map(str::to_string) {
                Some(problem) if e.code() == ErrorCode::Validation => {
                    let ctx = context! { title => RESET_TITLE, token => form.token, problem };
                    page(StatusCode::BAD_REQUEST, "reset.html", ctx)
                }
                _ => refused(e, RESET_TITLE),
            }
        }
    }
}
