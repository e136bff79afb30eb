//! The REST gateway: the only public entry of the shop. It serves the contract of
//! `api-contract.md` under `/api`, translating each call into gRPC calls on the services and
//! their answers into the contract's JSON envelopes.
//!
//! Follow a request: [`routes`] (which handler) → [`query`] (its parameters) → a gRPC client in
//! [`Clients`] → [`dto`] (rendering) → [`envelope`] / [`error`].
use std::ops::Deref;
use std::sync::Arc;

use axum::Router;
use axum::middleware::{from_fn, from_fn_with_state};
use tonic_health::pb::health_client::HealthClient;
use tower_http::compression::CompressionLayer;
use vici_kit::ServiceName;
use vici_kit::grpc::{self, Channel, LocalService};
use vici_kit::server::ServiceApp;
use vici_platform::{Platform, Service};
use vici_proto::auth::v1::auth_service_client::AuthServiceClient;
use vici_proto::cart::v1::cart_service_client::CartServiceClient;
use vici_proto::event::v1::event_service_client::EventServiceClient;
use vici_proto::inventory::v1::inventory_service_client::InventoryServiceClient;
use vici_proto::notification::v1::notification_service_client::NotificationServiceClient;
use vici_proto::order::v1::order_service_client::OrderServiceClient;
use vici_proto::payment::v1::payment_service_client::PaymentServiceClient;
use vici_proto::product::v1::product_service_client::ProductServiceClient;
use vici_proto::recommendation::v1::recommendation_service_client::RecommendationServiceClient;
use vici_proto::user::v1::user_service_client::UserServiceClient;

mod behaviour;
mod cache;
mod config;
mod console;
mod dto;
mod envelope;
mod error;
pub mod extract;
mod follow;
mod guard;
mod headers;
mod identity;
mod limits;
mod middleware;
mod openapi;
mod product_reads;
mod query;
mod routes;
mod shape;
mod upload;

pub use config::{GatewayConfig, Limit, RateLimits};
pub use error::{ApiError, ApiResult};

/// The gateway's entry in the table of services.
pub fn service() -> Service {
    Service::new(ServiceName::Gateway, |p| {
        Box::pin(async move { start(Deps::from_platform(&p)?).await })
    })
    .config::<GatewayConfig>()
}

/// What the gateway runs on.
pub struct Deps {
    pub config: GatewayConfig,
    pub clients: Clients,
    pub blob: vici_blob::SharedBlob,
    /// Shared by every replica: rate-limit counters and the token deny-list.
    pub cache: vici_cache::SharedCache,
    /// Where catalogue changes are announced (`product-events`), to keep the micro-cache fresh.
    pub bus: vici_bus::SharedBus,
    pub shutdown: vici_kit::server::Shutdown,
    /// Where shoppers reach the shop; an https one makes the console's cookies `Secure`.
    pub public_url: String,
}

/// gRPC clients of the services the gateway calls. Channels connect lazily (a service that is
/// not up yet does not stop the gateway) and fail within 500 ms when a service is down.
#[derive(Clone)]
pub struct Clients {
    pub product: ProductServiceClient<Channel>,
    pub auth: AuthServiceClient<Channel>,
    pub user: UserServiceClient<Channel>,
    pub inventory: InventoryServiceClient<Channel>,
    pub cart: CartServiceClient<Channel>,
    pub order: OrderServiceClient<Channel>,
    pub payment: PaymentServiceClient<Channel>,
    pub event: EventServiceClient<Channel>,
    pub recommendation: RecommendationServiceClient<Channel>,
    pub notification: NotificationServiceClient<Channel>,
    /// One health probe per downstream service (every service but the gateway), for `/health`.
    pub health: Vec<(ServiceName, HealthClient<Channel>)>,
    /// The product service when this process runs it too, for its hottest reads
    /// (`product_reads`).
    pub product_here: LocalService,
}

