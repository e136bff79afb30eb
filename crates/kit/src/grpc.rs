//! gRPC clients between services: lazily connected channels with short connect timeouts (a peer
//! that is down fails fast instead of hanging) that forward the current request id.
use std::time::Duration;

use tonic::service::Interceptor;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Endpoint;

use crate::context::{REQUEST_ID_HEADER, current_request_id};

/// Copies the task's request id into outgoing metadata.
#[derive(Clone, Copy, Default)]
pub struct PropagateContext;

impl Interceptor for PropagateContext {
    fn call(&mut self, mut req: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
        if let Some(id) = current_request_id()
            && let Ok(v) = id.parse()
        {
            req.metadata_mut().insert(REQUEST_ID_HEADER, v);
        }
        Ok(req)
    }
}

pub type Channel = InterceptedService<tonic::transport::Channel, PropagateContext>;

/// A channel to `url` that connects on first use; `timeout` bounds each call.
pub fn channel(url: &str, timeout: Duration) -> anyhow::Result<Channel> {
    let endpoint = Endpoint::from_shared(url.to_string())
        .map_err(|e| anyhow::anyhow!("invalid service URL `{url}`: {e}"))?
        .connect_timeout(Duration::from_millis(500))
        .timeout(timeout)
        .tcp_nodelay(true)
        .http2_keep_alive_interval(Duration::from_secs(20))
        .keep_alive_while_idle(true);
    Ok(InterceptedService::new(
        endpoint.connect_lazy(),
        PropagateContext,
    ))
}

/// Largest message a service accepts or sends (image uploads travel over gRPC).
pub const MAX_MESSAGE_BYTES: usize = 16 * 1024 * 1024;
