//! gRPC clients between services: lazily connected channels with short connect timeouts (a peer
//! that is down fails fast instead of hanging) that forward the current request id and carry the
//! process's service credential, and that
//! call a peer running in the same process directly, without the network.
use std::any::Any;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

use futures::future::BoxFuture;
use tonic::service::Interceptor;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Endpoint;
use tower::{BoxError, Service, ServiceExt as _};

use crate::context::{REQUEST_ID_HEADER, current_request_id};
use crate::service_auth;

/// Copies the task's request id into outgoing metadata, with this process's service credential.
#[derive(Clone, Copy, Default)]
pub struct PropagateContext;

impl Interceptor for PropagateContext {
    fn call(&mut self, mut req: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
        if let Some(id) = current_request_id()
            && let Ok(v) = id.parse()
        {
            req.metadata_mut().insert(REQUEST_ID_HEADER, v);
        }
        let credential = service_auth::keyring().credential(crate::unix_now());
        if let Ok(v) = credential.parse() {
            req.metadata_mut()
                .insert(service_auth::CREDENTIAL_METADATA, v);
        }
        Ok(req)
    }
}

pub type Channel = InterceptedService<Link, PropagateContext>;

/// A service's API object as a caller of its process may hold it: its tonic service trait as
/// an `Arc<dyn …>`, itself held as [`Any`].
pub type TypedApi = Arc<dyn Any + Send + Sync>;

/// A service of this process, callable in place once it has started. Filled by the runner with
/// the service's routes (and their request-context and metrics layers, as over the network),
/// and with its API object when it offers one, for the hottest calls, which skip the routes
/// too: no protobuf encoding either way, no layers (the caller's request id is the task's
/// already), and no server-side metrics of their own.
#[derive(Clone, Default)]
pub struct LocalService {
    routes: Arc<OnceLock<axum::Router>>,
    typed: Arc<OnceLock<TypedApi>>,
}

impl std::fmt::Debug for LocalService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalService")
            .field("started", &self.routes.get().is_some())
            .field("typed", &self.typed.get().is_some())
            .finish()
    }
}

impl LocalService {
    /// Makes `routes` the target of every channel made with this handle, and `typed` (when
    /// given) what [`LocalService::typed`] answers; the first call wins.
    pub fn start(&self, routes: axum::Router, typed: Option<TypedApi>) {
        let _ = self.routes.set(routes);
        if let Some(api) = typed {
            let _ = self.typed.set(api);
        }
    }

    /// The started service's API object as `T` (e.g. `Arc<dyn InventoryService>`); `None`
    /// before it started, when it runs elsewhere, or when it offers none of that type.
    pub fn typed<T: Clone + 'static>(&self) -> Option<T> {
        self.typed.get()?.downcast_ref::<T>().cloned()
    }
}

/// Where a channel's calls go: into the peer's routes when it runs in this process and has
/// started — skipping HTTP/2 framing, sockets and the tasks that drive them, which cost more
/// than most calls' own work — otherwise over the network.
#[derive(Clone, Debug)]
pub struct Link {
    remote: tonic::transport::Channel,
    local: Option<LocalService>,
    timeout: Duration,
    /// Whether the last `poll_ready` chose the local routes, so `call` goes where it was ready.
    ready_local: bool,
}

impl Link {
    fn local_routes(&self) -> Option<&axum::Router> {
        self.local.as_ref().and_then(|l| l.routes.get())
    }
}

impl Service<http::Request<tonic::body::Body>> for Link {
    type Response = http::Response<tonic::body::Body>;
    type Error = BoxError;
    type Future = BoxFuture<'static, Result<Self::Response, BoxError>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.ready_local = self.local_routes().is_some();
        if self.ready_local {
            return Poll::Ready(Ok(()));
        }
        self.remote.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, req: http::Request<tonic::body::Body>) -> Self::Future {
        match self.local_routes().filter(|_| self.ready_local) {
            Some(routes) => {
                let call = routes.clone().oneshot(req);
                let timeout = self.timeout;
                Box::pin(async move {
                    match tokio::time::timeout(timeout, call).await {
                        Ok(Ok(response)) => Ok(response.map(tonic::body::Body::new)),
                        Ok(Err(never)) => match never {},
                        Err(_) => Err(tonic::Status::deadline_exceeded("Timeout expired").into()),
                    }
                })
            }
            None => {
                let call = self.remote.call(req);
                Box::pin(async move { Ok(call.await?) })
            }
        }
    }
}

/// A channel to `url` that connects on first use; `timeout` bounds each call.
pub fn channel(url: &str, timeout: Duration) -> anyhow::Result<Channel> {
    link(url, timeout, None)
}

/// A channel to a service of this process: in place once `local` has started, to `url` before.
pub fn local_channel(url: &str, timeout: Duration, local: LocalService) -> anyhow::Result<Channel> {
    link(url, timeout, Some(local))
}

fn link(url: &str, timeout: Duration, local: Option<LocalService>) -> anyhow::Result<Channel> {
    let endpoint = Endpoint::from_shared(url.to_string())
        .map_err(|e| anyhow::anyhow!("invalid service URL `{url}`: {e}"))?
        .connect_timeout(Duration::from_millis(500))
        .timeout(timeout)
        .tcp_nodelay(true)
        .http2_keep_alive_interval(Duration::from_secs(20))
        .keep_alive_while_idle(true);
    let link = Link {
        remote: endpoint.connect_lazy(),
        local,
        timeout,
        ready_local: false,
    };
    Ok(InterceptedService::new(link, PropagateContext))
}

/// Largest message a service accepts or sends (image uploads travel over gRPC).
pub const MAX_MESSAGE_BYTES: usize = 16 * 1024 * 1024;

#[cfg(test)]
mod tests {
    use tonic_health::pb::health_check_response::ServingStatus;
    use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};

    use super::*;
    use crate::ServiceName;
    use crate::server::ServiceApp;

    /// Nothing listens there: a call that is answered went in place.
    const NOWHERE: &str = "http://127.0.0.1:9";

    #[tokio::test]
    async fn a_local_service_is_called_in_place_once_started_and_over_the_network_before() {
        let local = LocalService::default();
        let channel = local_channel(NOWHERE, Duration::from_secs(5), local.clone()).unwrap();
        let mut client = HealthClient::new(channel);
        let before = client.check(HealthCheckRequest::default()).await;
        assert_eq!(before.unwrap_err().code(), tonic::Code::Unavailable);

        let app = ServiceApp::grpc(ServiceName::Cart, tonic::service::Routes::default());
        local.start(app.local_routes(), app.typed_api());
        let answer = client.check(HealthCheckRequest::default()).await.unwrap();
        assert_eq!(answer.into_inner().status, ServingStatus::Serving as i32);
    }

    #[test]
    fn a_typed_api_is_found_as_the_type_it_was_offered_as_once_started() {
        trait Answers: Send + Sync {
            fn answer(&self) -> u32;
        }
        struct FortyTwo;
        impl Answers for FortyTwo {
            fn answer(&self) -> u32 {
                42
            }
        }
        let local = LocalService::default();
        assert!(local.typed::<Arc<dyn Answers>>().is_none(), "not started");
        let offered: Arc<dyn Answers> = Arc::new(FortyTwo);
        let app = ServiceApp::grpc(ServiceName::Cart, tonic::service::Routes::default())
            .with_typed_api(offered);
        local.start(app.local_routes(), app.typed_api());
        assert_eq!(local.typed::<Arc<dyn Answers>>().unwrap().answer(), 42);
        assert!(local.typed::<Arc<FortyTwo>>().is_none(), "only as offered");
    }
}
