//! One row of the route table as an OpenAPI operation: its parameters, request body, success
//! answer in the contract's envelope, and the refusals every route of its kind can give.
use utoipa::openapi::path::{
    HttpMethod, Operation, OperationBuilder, ParameterBuilder, ParameterIn,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{
    ContentBuilder, HeaderBuilder, RefOr, Required, ResponseBuilder, ResponsesBuilder,
};

use crate::envelope::Pagination;
use crate::routes::table::{Access, Body, Components, Reply, Route, schema_of};

pub fn http_method(route: &Route) -> HttpMethod {
    match route.method.as_str() {
        "POST" => HttpMethod::Post,
        "PUT" => HttpMethod::Put,
        "DELETE" => HttpMethod::Delete,
        "PATCH" => HttpMethod::Patch,
        _ => HttpMethod::Get,
    }
}

pub fn operation(route: &Route, components: &mut Components) -> Operation {
    let mut op = OperationBuilder::new()
        .tag(route.tag)
        .operation_id(Some(route.operation_id))
        .summary(Some(route.summary))
        .description(route.description.map(str::to_string));
    for name in route.path_params() {
        op = op.parameter(path_parameter(name));
    }
    for header in &route.headers {
        op = op.parameter(
            ParameterBuilder::new()
                .name(header.name)
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some(header.description))
                .schema(Some(ObjectBuilder::new().schema_type(Type::String))),
        );
    }
    for parameter in &route.query {
        op = op.parameter(parameter.clone());
    }
    if route.access != Access::Public {
        op = op.security(SecurityRequirement::new("bearer", Vec::<String>::new()));
    }
    op.request_body(request_body(route.body, components))
        .responses(responses(route, components))
        .build()
}

/// Ids are UUIDs; slugs, `idOrSlug` and media keys are free text.
fn path_parameter(name: &str) -> utoipa::openapi::path::Parameter {
    let mut schema = ObjectBuilder::new().schema_type(Type::String);
    if name == "id" || name.ends_with("Id") {
        schema = schema.format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
            utoipa::openapi::KnownFormat::Uuid,
        )));
    }
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .schema(Some(schema))
        .build()
}

fn request_body(
    body: Body,
    components: &mut Components,
) -> Option<utoipa::openapi::request_body::RequestBody> {
    let (media, schema, required) = match body {
        Body::None => return None,
        Body::Stream { line, batch } => {
            return Some(
                RequestBodyBuilder::new()
                    .required(Some(Required::True))
                    .content(
                        "application/x-ndjson",
                        ContentBuilder::new().schema(Some(line(components))).build(),
                    )
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(batch(components)))
                            .build(),
                    )
                    .build(),
            );
        }
        Body::Json(of) => ("application/json", of(components), true),
        Body::OptionalJson(of) => ("application/json", of(components), false),
        Body::Raw(of) => ("application/json", of(components), true),
        Body::Form(of) => ("application/x-www-form-urlencoded", of(components), true),
        Body::Upload => ("multipart/form-data", upload_schema(), true),
    };
    let required = if required {
        Required::True
    } else {
        Required::False
    };
    Some(
        RequestBodyBuilder::new()
            .required(Some(required))
            .content(media, ContentBuilder::new().schema(Some(schema)).build())
            .build(),
    )
}

fn upload_schema() -> RefOr<Schema> {
    let file = ObjectBuilder::new()
        .schema_type(Type::String)
        .content_media_type("application/octet-stream")
        .description(Some("The file (JPEG, PNG or WebP)"));
    ObjectBuilder::new()
        .property("file", file)
        .required("file")
        .into()
}

/// `{success, data, message?}` or, for lists, `{success, data, pagination}`.
fn envelope(data: RefOr<Schema>, pagination: Option<RefOr<Schema>>) -> RefOr<Schema> {
    let mut object = ObjectBuilder::new()
        .property("success", ObjectBuilder::new().schema_type(Type::Boolean))
        .required("success")
        .property("data", data)
        .required("data");
    object = match pagination {
        Some(p) => object.property("pagination", p).required("pagination"),
        None => object.property("message", ObjectBuilder::new().schema_type(Type::String)),
    };
    object.into()
}

fn array(of: RefOr<Schema>) -> RefOr<Schema> {
    ArrayBuilder::new().items(of).into()
}

fn success(route: &Route, components: &mut Components) -> ResponseBuilder {
    let mut response = ResponseBuilder::new().description("Success");
    let Some(reply) = route.reply else {
        return response;
    };
    let json = |schema| ContentBuilder::new().schema(Some(schema)).build();
    let (schema, total) = match reply {
        Reply::Data(of) => (envelope(of(components), None), false),
        Reply::Items(of) => (envelope(array(of(components)), None), false),
        Reply::Page(of) => {
            let data = array(of(components));
            let pagination = schema_of::<Pagination>(components);
            (envelope(data, Some(pagination)), true)
        }
        Reply::PageOf(of) => {
            let data = of(components);
            let pagination = schema_of::<Pagination>(components);
            (envelope(data, Some(pagination)), true)
        }
        Reply::Done => {
            let null = ObjectBuilder::new().schema_type(Type::Null);
            (envelope(null.into(), None), false)
        }
        Reply::Bare { schema, total } => (schema(components), total),
        Reply::Content(media) => {
            let schema = if media == "application/json" {
                ObjectBuilder::new().schema_type(Type::Object)
            } else {
                ObjectBuilder::new().schema_type(Type::String)
            };
            return response.content(media, json(schema.into()));
        }
    };
    response = response.content("application/json", json(schema));
    if total {
        let count = HeaderBuilder::new()
            .schema(ObjectBuilder::new().schema_type(Type::Integer))
            .description(Some("How many items match, over every page"))
            .build();
        response = response.header("X-Total-Count", count);
    }
    response
}

/// The refusals a route can give because of what it is: bad input, who may call it, an id in
/// its path, the rate budgets, a service that is down; then its own.
fn responses(route: &Route, components: &mut Components) -> utoipa::openapi::Responses {
    let mut refusals: Vec<(u16, String)> = Vec::new();
    let takes_input = !matches!(route.body, Body::None) || !route.query.is_empty();
    if takes_input {
        refusals.push((
            400,
            "Malformed or invalid input; `details` names the fields".into(),
        ));
    }
    if route.access != Access::Public {
        refusals.push((401, "No valid access token".into()));
    }
    if route.access == Access::Admin {
        refusals.push((403, "The caller is not an administrator".into()));
    }
    if route.path_params().next().is_some() {
        refusals.push((404, "Nothing of that id".into()));
    }
    if !matches!(route.body, Body::None) {
        refusals.push((413, "The body is over the limit".into()));
    }
    if !route.outside_api {
        let budget = route.budget.map_or(String::new(), |b| {
            format!(", or over this route's own `{b}` budget (gateway.rate_limits)")
        });
        refusals.push((
            429,
            format!("Over the per-address or per-user budget{budget}; see `Retry-After`"),
        ));
        refusals.push((503, "A service this route needs is unavailable".into()));
    }
    refusals.extend(route.errors.iter().map(|(s, why)| (*s, why.to_string())));
    let error = schema_of::<crate::error::ErrorBody>(components);
    let mut responses =
        ResponsesBuilder::new().response(route.status.to_string(), success(route, components));
    for (status, why) in refusals {
        let content = ContentBuilder::new().schema(Some(error.clone())).build();
        let response = ResponseBuilder::new()
            .description(why)
            .content("application/json", content);
        responses = responses.response(status.to_string(), response);
    }
    responses.build()
}
