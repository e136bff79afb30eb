//! Extractors whose rejections are contract envelopes (JSON bodies, query pairs, path
//! segments), and the identity extractors routes declare their access level with.
//!
//! The identity extractors read what [`crate::guard`] verified once per request; none of
//! them calls the auth service.
use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use vici_kit::ErrorCode;
use vici_types::TypedId;

use crate::error::ApiError;
use crate::guard::ClientIp;
pub use crate::identity::{Caller, Identity, Role};

/// A JSON body; anything else (wrong content type, malformed, wrong shape) is a 400 envelope
/// and an over-long body a 413.
pub struct Json<T>(pub T);

const MISSING_JSON_TYPE: &str = "Expected a JSON body with `Content-Type: application/json`";
const NOT_JSON: &str = "The request body is not valid JSON";

fn too_large() -> ApiError {
    ApiError::new(ErrorCode::PayloadTooLarge, "The request body is too large")
}

fn unreadable() -> ApiError {
    ApiError::new(ErrorCode::Validation, "The request body could not be read")
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return too_large();
    }
    match &rejection {
        JsonRejection::MissingJsonContentType(_) => {
            ApiError::new(ErrorCode::Validation, MISSING_JSON_TYPE)
        }
        JsonRejection::JsonSyntaxError(_) => ApiError::new(ErrorCode::Validation, NOT_JSON),
        JsonRejection::JsonDataError(e) => crate::shape::wrong_shape(&e.body_text()),
        _ => unreadable(),
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        axum::Json::<T>::from_request(req, state)
            .await
            .map(|axum::Json(v)| Self(v))
            .map_err(json_rejection)
    }
}

/// A JSON body that may be left out entirely: the client sends logout, clear, remove and cancel
/// as a POST/DELETE with no body and no `Content-Type`.
pub struct OptionalJson<T>(pub Option<T>);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let is_json = req
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|m| m.trim().to_ascii_lowercase())
            .is_some_and(|m| m == "application/json" || m.ends_with("+json"));
        let bytes = Bytes::from_request(req, state).await.map_err(|r| {
            if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
                too_large()
            } else {
                unreadable()
            }
        })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self(None));
        }
        if !is_json {
            return Err(ApiError::new(ErrorCode::Validation, MISSING_JSON_TYPE));
        }
        serde_json::from_slice(&bytes)
            .map(|v| Self(Some(v)))
            .map_err(|e| match e.is_data() {
                true => crate::shape::wrong_shape(&e.to_string()),
                false => ApiError::new(ErrorCode::Validation, NOT_JSON),
            })
    }
}

/// The query string as raw `(name, value)` pairs, for [`crate::query`]'s parsers.
pub struct QueryPairs(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for QueryPairs {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        Query::<Vec<(String, String)>>::try_from_uri(&parts.uri)
            .map(|Query(pairs)| Self(pairs))
            .map_err(|_| ApiError::new(ErrorCode::Validation, "The query string could not be read"))
    }
}

/// Path segments; one that cannot be decoded names no resource, hence 404.
pub struct Path<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        <axum::extract::Path<T> as FromRequestParts<S>>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(v)| Self(v))
            .map_err(|_| ApiError::not_found("No such resource"))
    }
}

/// An id in the route's path, parsed once: anything but a UUID names nothing of `T`'s kind,
/// hence a 404 with its sentence (`Product not found`).
pub struct PathId<T>(pub T);

impl<S: Send + Sync, T: TypedId + Send> FromRequestParts<S> for PathId<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state).await?;
        Ok(Self(T::from_path(&raw)?))
    }
}

/// A private route's caller: 401 `Authentication required` without a valid token (503 when
/// tokens cannot be checked right now).
pub struct AuthUser(pub Arc<Identity>);

/// An admin route's caller: 401 without a valid token, 403 for a non-admin.
pub struct AdminUser(pub Arc<Identity>);

/// A public route's caller, when one is logged in. A missing, expired or garbage token is
/// anonymous, never a 401: the client sends its token on every request.
pub struct MaybeAuthUser(pub Option<Arc<Identity>>);

/// The address the request came from (see [`crate::guard`]).
pub struct ClientAddr(pub std::net::IpAddr);

/// Who may call a route. Checked once per request from what [`crate::guard`] stored, by the
/// route table's access layer and by the identity extractors alike ([`admit`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone; a bad token counts as anonymous, never a 401.
    Public,
    /// A signed-in user: 401 without a valid token.
    User,
    /// An administrator: 401 without a valid token, 403 for anyone else.
    Admin,
}

/// What [`crate::guard`] found; anonymous where it did not run (unit tests of handlers).
fn caller(parts: &Parts) -> Caller {
    parts
        .extensions
        .get::<Caller>()
        .cloned()
        .unwrap_or_default()
}

