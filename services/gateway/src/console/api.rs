//! The console acts only through the shop's own REST API, called in process as the signed-in
//! admin: every read and change is checked, validated and authorised exactly as the API does
//! it (a console page can do nothing the admin's token could not). An expired access token is
//! refreshed once with the session's refresh token; a refused refresh ends the session.
use std::net::SocketAddr;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, Request, StatusCode, header};
use serde_json::{Value, json};
use tower::ServiceExt as _;

use super::session::{Session, Sessions};

/// What the browser's request carried that the API's checks read: its address (rate limits
/// per address) and its request id (logs).
#[derive(Clone, Default)]
pub struct Origin {
    pub connect: Option<ConnectInfo<SocketAddr>>,
    pub forwarded_for: Option<HeaderValue>,
    pub request_id: Option<HeaderValue>,
}

impl Origin {
    pub fn of(parts: &Parts) -> Self {
        Self {
            connect: parts.extensions.get::<ConnectInfo<SocketAddr>>().cloned(),
            forwarded_for: parts.headers.get("x-forwarded-for").cloned(),
            request_id: parts.headers.get("x-request-id").cloned(),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Origin {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::of(parts))
    }
}

/// A request's body for the API.
pub enum Payload {
    None,
    Json(Value),
    /// As the browser sent it (a multipart upload), with its content type.
    Raw(HeaderValue, Bytes),
}

/// Why the API did not do what the console asked.
#[derive(Debug)]
pub enum Refusal {
    /// The request was wrong (4xx): the API's message and field problems, for the admin.
    Refused {
        status: StatusCode,
        message: String,
        details: Value,
    },
    /// The session's tokens no longer work: sign in again.
    SignedOut,
    /// The shop failed (5xx), in the API's words.
    Failed { status: StatusCode, message: String },
}

impl Refusal {
    pub fn message(&self) -> &str {
        match self {
            Refusal::Refused { message, .. } | Refusal::Failed { message, .. } => message,
            Refusal::SignedOut => "Your session has ended; please sign in again.",
        }
    }
}

/// The API, and the sessions whose tokens it is called with.
#[derive(Clone)]
pub struct Api {
    router: Router,
    pub sessions: Sessions,
}

impl Api {
    pub fn new(router: Router, sessions: Sessions) -> Self {
        Self { router, sessions }
    }

    /// Sends one request to `/api{path}`; the status and the JSON answer (`Null` if none).
    pub async fn send(
        &self,
        origin: &Origin,
        token: Option<&str>,
        method: Method,
        path: &str,
        payload: &Payload,
    ) -> (StatusCode, Value) {
        let mut request = Request::builder().method(method).uri(format!("/api{path}"));
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        for (name, value) in [
            ("x-forwarded-for", &origin.forwarded_for),
            ("x-request-id", &origin.request_id),
        ] {
            if let Some(v) = value {
                request = request.header(name, v.clone());
            }
        }
        let body = match payload {
            Payload::None => Body::empty(),
            Payload::Json(v) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Body::from(v.to_string())
            }
            Payload::Raw(content_type, bytes) => {
                request = request.header(header::CONTENT_TYPE, content_type.clone());
                Body::from(bytes.clone())
            }
        };
        let mut request = request.body(body).expect("a well-formed internal request");
        if let Some(connect) = origin.connect {
            request.extensions_mut().insert(connect);
        }
        let Ok(response) = self.router.clone().oneshot(request).await;
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap_or_default();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    /// Calls the API as `session`'s admin; the answer's `data` (and its `pagination`, when a list).
    pub async fn call(
        &self,
        origin: &Origin,
        session: &mut Session,
        method: Method,
        path: &str,
        payload: Payload,
    ) -> Result<Value, Refusal> {
        let (mut status, mut answer) = self
            .send(
                origin,
                Some(&session.access_token),
                method.clone(),
                path,
                &payload,
            )
            .await;
        if status == StatusCode::UNAUTHORIZED {
            self.refresh(origin, session).await?;
            (status, answer) = self
                .send(origin, Some(&session.access_token), method, path, &payload)
                .await;
        }
        judge(status, answer)
    }

    /// Trades the session's refresh token for a new pair and keeps it.
    async fn refresh(&self, origin: &Origin, session: &mut Session) -> Result<(), Refusal> {
        let body = Payload::Json(json!({"refreshToken": session.refresh_token}));
        let (status, answer) = self
            .send(origin, None, Method::POST, "/auth/refresh", &body)
            .await;
        let tokens = &answer["data"];
        let (Some(access), Some(refresh)) = (
            tokens["accessToken"].as_str(),
            tokens["refreshToken"].as_str(),
        ) else {
            tracing::info!(%status, "console: the session's refresh was refused; signing out");
            let _ = self.sessions.end(session).await;
            return Err(Refusal::SignedOut);
        };
        session.access_token = access.to_string();
        session.refresh_token = refresh.to_string();
        self.sessions
            .save(session)
            .await
            .map_err(|e| Refusal::Failed {
                status: StatusCode::SERVICE_UNAVAILABLE,
                message: format!("The console could not keep its session: {e}"),
            })
    }
}

/// The answer as the console reads it: the envelope on success, a [`Refusal`] otherwise.
pub fn judge(status: StatusCode, answer: Value) -> Result<Value, Refusal> {
    if status.is_success() {
        return Ok(answer);
    }
    let message = answer["message"]
        .as_str()
        .unwrap_or("The shop did not answer as expected")
        .to_string();
    if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
        return Err(Refusal::SignedOut);
    }
    if status.is_client_error() {
        let details = answer["details"].clone();
        return Err(Refusal::Refused {
            status,
            message,
            details,
        });
    }
    Err(Refusal::Failed { status, message })
}
