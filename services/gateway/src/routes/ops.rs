//! Operations: aggregated health, the OpenAPI document and the page that renders it, and the
//! rows of the route table for them and for media.
use std::collections::BTreeMap;
use std::sync::LazyLock;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use utoipa::ToSchema;
use vici_kit::ServiceName;

use super::media;
use super::table::{Access::Public, Route};
use crate::AppState;

const HEALTH_DESCRIPTION: &str = "The gateway itself is up whenever it answers, so the status \
    code is 200 even when degraded (a liveness probe must not restart the gateway because a \
    downstream service is down); the body says which services are down.";

pub fn routes() -> Vec<Route> {
    vec![
        Route::get(Public, "/health", health)
            .doc("Operations", "health", "Health of the whole shop")
            .describe(HEALTH_DESCRIPTION)
            .bare::<HealthDto>(),
        Route::get(Public, "/health", health)
            .doc(
                "Operations",
                "health_root",
                "Health of the whole shop (outside /api)",
            )
            .describe(HEALTH_DESCRIPTION)
            .bare::<HealthDto>()
            .outside_api(),
        Route::get(Public, "/openapi.json", openapi_json)
            .doc(
                "Operations",
                "openapi",
                "The OpenAPI 3.1 description of this API",
            )
            .content("application/json"),
        Route::get(Public, "/docs", docs)
            .doc(
                "Operations",
                "docs",
                "A readable rendering of the OpenAPI document",
            )
            .describe("Self-contained: no external scripts or fonts.")
            .content("text/html"),
        Route::get(Public, "/media/{*key}", media::serve)
            .doc("Operations", "get_media", "A stored image")
            .describe("Raster images inline; anything else as an attachment.")
            .content("image/*"),
    ]
}

/// A probe slower than this counts as down, so `/health` answers fast even when services hang.
pub const PROBE_TIMEOUT: Duration = Duration::from_millis(300);

/// `/health`: bare JSON, not enveloped (contract §3).
#[derive(Serialize, ToSchema)]
pub struct HealthDto {
    /// `up` when every service answers, else `degraded`.
    #[schema(example = "up")]
    pub status: &'static str,
    /// Each of the eleven services: `up` or `down`.
    pub services: BTreeMap<&'static str, &'static str>,
}

/// Probes every service at once ([`HEALTH_DESCRIPTION`] says why degraded is still a 200).
#[tracing::instrument(skip_all)]
pub async fn health(State(state): State<AppState>) -> Json<HealthDto> {
    let probes = state.clients.health.iter().map(|(name, client)| {
        let mut client = client.clone();
        async move {
            let request = HealthCheckRequest {
                service: String::new(),
            };
            let answer = tokio::time::timeout(PROBE_TIMEOUT, client.check(request)).await;
            let up =
                matches!(answer, Ok(Ok(r)) if r.get_ref().status == ServingStatus::Serving as i32);
            (name.as_str(), if up { "up" } else { "down" })
        }
    });
    let mut services: BTreeMap<&'static str, &'static str> = futures::future::join_all(probes)
        .await
        .into_iter()
        .collect();
    services.insert(ServiceName::Gateway.as_str(), "up");
    let status = if services.values().all(|s| *s == "up") {
        "up"
    } else {
        "degraded"
    };
    Json(HealthDto { status, services })
}

static OPENAPI_JSON: LazyLock<String> = LazyLock::new(|| {
    crate::openapi::document()
        .to_json()
        .expect("the OpenAPI document serialises")
});

/// The OpenAPI 3.1 description of this API
pub async fn openapi_json() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        OPENAPI_JSON.as_str(),
    )
        .into_response()
}

/// A readable rendering of the OpenAPI document.
pub async fn docs() -> Html<&'static str> {
    Html(include_str!("../docs.html"))
}