/// Whether `caller` may pass `access`: the caller's identity when signed in (`None` for an
/// anonymous caller of a public route), or the contract's refusal — 401 without a valid token,
/// 503 when tokens cannot be checked right now, 403 for a non-admin on an admin route.
pub fn admit(access: Access, caller: &Caller) -> Result<Option<Arc<Identity>>, ApiError> {
    if access == Access::Public {
        return Ok(caller.identity().cloned());
    }
    let identity = match caller {
        Caller::User(identity) => identity.clone(),
        Caller::Unavailable => {
            return Err(ApiError::unavailable(
                "Sign-in cannot be checked right now; please try again shortly",
            ));
        }
        Caller::Anonymous | Caller::Refused => return Err(ApiError::unauthorized()),
    };
    if access == Access::Admin && identity.role != Role::Admin {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "Administrator access required",
        ));
    }
    Ok(Some(identity))
}

/// The identity of a caller that passed `access` (never `None` past a private check).
fn identity_for(access: Access, parts: &Parts) -> Result<Arc<Identity>, ApiError> {
    admit(access, &caller(parts))?.ok_or_else(ApiError::unauthorized)
}

impl<S: Send + Sync> FromRequestParts<S> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        identity_for(Access::User, parts).map(Self)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for AdminUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        identity_for(Access::Admin, parts).map(Self)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for MaybeAuthUser {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(caller(parts).identity().cloned()))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let ip = parts.extensions.get::<ClientIp>().map_or(
            std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED),
            |ClientIp(ip)| *ip,
        );
        Ok(Self(ip))
    }
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::body::Body;
    use axum::extract::DefaultBodyLimit;
    use axum::routing::post;
    use serde_json::Value;
    use tower::ServiceExt;

    use super::*;

    async fn status_of(app: &Router, content_type: Option<&str>, body: &'static str) -> u16 {
        let mut request = Request::post("/").header("authorization", "Bearer garbage");
        if let Some(t) = content_type {
            request = request.header("content-type", t);
        }
        let response = app
            .clone()
            .oneshot(request.body(Body::from(body)).unwrap())
            .await
            .unwrap();
        response.status().as_u16()
    }

    fn app() -> Router {
        Router::new()
            .route(
                "/",
                post(|_: MaybeAuthUser, Json(v): Json<Value>| async move { axum::Json(v) }),
            )
            .route(
                "/optional",
                post(|OptionalJson(v): OptionalJson<Value>| async move { axum::Json(v) }),
            )
            .layer(DefaultBodyLimit::max(64))
    }

    #[tokio::test]
    async fn json_bodies_are_checked_with_envelope_rejections() {
        let app = app();
        assert_eq!(
            status_of(&app, Some("application/json"), r#"{"a":1}"#).await,
            200
        );
        assert_eq!(status_of(&app, Some("application/json"), "{").await, 400);
        assert_eq!(status_of(&app, Some("text/plain"), "{}").await, 400);
        assert_eq!(status_of(&app, None, "").await, 400);
        let big = Box::leak(format!("[{}]", "1,".repeat(100) + "1").into_boxed_str());
        assert_eq!(status_of(&app, Some("application/json"), big).await, 413);
    }

    /// The status and body text `app` answers `request` with.
    async fn answer(app: &Router, request: Request) -> (u16, String) {
        let response = app.clone().oneshot(request).await.unwrap();
        let status = response.status().as_u16();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }

    #[tokio::test]
    async fn path_ids_are_parsed_once_and_a_malformed_one_names_nothing() {
        use axum::routing::get;
        use vici_types::ProductId;
        let app: Router = Router::new().route(
            "/p/{id}",
            get(|PathId(id): PathId<ProductId>| async move { id.to_string() }),
        );
        let call = |uri: &'static str| answer(&app, Request::get(uri).body(Body::empty()).unwrap());
        assert_eq!(
            call("/p/0191E3C1-7A2B-7C3D-8E4F-A1B2C3D4E5F6").await,
            (200, "0191e3c1-7a2b-7c3d-8e4f-a1b2c3d4e5f6".into()),
            "canonical from here on"
        );
        let (status, body) = call("/p/headphones").await;
        assert_eq!(status, 404);
        assert!(body.contains("Product not found"), "{body}");
    }

    #[tokio::test]
    async fn optional_bodies_may_be_left_out() {
        let app = app();
        let call = |content_type: Option<&'static str>, body: &'static str| {
            let app = app.clone();
            async move {
                let mut request = Request::post("/optional");
                if let Some(t) = content_type {
                    request = request.header("content-type", t);
                }
                answer(&app, request.body(Body::from(body)).unwrap()).await
            }
        };
        assert_eq!(call(None, "").await, (200, "null".into()));
        assert_eq!(
            call(Some("application/json"), " ").await,
            (200, "null".into())
        );
        assert_eq!(
            call(
                Some("application/json; charset=utf-8"),
                r#"{"allDevices":true}"#
            )
            .await,
            (200, r#"{"allDevices":true}"#.into())
        );
        assert_eq!(
            call(None, "{}").await.0,
            400,
            "a body needs its JSON content type"
        );
        assert_eq!(call(Some("application/json"), "{oops").await.0, 400);
    }
}
