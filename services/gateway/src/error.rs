//! The gateway's one error type: a kit [`Error`] rendered as the contract's error envelope
//! (`{success:false, statusCode, error, message, details?, requestId}`).
use std::collections::BTreeMap;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use vici_kit::context::current_request_id;
use vici_kit::{Error, ErrorCode};

/// What every failing handler, extractor and middleware of the gateway answers with.
pub struct ApiError(pub Error);

pub type ApiResult<T> = Result<T, ApiError>;

const RETRY_AFTER_DETAIL: &str = "retryAfter";

/// The sentence shown for any failure on our side; the cause goes to the log only.
const INTERNAL_MESSAGE: &str = "Something went wrong on our side; please try again";

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self(Error::new(code, message))
    }

    /// A 400 whose `details` name each offending field.
    pub fn validation(message: impl Into<String>, details: BTreeMap<String, String>) -> Self {
        let mut err = Error::new(ErrorCode::Validation, message);
        err.details = details
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        Self(err)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, message)
    }

    pub fn unauthorized() -> Self {
        Self::new(ErrorCode::Unauthorized, "Authentication required")
    }

    pub fn not_implemented(feature: &str) -> Self {
        Self(Error::not_implemented(feature))
    }

    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Unavailable, message)
    }

    pub fn internal(source: impl Into<anyhow::Error>) -> Self {
        Self(Error::internal(source))
    }

    /// A 429 whose `Retry-After` header (and `details.retryAfter`) say when to come back.
    pub fn rate_limited(message: impl Into<String>, retry_after_secs: u64) -> Self {
        Self(
            Error::new(ErrorCode::RateLimited, message)
                .with_detail(RETRY_AFTER_DETAIL, retry_after_secs.max(1)),
        )
    }

    /// Reports a problem under the name the client used for the field (the contract accepts
    /// aliases such as `newPassword` for `password`).
    pub fn with_detail_renamed(mut self, from: &str, to: &str) -> Self {
        if from != to
            && let Some(problem) = self.0.details.remove(from)
        {
            self.0.details.insert(to.to_string(), problem);
        }
        self
    }

    pub fn code(&self) -> ErrorCode {
        self.0.code
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        Self(e)
    }
}

/// Downstream failures are translated by the `vici-error-code` metadata the peer attached (or
/// the gRPC code when it attached none), never by their text.
impl From<tonic::Status> for ApiError {
    fn from(s: tonic::Status) -> Self {
        Self(Error::from(s))
    }
}

impl std::fmt::Debug for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// The error envelope of contract §1.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    /// Always `false`.
    pub success: bool,
    /// The HTTP status, repeated for clients that only see the body.
    #[schema(example = 404)]
    pub status_code: u16,
    /// Stable machine-readable code, e.g. `VALIDATION_ERROR`, `NOT_FOUND`, `UNAVAILABLE`.
    #[schema(example = "NOT_FOUND")]
    pub error: &'static str,
    /// One human sentence.
    #[schema(example = "Product not found")]
    pub message: String,
    /// Per-field problems (`{field: problem}`), present on validation errors.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    #[schema(value_type = Option<Object>)]
    pub details: BTreeMap<String, Value>,
    /// Equal to the `X-Request-Id` response header; quote it when reporting a problem.
    pub request_id: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let code = self.0.code;
        match code {
            ErrorCode::Internal => tracing::error!(error = ?self.0, "request failed"),
            ErrorCode::Unavailable => tracing::warn!(error = ?self.0, "dependency unavailable"),
            _ => tracing::debug!(error = ?self.0, "request rejected"),
        }
        // A peer may tag a failure INTERNAL with its own wording: never pass that on.
        let (message, details) = if code == ErrorCode::Internal {
            (INTERNAL_MESSAGE.to_string(), BTreeMap::new())
        } else {
            (self.0.message, self.0.details)
        };
        let status =
            StatusCode::from_u16(code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let retry_after = (code == ErrorCode::RateLimited)
            .then(|| details.get(RETRY_AFTER_DETAIL).and_then(Value::as_u64))
            .flatten()
            .unwrap_or(1);
        let body = ErrorBody {
            success: false,
            status_code: status.as_u16(),
            error: code.as_str(),
            message,
            details,
            request_id: current_request_id()
                .map(|id| id.to_string())
                .unwrap_or_default(),
        };
        if code == ErrorCode::RateLimited {
            return (
                status,
                [(http::header::RETRY_AFTER, retry_after.to_string())],
                Json(body),
            )
                .into_response();
        }
        (status, Json(body)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body_of(err: ApiError) -> (StatusCode, Value) {
        let resp =
            vici_kit::context::with_request_id("rid-1".into(), async { err.into_response() }).await;
        let status = resp.status();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn renders_the_contract_envelope() {
        let details = BTreeMap::from([("limit".to_string(), "must be a whole number".to_string())]);
        let (status, body) = body_of(ApiError::validation(
            "Invalid query parameter `limit`",
            details,
        ))
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["success"], false);
        assert_eq!(body["statusCode"], 400);
        assert_eq!(body["error"], "VALIDATION_ERROR");
        assert_eq!(body["details"]["limit"], "must be a whole number");
        assert_eq!(body["requestId"], "rid-1");
    }

    #[tokio::test]
    async fn internal_errors_never_show_their_cause_or_peer_wording() {
        let (status, body) = body_of(ApiError::internal(anyhow::anyhow!(
            "db at 10.0.0.3 refused"
        )))
        .await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!body.to_string().contains("10.0.0.3"));
        let tagged =
            Error::new(ErrorCode::Internal, "panic in store.rs:12").with_detail("sql", "SELECT");
        let (_, body) = body_of(ApiError(Error::from_status(&tagged.into_status()))).await;
        assert_eq!(body["message"], INTERNAL_MESSAGE);
        assert!(body.get("details").is_none());
    }

    #[tokio::test]
    async fn downstream_codes_map_by_metadata() {
        let status = Error::new(ErrorCode::OutOfStock, "Only 2 left")
            .with_detail("available", 2)
            .into_status();
        let (http, body) = body_of(ApiError::from(status)).await;
        assert_eq!(http, StatusCode::CONFLICT);
        assert_eq!(body["error"], "OUT_OF_STOCK");
        assert_eq!(body["details"]["available"], 2);
        let (http, _) = body_of(ApiError::from(tonic::Status::unavailable(
            "tcp connect error",
        )))
        .await;
        assert_eq!(http, StatusCode::SERVICE_UNAVAILABLE);
    }
}
