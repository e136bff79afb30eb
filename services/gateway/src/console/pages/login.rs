//! Signing in and out. The sign-in form posts the email and password to the API's login; only
//! an administrator gets a session (a customer's tokens are signed out at once), and the API's
//! budget and lockout apply as to any sign-in. The form's CSRF token rides in a short cookie
//! of its own until a session exists.
use std::time::Duration;

use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;

use crate::console::api::{Origin, Payload, judge};
use crate::console::session::{self, LOGIN_COOKIE, Session};
use crate::console::view::{self, Flash};
use crate::console::{Admin, Api};

const FORM_LASTS: Duration = Duration::from_secs(1800);

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SignIn {
    email: String,
    password: String,
    csrf: String,
}

/// The form, with a fresh CSRF token in its cookie; the dashboard for a signed-in admin.
pub async fn form(State(api): State<Api>, headers: HeaderMap) -> Response {
    if let Ok(Some(_)) = api.sessions.find(&headers).await {
        return Redirect::to("/admin/dashboard").into_response();
    }
    show(&api, "", Flash::default())
}

fn show(api: &Api, email: &str, flash: Flash) -> Response {
    let csrf = session::token();
    let ctx = json!({"title": "Sign in", "email": email, "login_csrf": csrf});
    let mut response = view::page("login.html", ctx, None, flash);
    let cookie = api
        .sessions
        .set_cookie(LOGIN_COOKIE, Some(&csrf), FORM_LASTS);
    response.headers_mut().append(header::SET_COOKIE, cookie);
    response
}

fn refused(api: &Api, email: &str, status: StatusCode, problem: &str) -> Response {
    let flash = Flash {
        problem: Some(problem.to_string()),
        status: Some(status),
        ..Flash::default()
    };
    show(api, email, flash)
}

pub async fn sign_in(
    State(api): State<Api>,
    origin: Origin,
    headers: HeaderMap,
    Form(form): Form<SignIn>,
) -> Response {
    let expected = session::cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    if expected.is_empty() || !session::same(&form.csrf, &expected) {
        return refused(
            &api,
            &form.email,
            StatusCode::FORBIDDEN,
            "The form expired; please sign in again.",
        );
    }
    let body = Payload::Json(json!({"email": form.email.trim(), "password": form.password}));
    let (status, answer) = api
        .send(&origin, None, Method::POST, "/auth/login", &body)
        .await;
    let data = match judge(status, answer) {
        Ok(answer) => answer["data"].clone(),
        Err(refusal) => {
            let shown = if status.is_server_error() {
                status
            } else {
                StatusCode::UNAUTHORIZED
            };
            let text = if status == StatusCode::UNAUTHORIZED {
                "Wrong email or password."
            } else {
                refusal.message()
            };
            return refused(&api, &form.email, shown, text);
        }
    };
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
    let access_token = text(&data["accessToken"]);
    let refresh_token = text(&data["refreshToken"]);
    if data["user"]["role"] != "admin" {
        // Nothing of the customer's sign-in is kept.
        let out = Payload::Json(json!({"refreshToken": refresh_token}));
        api.send(
            &origin,
            Some(&access_token),
            Method::POST,
            "/auth/logout",
            &out,
        )
        .await;
        return refused(
            &api,
            &form.email,
            StatusCode::FORBIDDEN,
            "This account is not an administrator.",
        );
    }
    let session = Session {
        id: session::token(),
        user_id: text(&data["user"]["id"]),
        email: text(&data["user"]["email"]),
        access_token,
        refresh_token,
        csrf: session::token(),
    };
    if let Err(e) = api.sessions.save(&session).await {
        tracing::error!(error = %format!("{e:#}"), "console: could not keep a session");
        return refused(
            &api,
            &form.email,
            StatusCode::SERVICE_UNAVAILABLE,
            "The console cannot keep sessions right now.",
        );
    }
    let mut response = Redirect::to("/admin/dashboard").into_response();
    let h = response.headers_mut();
    h.append(header::SET_COOKIE, api.sessions.cookie(Some(&session)));
    h.append(
        header::SET_COOKIE,
        api.sessions.set_cookie(LOGIN_COOKIE, None, FORM_LASTS),
    );
    response
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SignOut {
    csrf: String,
}

/// Ends the session here and its tokens in the shop.
pub async fn sign_out(
    State(api): State<Api>,
    mut admin: Admin,
    Form(form): Form<SignOut>,
) -> Response {
    if let Some(refused) = admin.forged(&form.csrf) {
        return refused;
    }
    let out = Payload::Json(json!({"refreshToken": admin.session.refresh_token}));
    let _ = admin.call(Method::POST, "/auth/logout", out).await;
    if let Err(e) = api.sessions.end(&admin.session).await {
        tracing::warn!(error = %format!("{e:#}"), "console: could not forget a session");
    }
    let mut response = Redirect::to("/admin/login").into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, api.sessions.cookie(None));
    response
}
