//! `GET /api/media/{*key}`: images admins uploaded, served from the blob store. Only raster
//! image types are served inline; anything else is a download, so a stored file can never run
//! as a page on our origin.
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::Response;

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::Path;

const INLINE_TYPES: &[&str] = &[
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/gif",
    "image/avif",
];

/// Uploaded keys are unique per upload, so clients may keep them for a day.
const CACHE_CONTROL: &str = "public, max-age=86400";

/// The type to answer with: a stored raster image type as is, anything else as bytes.
fn safe_content_type(stored: &str) -> Option<&'static str> {
    let essence = stored
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    INLINE_TYPES.iter().copied().find(|t| *t == essence)
}

/// A stored image
#[tracing::instrument(skip_all, fields(key = %key))]
pub async fn serve(State(state): State<AppState>, Path(key): Path<String>) -> ApiResult<Response> {
    let not_found = || ApiError::not_found("Media not found");
    vici_blob::validate_key(&key).map_err(|_| not_found())?;
    let blob = state
        .blob
        .get(&key)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(not_found)?;
    let mut response = Response::new(Body::from(blob.bytes));
    let headers = response.headers_mut();
    match safe_content_type(&blob.content_type) {
        Some(t) => headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(t)),
        None => {
            headers.insert(
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment"),
            );
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            )
        }
    };
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(CACHE_CONTROL),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_raster_images_are_served_inline() {
        assert_eq!(safe_content_type("image/PNG"), Some("image/png"));
        assert_eq!(
            safe_content_type("image/jpeg; charset=binary"),
            Some("image/jpeg")
        );
        for risky in [
            "image/svg+xml",
            "text/html; charset=utf-8",
            "application/javascript",
            "",
        ] {
            assert_eq!(safe_content_type(risky), None, "{risky}");
        }
    }
}
