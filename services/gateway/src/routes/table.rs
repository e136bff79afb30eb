//! The route table: one declaration per REST route — method, path, who may call it, its handler
//! (or the feature it waits for), and its documentation. The router ([`super::api`]) and the
//! OpenAPI document ([`crate::openapi`]) are both built from these rows, so a route cannot be
//! served without being documented, nor documented without being served.
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{MethodFilter, MethodRouter, on};
use utoipa::openapi::path::{Parameter, ParameterIn};
use utoipa::openapi::schema::Schema;
use utoipa::openapi::{Ref, RefOr};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
pub use crate::extract::Access;

/// Schemas a document collects while it describes routes, by component name.
pub type Components = Vec<(String, RefOr<Schema>)>;

/// Describes one type: adds its schema (and those it refers to) to the components and answers a
/// reference to it.
pub type SchemaOf = fn(&mut Components) -> RefOr<Schema>;

/// The [`SchemaOf`] of `T`.
pub fn schema_of<T: ToSchema>(components: &mut Components) -> RefOr<Schema> {
    let name = T::name().into_owned();
    T::schemas(components);
    components.push((name.clone(), T::schema()));
    Ref::from_schema_name(name).into()
}

/// What a route reads from the request body.
#[derive(Clone, Copy)]
pub enum Body {
    None,
    /// A JSON object, required.
    Json(SchemaOf),
    /// A JSON object that may be left out (the client sends some POSTs and DELETEs bare).
    OptionalJson(SchemaOf),
    /// A `multipart/form-data` file upload (field `file`), under the larger upload limit.
    Upload,
    /// An HTML form's fields (`application/x-www-form-urlencoded`), as a page posts them.
    Form(SchemaOf),
    /// Bytes read as they are (a signed webhook), documented with their JSON shape.
    Raw(SchemaOf),
    /// NDJSON read as it arrives, without a limit on the whole (one `line` per line), or one
    /// JSON `batch` under the upload limit; no request deadline, each call it makes is bounded.
    Stream {
        line: SchemaOf,
        batch: SchemaOf,
    },
}

/// The success answer's shape.
#[derive(Clone, Copy)]
pub enum Reply {
    /// `{success, data: T, message?}`.
    Data(SchemaOf),
    /// `{success, data: T[]}`.
    Items(SchemaOf),
    /// `{success, data: T[], pagination}` with `X-Total-Count`.
    Page(SchemaOf),
    /// `{success, data: T, pagination}` with `X-Total-Count` (a search result).
    PageOf(SchemaOf),
    /// `{success, data: null, message}`.
    Done,
    /// `T` itself, not enveloped; `total` when it carries `X-Total-Count`.
    Bare { schema: SchemaOf, total: bool },
    /// A non-JSON answer of this media type.
    Content(&'static str),
}

/// The media type of a Server-Sent Events answer: it lasts as long as the client listens.
pub const EVENT_STREAM: &str = "text/event-stream";

/// A request header the route reads, for the document.
#[derive(Clone, Copy)]
pub struct HeaderDoc {
    pub name: &'static str,
    pub description: &'static str,
}

pub const IDEMPOTENCY_KEY: HeaderDoc = HeaderDoc {
    name: "Idempotency-Key",
    description: "Optional. The same key with the same body replays the first answer for 24 h; \
        with another body it is a 409.",
};
pub const STRIPE_SIGNATURE: HeaderDoc = HeaderDoc {
    name: "Stripe-Signature",
    description: "Required: the provider's signature over the raw body.",
};
pub const SESSION_ID: HeaderDoc = HeaderDoc {
    name: "X-Session-Id",
    description: "The anonymous visitor's session, to personalise without a token.",
};

/// One REST route.
pub struct Route {
    pub method: Method,
    /// Relative to `/api` (or to `/` when [`Route::outside_api`]), in axum syntax:
    /// `/products/{id}`, `/media/{*key}`.
    pub path: &'static str,
    pub access: Access,
    /// Its handler.
    pub serve: Box<MethodRouter<AppState>>,
    pub tag: &'static str,
    pub operation_id: &'static str,
    pub summary: &'static str,
    pub description: Option<&'static str>,
    pub status: u16,
    pub body: Body,
    pub reply: Option<Reply>,
    pub query: Vec<Parameter>,
    pub headers: Vec<HeaderDoc>,
    /// Route-specific refusals beyond the ones every route of its kind has.
    pub errors: Vec<(u16, &'static str)>,
    /// Answers the gateway's micro-cache may share between (non-admin) callers.
    pub cached: bool,
    /// A write that can change what cached answers show (stock, prices, ratings): this
    /// replica's micro-cache is emptied after it answers, so its next read is fresh.
    pub refreshes: bool,
    /// A budget of its own (`login`, ...), spent by the handler; documented as a 429.
    pub budget: Option<&'static str>,
    pub outside_api: bool,
}

impl Route {
    fn new(
        method: Method,
        access: Access,
        path: &'static str,
        serve: Box<MethodRouter<AppState>>,
    ) -> Self {
        Self {
            method,
            path,
            access,
            serve,
            tag: "",
            operation_id: "",
            summary: "",
            description: None,
            status: 200,
            body: Body::None,
            reply: None,
            query: Vec::new(),
            headers: Vec::new(),
            errors: Vec::new(),
            cached: false,
            refreshes: false,
            budget: None,
            outside_api: false,
        }
    }

    fn handled<H, T>(method: Method, access: Access, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let filter = MethodFilter::try_from(method.clone()).expect("a routable method");
        Self::new(method, access, path, Box::new(on(filter, handler)))
    }

