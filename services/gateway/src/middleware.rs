//! The layers every gateway response passes through: request context, access log, CORS,
//! request deadline, body limit, and the envelopes for unknown routes and wrong methods.
use std::time::{Duration, Instant};

use futures::StreamExt as _;

use crate::config::GatewayConfig;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_http::cors::{AllowOrigin, CorsLayer};
use vici_kit::ErrorCode;
use vici_kit::context::{REQUEST_ID_HEADER, current_request_id, request_context};

use crate::envelope::TOTAL_COUNT_HEADER;
use crate::error::ApiError;

/// The kit's server wraps every app in `request_context`; `router()` is also served bare (tests,
/// embedding), so it adds the context only when none is active — a second one would mint a
/// second id and the body's `requestId` would differ from the header.
pub async fn ensure_request_context(req: Request, next: Next) -> Response {
    if current_request_id().is_some() {
        next.run(req).await
    } else {
        request_context(req, next).await
    }
}

/// One structured line per request; JSON when the log format is JSON.
pub async fn access_log(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let started = Instant::now();
    let response = next.run(req).await;
    let latency_ms = (started.elapsed().as_secs_f64() * 1e6).round() / 1e3;
    tracing::info!(
        target: "vici::access",
        method = %method,
        path = %path,
        status = response.status().as_u16(),
        latency_ms,
        request_id = current_request_id().as_deref().unwrap_or("-"),
        "request"
    );
    response
}

/// The bound on a request, and the paths it spares: a streamed import lasts as long as its
/// body, and bounds each call it makes instead.
#[derive(Clone)]
pub struct Deadline {
    timeout: Duration,
    streamed: std::sync::Arc<[String]>,
}

impl Deadline {
    pub fn new(timeout: Duration, streamed: Vec<String>) -> Self {
        Self {
            timeout,
            streamed: streamed.into(),
        }
    }
}

/// Bounds the whole request, so a slow dependency costs the caller a 503, never a hang.
pub async fn deadline(State(bound): State<Deadline>, req: Request, next: Next) -> Response {
    if bound.streamed.iter().any(|p| p == req.uri().path()) {
        return next.run(req).await;
    }
    match tokio::time::timeout(bound.timeout, next.run(req)).await {
        Ok(response) => response,
        Err(_) => {
            ApiError::unavailable("The request took too long; please retry shortly").into_response()
        }
    }
}

/// How much of a refused body the gateway still reads (and drops) before answering 413. A
/// socket closed on unread data is reset, and a client still writing its body then sees a
/// broken pipe instead of the answer; reading the rest first (nginx's "lingering close") lets
/// it read why. A larger body is cut off: its sender gets no explanation, and no more of our
/// bandwidth.
const DRAINED_AT_MOST: u64 = 8 << 20;
/// How long a refused body may take to arrive before the gateway stops reading it.
const DRAINED_FOR: Duration = Duration::from_secs(5);

/// Refuses a declared over-long body before any handler runs, even one that never reads its
/// body (a 501 route must not swallow 2 MB). Streamed bodies without a length are bounded by
/// `DefaultBodyLimit` where an extractor reads them.
pub async fn body_limit(State(limit): State<usize>, req: Request, next: Next) -> Response {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let Some(too_long) = declared.filter(|len| *len > limit as u64) else {
        return next.run(req).await;
    };
    if too_long <= DRAINED_AT_MOST {
        let mut rest = req.into_body().into_data_stream();
        let drained = async { while let Some(Ok(_)) = rest.next().await {} };
        let _ = tokio::time::timeout(DRAINED_FOR, drained).await;
    }
    let message = format!(
        "The request body is larger than the {} KB allowed",
        limit / 1024
    );
    ApiError::new(ErrorCode::PayloadTooLarge, message).into_response()
}

/// CORS per contract §1; preflights are answered here, before any route or token check.
pub fn cors(config: &GatewayConfig) -> CorsLayer {
    let origins: Vec<HeaderValue> = config
        .cors_origins
        .iter()
        .filter_map(|o| o.parse().ok())
        .collect();
    let allow_origin = if config.cors_origins.iter().any(|o| o == "*") || origins.is_empty() {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins)
    };
    CorsLayer::new()
        .allow_origin(allow_origin)
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
            Method::OPTIONS,
        ])
        .allow_headers([
            header::CONTENT_TYPE,
            header::AUTHORIZATION,
            HeaderName::from_static("x-requested-with"),
            HeaderName::from_static("idempotency-key"),
            HeaderName::from_static("x-session-id"),
        ])
        .expose_headers([
            HeaderName::from_static(REQUEST_ID_HEADER),
            HeaderName::from_static(TOTAL_COUNT_HEADER),
        ])
        .max_age(Duration::from_secs(600))
}

pub async fn not_found() -> ApiError {
    ApiError::not_found("No such route; every endpoint lives under /api (see /api/docs)")
}

/// axum keeps its `Allow` header on this response.
pub async fn method_not_allowed(method: Method) -> ApiError {
    ApiError::new(
        ErrorCode::MethodNotAllowed,
        format!("{method} is not allowed on this route"),
    )
}
