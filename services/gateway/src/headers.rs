//! The headers every gateway answer carries for the browser's sake: no content-type sniffing,
//! no referrer, no framing, `Strict-Transport-Security` when configured, and `no-store` on
//! anything personal (an answer to a request with a token, and every `/api/auth/` answer,
//! which carries tokens), so no shared or browser cache keeps it.
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

const ALWAYS: [(HeaderName, &str); 3] = [
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, "no-referrer"),
    (header::X_FRAME_OPTIONS, "DENY"),
];

/// The `Strict-Transport-Security` value for `max_age_secs` (none when 0).
pub fn hsts(max_age_secs: u64) -> Option<HeaderValue> {
    let value = format!("max-age={max_age_secs}; includeSubDomains");
    (max_age_secs > 0).then(|| HeaderValue::from_str(&value).expect("ASCII"))
}

pub async fn security_headers(
    State(hsts): State<Option<HeaderValue>>,
    request: Request,
    next: Next,
) -> Response {
    let personal = request.headers().contains_key(header::AUTHORIZATION)
        || request.uri().path().starts_with("/api/auth/");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in ALWAYS {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    }
    if let Some(hsts) = hsts {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, hsts);
    }
    if personal {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}
