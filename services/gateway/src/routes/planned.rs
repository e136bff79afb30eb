//! Planned routes: routes of the contract that later issues implement, declared as table rows
//! (in [`super::pending`] and [`super::admin`]). Each row is registered now with the access level
//! it will have, so the storefront gets the contract's answers instead of 404s: a private route
//! answers 401 without a valid token (the extractor runs first), and a route past its access
//! check answers 501 NOT_IMPLEMENTED. Each row also documents itself in the OpenAPI description.
use axum::Router;
use axum::extract::{FromRequest, Request};
use axum::http::{Method, header};
use axum::routing::{MethodFilter, MethodRouter, on};
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{OpenApi, Ref, RefOr, Required, ResponseBuilder, ResponsesBuilder, Type};

use crate::AppState;
use crate::error::ApiError;
use crate::extract::{AdminUser, AuthUser, MaybeAuthUser, OptionalJson};

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Public,
    User,
    Admin,
}

#[derive(Clone, Copy)]
pub enum Verb {
    Get,
    Post,
    Put,
    Delete,
}

/// One planned route: what it will do, who may call it, and its success status.
pub struct Planned {
    pub verb: Verb,
    /// Relative to `/api`, in axum syntax (`/orders/{id}`).
    pub path: &'static str,
    pub access: Access,
    pub summary: &'static str,
    pub status: u16,
    /// Multipart uploads get the larger body limit.
    pub upload: bool,
    /// Implemented elsewhere: the row only documents the route.
    pub live: bool,
}

impl Planned {
    /// Marks a row whose route is implemented (by its own handler): documented, not stubbed.
    pub const fn live(mut self) -> Self {
        self.live = true;
        self
    }
}

/// Routes of one feature, sharing a tag in the document and the "… is not available yet" text.
pub struct Group {
    pub tag: &'static str,
    pub feature: &'static str,
    pub routes: &'static [Planned],
}

/// A row answering `status` when implemented.
pub const fn row(
    verb: Verb,
    path: &'static str,
    access: Access,
    status: u16,
    summary: &'static str,
) -> Planned {
    Planned {
        verb,
        path,
        access,
        summary,
        status,
        upload: false,
        live: false,
    }
}

/// A multipart upload row (POST), which gets the larger upload body limit.
pub const fn upload(path: &'static str, access: Access, summary: &'static str) -> Planned {
    Planned {
        verb: Verb::Post,
        path,
        access,
        summary,
        status: 200,
        upload: true,
        live: false,
    }
}

impl Verb {
    fn filter(self) -> MethodFilter {
        match self {
            Verb::Get => MethodFilter::GET,
            Verb::Post => MethodFilter::POST,
            Verb::Put => MethodFilter::PUT,
            Verb::Delete => MethodFilter::DELETE,
        }
    }

    fn http(self) -> HttpMethod {
        match self {
            Verb::Get => HttpMethod::Get,
            Verb::Post => HttpMethod::Post,
            Verb::Put => HttpMethod::Put,
            Verb::Delete => HttpMethod::Delete,
        }
    }
}

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

/// The access check runs first (an extractor), then the body check, then the 501; the identity
/// issue swaps the extractors' bodies, not these routes.
fn handler(route: &Planned, feature: &'static str) -> MethodRouter<AppState> {
    let filter = route.verb.filter();
    let unavailable = move || async move { ApiError::not_implemented(feature) };
    match route.access {
        Access::Public => on(filter, move |_: MaybeAuthUser, _: PlannedBody| {
            unavailable()
        }),
        Access::User => on(filter, move |_: AuthUser, _: PlannedBody| unavailable()),
        Access::Admin => on(filter, move |_: AdminUser, _: PlannedBody| unavailable()),
    }
}

/// The routes of `groups` that are uploads (`uploads`) or not.
pub fn routes_of(groups: &'static [Group], uploads: bool) -> Router<AppState> {
    groups
        .iter()
        .flat_map(|g| g.routes.iter().map(move |route| (g.feature, route)))
        .filter(|(_, route)| route.upload == uploads && !route.live)
        .fold(Router::new(), |router, (feature, route)| {
            router.route(route.path, handler(route, feature))
        })
}

fn error_response(description: &str) -> RefOr<utoipa::openapi::Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            utoipa::openapi::ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .build()
        .into()
}

/// Adds every route of `groups` to the document; planned ones are marked as not available yet.
pub fn document(doc: &mut OpenApi, groups: &[Group]) {
    for group in groups {
        let all_live = group.routes.iter().all(|r| r.live);
        let description = if all_live {
            group.feature.to_string()
        } else {
            format!("{} (not all available yet)", group.feature)
        };
        let tag = TagBuilder::new()
            .name(group.tag)
            .description(Some(description))
            .build();
        doc.tags.get_or_insert_with(Vec::new).push(tag);
        for route in group.routes {
            let success = ResponseBuilder::new()
                .description(if route.live {
                    "Success (shapes in the contract, api-contract.md)"
                } else {
                    "Once implemented (see the contract)"
                })
                .build();
            let mut responses = ResponsesBuilder::new()
                .response(route.status.to_string(), success)
                .response("400", error_response("Malformed or invalid input"));
            let mut op = OperationBuilder::new()
                .tag(group.tag)
                .summary(Some(route.summary));
            if !route.live {
                responses = responses.response("501", error_response("Not available yet"));
                op = op.description(Some(format!(
                    "{} is not available yet: this route answers 501.",
                    group.feature
                )));
            }
            if route.access != Access::Public {
                responses = responses.response("401", error_response("No valid access token"));
                op = op.security(SecurityRequirement::new("bearer", Vec::<String>::new()));
            }
            if route.access == Access::Admin {
                responses =
                    responses.response("403", error_response("The caller is not an administrator"));
            }
            for name in path_params(route.path) {
                op = op.parameter(
                    ParameterBuilder::new()
                        .name(name)
                        .parameter_in(ParameterIn::Path)
                        .required(Required::True)
                        .schema(Some(
                            utoipa::openapi::ObjectBuilder::new().schema_type(Type::String),
                        )),
                );
            }
            doc.paths.add_path_operation(
                format!("/api{}", route.path),
                vec![route.verb.http()],
                op.responses(responses.build()),
            );
        }
    }
}

/// `{id}`-style segments of a route path.
fn path_params(path: &str) -> impl Iterator<Item = &str> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
}