    pub fn get<H: Handler<T, AppState>, T: 'static>(a: Access, path: &'static str, h: H) -> Self {
        Self::handled(Method::GET, a, path, h)
    }

    pub fn post<H: Handler<T, AppState>, T: 'static>(a: Access, path: &'static str, h: H) -> Self {
        Self::handled(Method::POST, a, path, h)
    }

    pub fn put<H: Handler<T, AppState>, T: 'static>(a: Access, path: &'static str, h: H) -> Self {
        Self::handled(Method::PUT, a, path, h)
    }

    pub fn delete<H: Handler<T, AppState>, T: 'static>(
        a: Access,
        path: &'static str,
        h: H,
    ) -> Self {
        Self::handled(Method::DELETE, a, path, h)
    }

    /// Its tag, unique operation id and one-line summary.
    pub fn doc(
        mut self,
        tag: &'static str,
        operation_id: &'static str,
        summary: &'static str,
    ) -> Self {
        self.tag = tag;
        self.operation_id = operation_id;
        self.summary = summary;
        self
    }

    pub fn describe(mut self, description: &'static str) -> Self {
        self.description = Some(description);
        self
    }

    /// 201 on success.
    pub fn created(mut self) -> Self {
        self.status = 201;
        self
    }

    /// 202 on success.
    pub fn accepted(mut self) -> Self {
        self.status = 202;
        self
    }

    pub fn json<T: ToSchema>(mut self) -> Self {
        self.body = Body::Json(schema_of::<T>);
        self
    }

    pub fn optional_json<T: ToSchema>(mut self) -> Self {
        self.body = Body::OptionalJson(schema_of::<T>);
        self
    }

    pub fn upload(mut self) -> Self {
        self.body = Body::Upload;
        self
    }

    pub fn stream<Line: ToSchema, Batch: ToSchema>(mut self) -> Self {
        self.body = Body::Stream {
            line: schema_of::<Line>,
            batch: schema_of::<Batch>,
        };
        self
    }

    pub fn form<T: ToSchema>(mut self) -> Self {
        self.body = Body::Form(schema_of::<T>);
        self
    }

    pub fn raw<T: ToSchema>(mut self) -> Self {
        self.body = Body::Raw(schema_of::<T>);
        self
    }

    pub fn data<T: ToSchema>(self) -> Self {
        self.reply(Reply::Data(schema_of::<T>))
    }

    pub fn items<T: ToSchema>(self) -> Self {
        self.reply(Reply::Items(schema_of::<T>))
    }

    pub fn page<T: ToSchema>(self) -> Self {
        self.reply(Reply::Page(schema_of::<T>))
    }

    pub fn page_of<T: ToSchema>(self) -> Self {
        self.reply(Reply::PageOf(schema_of::<T>))
    }

    pub fn done(self) -> Self {
        self.reply(Reply::Done)
    }

    pub fn bare<T: ToSchema>(self) -> Self {
        self.reply(Reply::Bare {
            schema: schema_of::<T>,
            total: false,
        })
    }

    /// Not enveloped, with `X-Total-Count` (a list with siblings of its own).
    pub fn bare_page<T: ToSchema>(self) -> Self {
        self.reply(Reply::Bare {
            schema: schema_of::<T>,
            total: true,
        })
    }

    pub fn content(self, media_type: &'static str) -> Self {
        self.reply(Reply::Content(media_type))
    }

    fn reply(mut self, reply: Reply) -> Self {
        self.reply = Some(reply);
        self
    }

    /// Query parameters, documented by `P`; the handler parses them with [`crate::query`].
    pub fn query<P: IntoParams>(mut self) -> Self {
        self.query
            .extend(P::into_params(|| Some(ParameterIn::Query)));
        self
    }

    pub fn header(mut self, header: HeaderDoc) -> Self {
        self.headers.push(header);
        self
    }

    pub fn error(mut self, status: u16, why: &'static str) -> Self {
        self.errors.push((status, why));
        self
    }

    pub fn cached(mut self) -> Self {
        self.cached = true;
        self
    }

    pub fn refreshes(mut self) -> Self {
        self.refreshes = true;
        self
    }

    pub fn budget(mut self, name: &'static str) -> Self {
        self.budget = Some(name);
        self
    }

    /// Served at the root instead of under `/api` (the load balancer's `/health`).
    pub fn outside_api(mut self) -> Self {
        self.outside_api = true;
        self
    }

    /// Whether the body limit of uploads applies rather than the JSON one.
    pub fn is_upload(&self) -> bool {
        matches!(self.body, Body::Upload)
    }

    /// Whether the body is streamed: no limit on the whole, no deadline on the request.
    pub fn is_streamed(&self) -> bool {
        matches!(self.body, Body::Stream { .. })
    }

    /// Whether the exchange lasts as long as the client wants (a streamed body, or an answer
    /// of Server-Sent Events): no request deadline.
    pub fn is_long_lived(&self) -> bool {
        self.is_streamed() || matches!(self.reply, Some(Reply::Content(EVENT_STREAM)))
    }

    /// The full path as served and documented, e.g. `/api/media/{key}` for `/media/{*key}`.
    pub fn documented_path(&self) -> String {
        let prefix = if self.outside_api { "" } else { "/api" };
        format!("{prefix}{}", self.path.replace("{*", "{"))
    }

    /// Names of the path's `{…}` segments.
    pub fn path_params(&self) -> impl Iterator<Item = &'static str> {
        self.path.split('/').filter_map(|s| {
            let name = s.strip_prefix('{')?.strip_suffix('}')?;
            Some(name.trim_start_matches('*'))
        })
    }
}
