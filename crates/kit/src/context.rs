//! The request context carried through a call chain: the request id minted at the gateway rides
//! on HTTP headers and gRPC metadata, lives in a task-local while a handler runs, and is copied
//! into the events a request causes.
use std::sync::Arc;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

pub const REQUEST_ID_HEADER: &str = "x-request-id";

tokio::task_local! {
    static REQUEST_ID: Arc<str>;
}

/// The id of the request being served by this task, when there is one.
pub fn current_request_id() -> Option<Arc<str>> {
    REQUEST_ID.try_with(Arc::clone).ok()
}

/// Runs `fut` with `id` as its request id (background work that acts for a request).
pub async fn with_request_id<F: Future>(id: Arc<str>, fut: F) -> F::Output {
    REQUEST_ID.scope(id, fut).await
}

/// Accepts a caller's id only when it is short and printable, so logs cannot be forged.
pub fn sanitize_request_id(raw: &str) -> Option<&str> {
    let ok = !raw.is_empty()
        && raw.len() <= 128
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b));
    ok.then_some(raw)
}

/// Middleware: adopts the incoming `x-request-id` (or mints one), runs the handler inside a span
/// and the task-local, and echoes the id on the response.
pub async fn request_context(req: Request, next: Next) -> Response {
    let id: Arc<str> = req
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(sanitize_request_id)
        .map(Arc::from)
        .unwrap_or_else(|| Arc::from(uuid::Uuid::now_v7().to_string()));
    let span = tracing::info_span!("request", request_id = %id);
    let mut response = REQUEST_ID
        .scope(id.clone(), next.run(req).instrument(span))
        .await;
    if let Ok(v) = http::HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, v);
    }
    response
}

/// W3C `traceparent` derived from the request id, for CloudEvents.
pub fn traceparent(request_id: &str) -> String {
    let trace: String = match uuid::Uuid::parse_str(request_id) {
        Ok(u) => u.simple().to_string(),
        Err(_) => {
            let h = request_id.bytes().fold(0xcbf29ce484222325u64, |h, b| {
                (h ^ b as u64).wrapping_mul(0x100000001b3)
            });
            format!("{h:016x}{:016x}", h.rotate_left(17))
        }
    };
    let span: u64 = rand::random::<u64>() | 1;
    format!("00-{trace}-{span:016x}-01")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_tidy_request_ids_are_adopted() {
        assert_eq!(sanitize_request_id("abc-123"), Some("abc-123"));
        assert_eq!(sanitize_request_id("bad\nid"), None);
        assert_eq!(sanitize_request_id(&"x".repeat(200)), None);
    }

    #[test]
    fn traceparent_is_well_formed() {
        let tp = traceparent("0191e3c1-7a2b-7c3d-8e4f-a1b2c3d4e5f6");
        let parts: Vec<_> = tp.split('-').collect();
        assert_eq!(parts.len(), 4);
        assert_eq!(parts[1], "0191e3c17a2b7c3d8e4fa1b2c3d4e5f6");
        assert_eq!(parts[2].len(), 16);
    }

    #[tokio::test]
    async fn request_id_is_visible_inside_its_scope_only() {
        assert!(current_request_id().is_none());
        let seen = with_request_id(Arc::from("r1"), async { current_request_id() }).await;
        assert_eq!(seen.as_deref(), Some("r1"));
    }
}
