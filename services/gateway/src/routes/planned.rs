//! How a planned row of the route table answers: past the access check (the table's access
//! layer) and a body check like the built route will make, 501 NOT_IMPLEMENTED saying which
//! feature it waits for. The storefront thus gets the contract's 401/403 and a clear 501
//! instead of a 404.
use axum::extract::{FromRequest, Request};
use axum::http::{Method, header};
use axum::routing::{MethodFilter, MethodRouter, on};

use crate::AppState;
use crate::error::ApiError;
use crate::extract::OptionalJson;

/// A planned route's body, checked like the implemented route will: absent (the client sends
/// some POSTs and DELETEs bare) or well-formed JSON. Multipart uploads are left unread.
struct PlannedBody;

impl<S: Send + Sync> FromRequest<S> for PlannedBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let multipart = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/"));
        if req.method() == Method::GET || multipart {
            return Ok(Self);
        }
        OptionalJson::<serde_json::Value>::from_request(req, state)
            .await
            .map(|_| Self)
    }
}

/// The 501 handler of a planned `method` route waiting for `feature`.
pub fn handler(method: Method, feature: &'static str) -> MethodRouter<AppState> {
    let filter = MethodFilter::try_from(method).expect("a routable method");
    on(filter, move |_: PlannedBody| async move {
        ApiError::not_implemented(feature)
    })
}
