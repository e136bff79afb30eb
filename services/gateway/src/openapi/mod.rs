//! The OpenAPI 3.1 document, generated from the route table ([`crate::routes::table`]): every
//! row is an operation, with the schemas of its body and answer, so the document lists exactly
//! the routes the router serves.
mod operation;

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{ComponentsBuilder, InfoBuilder, OpenApi, OpenApiBuilder, Paths};

use crate::routes::table::Route;

const DESCRIPTION: &str = "REST API of the vici online shop. Every answer is enveloped: \
    `{success: true, data, message?}` (lists add a sibling `pagination` and an `X-Total-Count` \
    header) or `{success: false, statusCode, error, message, details?, requestId}`. Money is in \
    dollars; every response carries `X-Request-Id`. Public routes ignore a missing or invalid \
    bearer token.";

/// Every tag a row may use, in the document's order, with its description.
pub const TAGS: &[(&str, &str)] = &[
    ("Products", "The catalogue"),
    ("Categories", "Category tree and price ranges"),
    ("Reviews", "Product reviews"),
    (
        "Recommendations",
        "Shelves of products for the caller, a product or the shop, each saying where its products came from",
    ),
    ("Tracking", "Behaviour tracking"),
    ("Auth", "Accounts and sign-in"),
    (
        "Users",
        "The caller's profile, addresses, preferences, wishlist and notifications",
    ),
    ("Cart", "The shopping cart"),
    ("Checkout", "Pricing, payment intents and placing orders"),
    ("Orders", "The caller's orders"),
    ("Payments", "Payment provider webhooks"),
    (
        "Admin",
        "Administration: catalogue, stock, coupons, orders, users",
    ),
    ("Operations", "Health, this document, media"),
    (
        "Pages",
        "HTML pages the shop's mails link to (outside /api)",
    ),
];

/// The document of `rows` (the route table).
pub fn document_of(rows: &[Route]) -> OpenApi {
    let mut components = Vec::new();
    let mut paths = Paths::new();
    for route in rows {
        paths.add_path_operation(
            route.documented_path(),
            vec![operation::http_method(route)],
            operation::operation(route, &mut components),
        );
    }
    let bearer = HttpBuilder::new()
        .scheme(HttpAuthScheme::Bearer)
        .bearer_format("JWT")
        .build();
    let components = ComponentsBuilder::new()
        .schemas_from_iter(components)
        .security_scheme("bearer", SecurityScheme::Http(bearer))
        .build();
    let tags = TAGS
        .iter()
        .filter(|(name, _)| rows.iter().any(|r| r.tag == *name))
        .map(|(name, description)| {
            TagBuilder::new()
                .name(*name)
                .description(Some(*description))
                .build()
        });
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("vici shop API")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(DESCRIPTION)),
        )
        .paths(paths)
        .components(Some(components))
        .tags(Some(tags))
        .build()
}

/// The whole API's document.
pub fn document() -> OpenApi {
    document_of(&crate::routes::table())
}

#[cfg(test)]
mod tests;
