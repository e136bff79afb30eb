//! Prometheus metrics: RED metrics per route and RPC, process metrics, build info, and business
//! counters, all in one registry rendered by `GET /metrics` on every port.
use std::sync::LazyLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, TextEncoder,
};

use crate::ServiceName;

struct Red {
    requests: IntCounterVec,
    latency: HistogramVec,
}

static RED: LazyLock<Red> = LazyLock::new(|| {
    let registry = prometheus::default_registry();
    let requests = IntCounterVec::new(
        Opts::new(
            "vici_requests_total",
            "Requests served, per service, protocol, route and status",
        ),
        &["service", "protocol", "route", "status"],
    )
    .expect("valid metric");
    let latency = HistogramVec::new(
        HistogramOpts::new(
            "vici_request_duration_seconds",
            "Request latency per service, protocol and route",
        )
        .buckets(vec![
            0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
        ]),
        &["service", "protocol", "route"],
    )
    .expect("valid metric");
    let build = IntGauge::with_opts(
        Opts::new("vici_build_info", "Build of the running binary")
            .const_label("version", env!("CARGO_PKG_VERSION")),
    )
    .expect("valid metric");
    build.set(1);
    // Registration only fails on a duplicate name, which LazyLock rules out.
    let _ = registry.register(Box::new(requests.clone()));
    let _ = registry.register(Box::new(latency.clone()));
    let _ = registry.register(Box::new(build));
    Red { requests, latency }
});

/// Middleware recording count and latency; gRPC routes are labelled by method path.
pub async fn track(State(service): State<ServiceName>, req: Request, next: Next) -> Response {
    let grpc = req
        .headers()
        .get(http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/grpc"));
    let route = if grpc {
        req.uri().path().to_string()
    } else {
        req.extensions()
            .get::<MatchedPath>()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "unmatched".into())
    };
    let started = Instant::now();
    let response = next.run(req).await;
    let protocol = if grpc { "grpc" } else { "http" };
    let status = if grpc {
        response
            .headers()
            .get("grpc-status")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("0")
            .to_string()
    } else {
        response.status().as_u16().to_string()
    };
    record(service, protocol, &route, &status, started);
    response
}

/// Counts a call of `service`'s RPC at gRPC `path` that skipped its routes (a typed call in
/// place, see `grpc::LocalService::typed`), as [`track`] counts a routed one.
pub async fn track_typed<T>(
    service: ServiceName,
    path: &str,
    call: impl Future<Output = Result<T, tonic::Status>>,
) -> Result<T, tonic::Status> {
    let started = Instant::now();
    let answer = call.await;
    let code = answer.as_ref().map_or_else(|s| s.code() as i32, |_| 0);
    record(service, "grpc", path, &code.to_string(), started);
    answer
}

fn record(service: ServiceName, protocol: &str, route: &str, status: &str, started: Instant) {
    let red = &*RED;
    red.requests
        .with_label_values(&[service.as_str(), protocol, route, status])
        .inc();
    red.latency
        .with_label_values(&[service.as_str(), protocol, route])
        .observe(started.elapsed().as_secs_f64());
}

/// Registers a business counter (e.g. `vici_cart_adds_total`); keep it in a `LazyLock` so it is
/// registered once per process.
pub fn counter(name: &'static str, help: &'static str, labels: &[&'static str]) -> IntCounterVec {
    let c = IntCounterVec::new(Opts::new(name, help), labels).expect("valid metric");
    prometheus::default_registry()
        .register(Box::new(c.clone()))
        .unwrap_or_else(|e| panic!("metric {name} registered twice: {e}"));
    c
}

/// Registers a gauge (a level such as a queue's depth), like [`counter`].
pub fn gauge(name: &'static str, help: &'static str) -> IntGauge {
    let g = IntGauge::new(name, help).expect("valid metric");
    prometheus::default_registry()
        .register(Box::new(g.clone()))
        .unwrap_or_else(|e| panic!("metric {name} registered twice: {e}"));
    g
}

/// The whole registry in Prometheus text format.
pub fn render() -> String {
    LazyLock::force(&RED);
    let mut buf = Vec::new();
    let _ = TextEncoder::new().encode(&prometheus::gather(), &mut buf);
    String::from_utf8(buf).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn render_is_never_empty() {
        let text = super::render();
        assert!(text.contains("vici_build_info"), "{text}");
        #[cfg(target_os = "linux")]
        assert!(text.contains("process_resident_memory_bytes"), "{text}");
    }
}
