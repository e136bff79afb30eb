//! The OpenAPI 3.1 document: generated from the handlers' `#[utoipa::path]` annotations and
//! the DTOs, plus the planned routes from their tables, so it always lists every route the
//! router registers.
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes::{admin, catalogue, media, ops, pending, planned};

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .bearer_format("JWT")
            .build();
        components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "vici shop API",
        description = "REST API of the vici online shop. Every answer is enveloped: \
            `{success: true, data, message?}` (lists add a sibling `pagination` and an \
            `X-Total-Count` header) or `{success: false, statusCode, error, message, details?, \
            requestId}`. Money is in dollars; every response carries `X-Request-Id`. Public routes \
            ignore a missing or invalid bearer token."
    ),
    paths(
        catalogue::products::list,
        catalogue::products::search,
        catalogue::products::suggest,
        catalogue::products::by_id,
        catalogue::products::by_slug,
        catalogue::categories::list,
        catalogue::categories::one,
        catalogue::categories::price_range,
        catalogue::curated::recommended,
        catalogue::curated::trending,
        catalogue::curated::new_arrivals,
        catalogue::curated::related,
        catalogue::curated::bought_together,
        catalogue::curated::reviews,
        ops::health,
        ops::openapi_json,
        ops::docs,
        media::serve,
    ),
    components(schemas(crate::error::ErrorBody)),
    modifiers(&BearerAuth),
    tags(
        (name = "Products", description = "The catalogue"),
        (name = "Categories", description = "Category tree and price ranges"),
        (name = "Reviews", description = "Product reviews"),
        (name = "Operations", description = "Health, this document, media"),
    )
)]
struct ApiDoc;

/// The whole document, with `/health` (outside `/api`) beside `/api/health`.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    if let Some(mut item) = doc.paths.paths.get("/api/health").cloned() {
        if let Some(op) = item.get.as_mut() {
            op.operation_id = Some("health_root".into()); // Operation ids are unique.
        }
        doc.paths.paths.insert("/health".to_string(), item);
    }
    planned::document(&mut doc, pending::GROUPS);
    planned::document(&mut doc, admin::GROUPS);
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_every_planned_route_and_the_catalogue() {
        let doc = document();
        let json = serde_json::to_value(&doc).unwrap();
        assert!(json["openapi"].as_str().unwrap().starts_with("3.1"));
        let paths = json["paths"].as_object().unwrap();
        for group in pending::GROUPS.iter().chain(admin::GROUPS) {
            for route in group.routes {
                assert!(
                    paths.contains_key(&format!("/api{}", route.path)),
                    "{}",
                    route.path
                );
            }
        }
        let mut ids: Vec<&str> = paths
            .values()
            .flat_map(|item| item.as_object().unwrap().values())
            .filter_map(|op| op["operationId"].as_str())
            .collect();
        let count = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), count, "operation ids are unique");
        let reviews = &paths["/api/products/{id}/reviews"];
        assert!(
            reviews.get("get").is_some() && reviews.get("post").is_some(),
            "documented and planned side by side"
        );
        assert!(json["components"]["schemas"].get("ProductDto").is_some());
    }
}