impl Deps {
    pub fn from_platform(p: &Platform) -> anyhow::Result<Self> {
        let config: GatewayConfig = p.section()?;
        let mut clients =
            Clients::connect_with(config.timeout, |s, t| p.channel_with_timeout(s, t))?;
        clients.product_here = p.local(ServiceName::Product);
        Ok(Self {
            config,
            clients,
            blob: p.blob.clone(),
            cache: p.cache.clone(),
            bus: p.bus.clone(),
            shutdown: p.shutdown.clone(),
            public_url: p.config.public_url.clone(),
        })
    }
}

impl Clients {
    /// Clients over the channels `channel_to(service, timeout)` makes; `timeout` bounds an API
    /// call (health probes have their own).
    pub fn connect_with(
        timeout: std::time::Duration,
        channel_to: impl Fn(ServiceName, std::time::Duration) -> anyhow::Result<Channel>,
    ) -> anyhow::Result<Self> {
        let channel = |s| channel_to(s, timeout);
        let product = ProductServiceClient::new(channel(ServiceName::Product)?)
            .max_decoding_message_size(grpc::MAX_MESSAGE_BYTES)
            .max_encoding_message_size(grpc::MAX_MESSAGE_BYTES);
        let auth = AuthServiceClient::new(channel(ServiceName::Auth)?);
        let user = UserServiceClient::new(channel(ServiceName::User)?)
            .max_encoding_message_size(grpc::MAX_MESSAGE_BYTES);
        let inventory = InventoryServiceClient::new(channel(ServiceName::Inventory)?);
        let cart = CartServiceClient::new(channel(ServiceName::Cart)?);
        let order = OrderServiceClient::new(channel(ServiceName::Order)?);
        let payment = PaymentServiceClient::new(channel(ServiceName::Payment)?);
        let event = EventServiceClient::new(channel(ServiceName::Event)?)
            .max_encoding_message_size(grpc::MAX_MESSAGE_BYTES);
        let recommendation =
            RecommendationServiceClient::new(channel(ServiceName::Recommendation)?);
        let notification = NotificationServiceClient::new(channel(ServiceName::Notification)?);
        let health = ServiceName::ALL
            .into_iter()
            .filter(|s| *s != ServiceName::Gateway)
            .map(|s| {
                Ok((
                    s,
                    HealthClient::new(channel_to(s, routes::ops::PROBE_TIMEOUT)?),
                ))
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(Self {
            product,
            auth,
            user,
            inventory,
            cart,
            order,
            payment,
            event,
            recommendation,
            notification,
            health,
            product_here: LocalService::default(),
        })
    }
}

struct Shared {
    deps: Deps,
    authenticator: identity::Authenticator,
    limiter: limits::RateLimiter,
    /// Public catalogue answers; admin writes through this gateway empty it.
    micro_cache: Option<cache::MicroCache>,
    /// Hands what the shop served to the event service.
    recorder: behaviour::Recorder,
}

/// Shared by every handler; cloning is a reference-count bump.
#[derive(Clone)]
pub(crate) struct AppState(Arc<Shared>);

impl AppState {
    /// The state, and the task that hands served behaviour to the event service.
    fn new(deps: Deps) -> (Self, tokio::task::JoinHandle<()>) {
        let authenticator =
            identity::Authenticator::new(deps.clients.auth.clone(), deps.cache.clone());
        let limiter = limits::RateLimiter::new(deps.cache.clone(), deps.config.rate_limits.clone());
        let ttl = deps.config.cache_ttl;
        let micro_cache = (!ttl.is_zero()).then(|| cache::MicroCache::new(ttl));
        let (recorder, recording) =
            behaviour::Recorder::start(deps.clients.event.clone(), deps.shutdown.clone());
        let state = Self(Arc::new(Shared {
            deps,
            authenticator,
            limiter,
            micro_cache,
            recorder,
        }));
        (state, recording)
    }

    /// gRPC clients take `&mut self`; a clone shares the channel.
    pub(crate) fn products(&self) -> ProductServiceClient<Channel> {
        self.clients.product.clone()
    }

    pub(crate) fn auth(&self) -> AuthServiceClient<Channel> {
        self.clients.auth.clone()
    }

    pub(crate) fn users(&self) -> UserServiceClient<Channel> {
        self.clients.user.clone()
    }

    pub(crate) fn notifications(&self) -> NotificationServiceClient<Channel> {
        self.clients.notification.clone()
    }

    pub(crate) fn inventory(&self) -> InventoryServiceClient<Channel> {
        self.clients.inventory.clone()
    }

    pub(crate) fn carts(&self) -> CartServiceClient<Channel> {
        self.clients.cart.clone()
    }

    pub(crate) fn orders(&self) -> OrderServiceClient<Channel> {
        self.clients.order.clone()
    }

    pub(crate) fn payments(&self) -> PaymentServiceClient<Channel> {
        self.clients.payment.clone()
    }

    pub(crate) fn events(&self) -> EventServiceClient<Channel> {
        self.clients.event.clone()
    }

    pub(crate) fn recommendations(&self) -> RecommendationServiceClient<Channel> {
        self.clients.recommendation.clone()
    }

    pub(crate) fn authenticator(&self) -> &identity::Authenticator {
        &self.0.authenticator
    }

    pub(crate) fn limiter(&self) -> &limits::RateLimiter {
        &self.0.limiter
    }

    pub(crate) fn recorder(&self) -> &behaviour::Recorder {
        &self.0.recorder
    }
}

impl Deref for AppState {
    type Target = Deps;
    fn deref(&self) -> &Deps {
        &self.0.deps
    }
}

/// The whole REST app, with its layers (outermost first): request context, access log, CORS,
/// gzip, security headers, request deadline, then under `/api` the guard; each route's own layers (access, body
/// limit, micro-cache) come from its row of the route table.
pub fn router(deps: Deps) -> Router {
    app(AppState::new(deps).0)
}

fn app(state: AppState) -> Router {
    let config = state.config.clone();
    let routes::Built {
        api,
        root,
        streamed,
        ..
    } = routes::build(
        routes::table(),
        config.body_limit_bytes,
        state.0.micro_cache.as_ref(),
    );
    let api = api
        .layer(from_fn_with_state(state.clone(), behaviour::record_served))
        .layer(from_fn_with_state(state.clone(), guard::guard));
    // The console acts through the API itself, in process.
    let internal = Router::new()
        .nest("/api", api.clone())
        .with_state(state.clone());
    let secure = state.public_url.starts_with("https://");
    let sessions = console::Sessions::new(state.cache.clone(), secure);
    Router::new()
        .nest("/api", api)
        .nest_service("/admin", console::router(internal, sessions))
        .merge(root)
        .fallback(middleware::not_found)
        .method_not_allowed_fallback(middleware::method_not_allowed)
        .with_state(state)
        .layer(from_fn_with_state(
            middleware::Deadline::new(config.timeout, streamed),
            middleware::deadline,
        ))
        .layer(from_fn_with_state(
            headers::hsts(config.hsts_max_age_secs),
            headers::security_headers,
        ))
        .layer(CompressionLayer::new().gzip(true))
        .layer(middleware::cors(&config))
        .layer(from_fn(middleware::access_log))
        .layer(from_fn(middleware::ensure_request_context))
}

/// The REST app, ready once the shared cache (rate limits, the token deny-list) answers; its
/// micro-cache follows the catalogue changes announced on the bus.
pub async fn start(deps: Deps) -> anyhow::Result<ServiceApp> {
    let cache = Arc::new(vici_cache::CacheReady(deps.cache.clone()));
    let (state, recording) = AppState::new(deps);
    let follower =
        state.0.micro_cache.clone().map(|micro_cache| {
            follow::spawn(state.bus.clone(), micro_cache, state.shutdown.clone())
        });
    let app = ServiceApp::http(ServiceName::Gateway, app(state))
        .with_check(cache)
        .with_task(recording);
    Ok(match follower {
        Some(task) => app.with_task(task),
        None => app,
    })
}
