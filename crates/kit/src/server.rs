//! The server every service runs on one port: its gRPC API and `/health`, `/ready`, `/metrics`
//! over HTTP, with request context and metrics layers, and a graceful drain on shutdown.
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use tokio_util::sync::CancellationToken;

use crate::ServiceName;

/// A dependency whose health decides readiness (a database, the broker, the cache).
#[async_trait::async_trait]
pub trait ReadyCheck: Send + Sync {
    fn name(&self) -> &'static str;
    async fn check(&self) -> anyhow::Result<()>;
}

/// How long a service may drain in-flight requests after a shutdown signal.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(8);

/// What a service crate hands to the runner: its routes, readiness checks and background tasks.
pub struct ServiceApp {
    pub name: ServiceName,
    router: Router,
    checks: Vec<Arc<dyn ReadyCheck>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    own_health: bool,
    /// `/metrics` is served on an address of its own ([`serve_metrics`]), not here.
    metrics_elsewhere: bool,
    /// The API object callers in this process may call directly (see
    /// [`crate::grpc::LocalService`]).
    typed: Option<crate::grpc::TypedApi>,
}

impl ServiceApp {
    /// A gRPC service (plus the standard gRPC health service).
    pub fn grpc(name: ServiceName, routes: tonic::service::Routes) -> Self {
        let (reporter, health) = tonic_health::server::health_reporter();
        drop(reporter); // The default status of the health service is SERVING.
        let router = routes.add_service(health).into_axum_router();
        Self {
            name,
            router,
            checks: Vec::new(),
            tasks: Vec::new(),
            own_health: false,
            metrics_elsewhere: false,
            typed: None,
        }
    }

    /// An HTTP application (the gateway) that answers `/health` itself.
    pub fn http(name: ServiceName, router: Router) -> Self {
        Self {
            name,
            router,
            checks: Vec::new(),
            tasks: Vec::new(),
            own_health: true,
            metrics_elsewhere: false,
            typed: None,
        }
    }

    /// Offers `api` (the service's tonic trait as an `Arc<dyn …>`) to callers in this process,
    /// who find it by that type ([`crate::grpc::LocalService::typed`]).
    pub fn with_typed_api<T: Send + Sync + 'static>(mut self, api: T) -> Self {
        self.typed = Some(Arc::new(api));
        self
    }

    pub fn typed_api(&self) -> Option<crate::grpc::TypedApi> {
        self.typed.clone()
    }

    pub fn with_check(mut self, check: Arc<dyn ReadyCheck>) -> Self {
        self.checks.push(check);
        self
    }

    /// Leaves `/metrics` off this port: the process serves it with [`serve_metrics`].
    pub fn metrics_elsewhere(mut self) -> Self {
        self.metrics_elsewhere = true;
        self
    }

    /// A background task (outbox relay, consumer, sweeper) that stops when `shutdown` fires.
    pub fn with_task(mut self, task: tokio::task::JoinHandle<()>) -> Self {
        self.tasks.push(task);
        self
    }

    fn into_router(self) -> (Router, Vec<tokio::task::JoinHandle<()>>) {
        let checks = Arc::new(self.checks);
        let mut ops = Router::new().route("/ready", get(move || ready(checks.clone())));
        if !self.metrics_elsewhere {
            ops = ops.merge(metrics_routes());
        }
        let mut api = self.router;
        if !self.own_health {
            ops = ops.route(
                "/health",
                get(|| async { axum::Json(serde_json::json!({"status": "up"})) }),
            );
            // A gRPC port answers the shop's services only (see `service_auth`).
            api = api.layer(axum::middleware::from_fn(
                crate::service_auth::require_credential,
            ));
        }
        (layered(self.name, api.merge(ops)), self.tasks)
    }

    /// The service's API as callers in this process reach it (see [`crate::grpc::LocalService`]):
    /// the same routes and layers as over the network, without the operational endpoints.
    pub fn local_routes(&self) -> Router {
        layered(self.name, self.router.clone())
    }
}

fn metrics_routes() -> Router {
    Router::new().route("/metrics", get(|| async { crate::metrics::render() }))
}

/// Serves the process's `/metrics` alone on `listener` until `shutdown` fires (with
/// `server.metrics_address`, for a port only the metrics scraper reaches).
pub async fn serve_metrics(
    listener: tokio::net::TcpListener,
    limits: crate::connections::Limits,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    tracing::info!(addr = %listener.local_addr()?, "serving /metrics");
    crate::connections::serve(listener, metrics_routes(), limits, shutdown).await;
    Ok(())
}

/// `router` with the request context and metrics every request gets.
fn layered(name: ServiceName, router: Router) -> Router {
    router
        .layer(axum::middleware::from_fn_with_state(
            name,
            crate::metrics::track,
        ))
        .layer(axum::middleware::from_fn(crate::context::request_context))
}

async fn ready(checks: Arc<Vec<Arc<dyn ReadyCheck>>>) -> impl IntoResponse {
    let results = futures::future::join_all(checks.iter().map(|c| async move {
        let outcome = tokio::time::timeout(Duration::from_secs(2), c.check()).await;
        let problem = match outcome {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(format!("{e:#}")),
            Err(_) => Some("timed out after 2s".to_string()),
        };
        (c.name(), problem)
    }))
    .await;
    let all_ok = results.iter().all(|(_, p)| p.is_none());
    let body: serde_json::Map<String, serde_json::Value> = results
        .into_iter()
        .map(|(n, p)| {
            (
                n.to_string(),
                p.map_or("up".into(), |e| format!("down: {e}")).into(),
            )
        })
        .collect();
    let status = if all_ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        axum::Json(serde_json::json!({"ready": all_ok, "checks": body})),
    )
}

/// Binds `addr`, failing with a message that names the service when the port is taken.
pub async fn bind(name: ServiceName, addr: SocketAddr) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("{name}: cannot listen on {addr}: {e}"))
}

/// Serves `app` within `limits` until `shutdown` fires, then drains in-flight requests (bounded
/// by [`DRAIN_TIMEOUT`]) and waits for its background tasks.
pub async fn serve(
    app: ServiceApp,
    listener: tokio::net::TcpListener,
    limits: crate::connections::Limits,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let name = app.name;
    let (router, tasks) = app.into_router();
    let addr = listener.local_addr()?;
    tracing::info!(service = %name, %addr, "listening");
    let server = tokio::spawn(crate::connections::serve(
        listener,
        router,
        limits,
        shutdown.clone(),
    ));
    shutdown.cancelled().await;
    if tokio::time::timeout(DRAIN_TIMEOUT, server).await.is_err() {
        tracing::warn!(service = %name, "drain timed out; dropping remaining connections");
    }
    for task in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(1), task).await;
    }
    tracing::info!(service = %name, "stopped");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
pub fn shutdown_signal() -> impl std::future::Future<Output = ()> + Send {
    // Registered now, not when first polled: a SIGTERM that arrives while services are still
    // starting must wait for the drain instead of killing the process with the default action.
    #[cfg(unix)]
    let (mut term, mut int) = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::terminate()).ok(),
            signal(SignalKind::interrupt()).ok(),
        )
    };
    async move {
        #[cfg(unix)]
        {
            let term = async {
                match term.as_mut() {
                    Some(s) => s.recv().await,
                    None => std::future::pending().await,
                }
            };
            let int = async {
                match int.as_mut() {
                    Some(s) => s.recv().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! { _ = term => {}, _ = int => {} }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

pub use tokio_util::sync::CancellationToken as Shutdown;
