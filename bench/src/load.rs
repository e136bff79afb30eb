//! Load: C worker tasks, each owning one keep-alive connection, send the next request as soon as
//! the previous answer arrives (closed loop), or, with a `rate`, at fixed times spread over the
//! connections (open loop: a request's latency counts from when it was due, so a slow answer
//! that delays the next is not hidden). Every request has the same method and URL (a `GET` by
//! default, or any method with headers and a body); headers and bodies may vary per connection or
//! request ([`Variation`]). Only requests that start after the warm-up and finish before the end
//! of the measured window count; a 2xx status is a success, any other an error.
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::client::{Conn, RequestSpec, Target};
use crate::stats::{ms, percentile};
use crate::variants::{Requests, Variation};

#[derive(Clone, Debug)]
pub struct LoadConfig {
    pub url: String,
    /// Method, headers and body of every request.
    pub request: RequestSpec,
    /// Per-connection headers and rotating bodies on top of `request`.
    pub variation: Variation,
    pub connections: usize,
    pub duration: Duration,
    pub warmup: Duration,
    /// Per connect and per request; a request that takes longer is an error.
    pub timeout: Duration,
    /// Requests per second over all connections; as fast as answered when `None`.
    pub rate: Option<f64>,
}

/// Latency percentiles of the successful (2xx) requests, in milliseconds.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Latency {
    pub mean: f64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
}

impl Latency {
    /// From latencies in nanoseconds, sorted ascending; all zero when there are none.
    pub fn from_sorted(l: &[u64]) -> Self {
        Self {
            mean: if l.is_empty() {
                0.0
            } else {
                ms(l.iter().sum::<u64>() / l.len() as u64)
            },
            p50: ms(percentile(l, 50.0)),
            p90: ms(percentile(l, 90.0)),
            p99: ms(percentile(l, 99.0)),
            max: ms(l.last().copied().unwrap_or(0)),
        }
    }
}

/// What one load run measured.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LoadReport {
    pub url: String,
    #[serde(default = "default_method")]
    pub method: String,
    pub connections: usize,
    pub duration_secs: f64,
    pub warmup_secs: f64,
    /// Successful (2xx) requests in the measured window.
    pub requests: u64,
    pub errors: u64,
    /// Successful requests per second of the measured window.
    pub requests_per_sec: f64,
    pub latency_ms: Latency,
    /// Mean body size of the successful responses.
    pub body_bytes: f64,
    /// TCP connections opened over the whole run (warm-up included): C unless some were lost.
    pub connects: u64,
    /// Errors by kind (`status 503`, `io ConnectionRefused`, `timeout`).
    pub error_kinds: BTreeMap<String, u64>,
}

fn default_method() -> String {
    "GET".into()
}

#[derive(Default)]
struct WorkerStats {
    latencies: Vec<u64>,
    ok: u64,
    body_bytes: u64,
    connects: u64,
    errors: BTreeMap<String, u64>,
}

impl WorkerStats {
    fn error(&mut self, kind: String) {
        *self.errors.entry(kind).or_default() += 1;
    }
}

/// Runs the load and returns the merged report; every wait is bounded by the configured times.
pub async fn run(config: &LoadConfig) -> anyhow::Result<LoadReport> {
    anyhow::ensure!(config.connections > 0, "--connections must be at least 1");
    anyhow::ensure!(
        !config.duration.is_zero(),
        "--duration-secs must be positive"
    );
    let target = Target::parse(&config.url)?.with(&config.request)?;
    let requests = Arc::new(Requests::new(
        &target,
        &config.request,
        config.variation.clone(),
        config.connections,
    )?);
    let target = Arc::new(target);
    if let Some(rate) = config.rate {
        anyhow::ensure!(rate > 0.0, "--rate must be positive");
    }
    let start = Instant::now();
    let measure_from = start + config.warmup;
    let end = measure_from + config.duration;
    let workers: Vec<_> = (0..config.connections)
        .map(|i| {
            let requests = (i, requests.clone());
            // Connection i's requests are due every C/rate, the first at i/rate.
            let pace = config.rate.map(|rate| Pace {
                first: start + Duration::from_secs_f64(i as f64 / rate),
                every: Duration::from_secs_f64(config.connections as f64 / rate),
            });
            let window = (measure_from, end, config.timeout);
            tokio::spawn(worker(target.clone(), requests, pace, window))
        })
        .collect();
    let mut merged = WorkerStats::default();
    // A worker can overrun `end` by at most one timeout; abort anything slower than that.
    let deadline = tokio::time::Instant::from_std(end + config.timeout + Duration::from_secs(1));
    for w in workers {
        let abort = w.abort_handle();
        match tokio::time::timeout_at(deadline, w).await {
            Ok(Ok(s)) => {
                merged.latencies.extend_from_slice(&s.latencies);
                merged.ok += s.ok;
                merged.body_bytes += s.body_bytes;
                merged.connects += s.connects;
                for (k, n) in s.errors {
                    *merged.errors.entry(k).or_default() += n;
                }
            }
            Ok(Err(e)) => merged.error(format!("worker failed: {e}")),
            Err(_) => {
                abort.abort();
                merged.error("worker stuck".into());
            }
        }
    }
    merged.latencies.sort_unstable();
    let secs = config.duration.as_secs_f64();
    Ok(LoadReport {
        url: config.url.clone(),
        method: config.request.method.trim().to_ascii_uppercase(),
        connections: config.connections,
        duration_secs: secs,
        warmup_secs: config.warmup.as_secs_f64(),
        requests: merged.ok,
        errors: merged.errors.values().sum(),
        requests_per_sec: merged.ok as f64 / secs,
        latency_ms: Latency::from_sorted(&merged.latencies),
        body_bytes: if merged.ok == 0 {
            0.0
        } else {
            merged.body_bytes as f64 / merged.ok as f64
        },
        connects: merged.connects,
        error_kinds: merged.errors,
    })
}

/// When an open-loop worker's requests are due.
#[derive(Clone, Copy)]
struct Pace {
    first: Instant,
    every: Duration,
}

async fn worker(
    target: Arc<Target>,
    (conn_index, requests): (usize, Arc<Requests>),
    pace: Option<Pace>,
    (measure_from, end, timeout): (Instant, Instant, Duration),
) -> WorkerStats {
    let mut s = WorkerStats {
        latencies: Vec::with_capacity(64 * 1024),
        ..Default::default()
    };
    let mut conn: Option<Conn> = None;
    // Requests sent by this worker: which header line and body the next one takes.
    let mut sent: u64 = 0;
    loop {
        let begun = Instant::now();
        if begun >= end {
            return s;
        }
        let measured = begun >= measure_from;
        let c = match conn.as_mut() {
            Some(c) => c,
            None => match tokio::time::timeout(timeout, Conn::connect(&target)).await {
                Ok(Ok(c)) => {
                    s.connects += 1;
                    conn.insert(c)
                }
                failed => {
                    if measured {
                        s.error(match failed {
                            Ok(Err(e)) => format!("connect {:?}", e.kind()),
                            _ => "connect timeout".into(),
                        });
                    }
                    // Do not spin against a server that refuses connections.
                    tokio::time::sleep(
                        Duration::from_millis(10)
                            .min(end.saturating_duration_since(Instant::now())),
                    )
                    .await;
                    continue;
                }
            },
        };
        let begun = match pace {
            Some(p) => {
                let due = p.first + p.every * sent as u32;
                if due >= end {
                    return s;
                }
                tokio::time::sleep_until(due.into()).await;
                due
            }
            None => Instant::now(),
        };
        let request = requests.get(conn_index, sent);
        sent += 1;
        let outcome = tokio::time::timeout(timeout, c.send_request(request, false)).await;
        let done = Instant::now();
        let measured = begun >= measure_from && done <= end;
        match outcome {
            Ok(Ok(r)) => {
                if !r.reusable {
                    conn = None;
                }
                if !measured {
                    continue;
                }
                if (200..300).contains(&r.status) {
                    s.ok += 1;
                    s.body_bytes += r.body_len as u64;
                    s.latencies
                        .push(done.duration_since(begun).as_nanos() as u64);
                } else {
                    s.error(format!("status {}", r.status));
                }
            }
            Ok(Err(e)) => {
                conn = None;
                if begun >= measure_from {
                    s.error(format!("io {:?}", e.kind()));
                }
            }
            Err(_) => {
                conn = None;
                if begun >= measure_from {
                    s.error("timeout".into());
                }
            }
        }
    }
}

impl LoadReport {
    /// The human-readable summary `load` prints without `--json`.
    pub fn human(&self) -> String {
        let l = &self.latency_ms;
        let mut out = format!(
            "{method} {url}\n  {c} connections, {d:.0} s measured after {w:.0} s warm-up\n  \
             {rps:.0} req/s ({n} ok, {e} errors), {b:.0} B/response, {k} connects\n  \
             latency ms: mean {mean:.3}  p50 {p50:.3}  p90 {p90:.3}  p99 {p99:.3}  max {max:.3}\n",
            method = self.method,
            url = self.url,
            c = self.connections,
            d = self.duration_secs,
            w = self.warmup_secs,
            rps = self.requests_per_sec,
            n = self.requests,
            e = self.errors,
            b = self.body_bytes,
            k = self.connects,
            mean = l.mean,
            p50 = l.p50,
            p90 = l.p90,
            p99 = l.p99,
            max = l.max,
        );
        for (kind, n) in &self.error_kinds {
            out.push_str(&format!("  error {kind}: {n}\n"));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::baseline::{BaselineConfig, router};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn counts_requests_on_distinct_connections_and_errors() {
        let config = BaselineConfig {
            addr: "127.0.0.1:0".parse().unwrap(),
            body: bytes::Bytes::from(vec![b'x'; 5000]),
            content_type: "application/json".into(),
            headers: vec![],
            any_method: false,
            status: axum::http::StatusCode::OK,
        };
        let listener = tokio::net::TcpListener::bind(config.addr).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = router(&config).unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        let load = LoadConfig {
            url: format!("http://{addr}/api/products"),
            request: RequestSpec::default(),
            variation: Variation::default(),
            connections: 4,
            duration: Duration::from_millis(300),
            warmup: Duration::from_millis(100),
            timeout: Duration::from_secs(2),
            rate: None,
        };
        let r = run(&load).await.unwrap();
        assert!(r.requests > 10 && r.errors == 0, "{r:?}");
        assert_eq!((r.connects, r.body_bytes), (4, 5000.0), "{r:?}");
        // Paced at 100 req/s, the 0.3 s window can hold at most 30 (one more per connection
        // at its edges), however fast the server answers.
        let paced = run(&LoadConfig {
            rate: Some(100.0),
            ..load.clone()
        })
        .await
        .unwrap();
        assert!(paced.requests >= 1 && paced.requests <= 34, "{paced:?}");
        assert!(r.latency_ms.p50 <= r.latency_ms.p99 && r.latency_ms.p99 <= r.latency_ms.max);
        // Nothing listens on the closed port: every attempt is an error, none a success.
        let closed = vici_testkit::RefusedPort::new();
        let r = run(&LoadConfig {
            url: format!("{}/", closed.url()),
            connections: 2,
            ..load
        })
        .await
        .unwrap();
        assert!(r.requests == 0 && r.errors > 0, "{r:?}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn posts_bodies_with_headers_and_counts_2xx() {
        use axum::http::{HeaderMap, StatusCode};
        // 201 for exactly the expected request, 400 for anything else.
        let app = axum::Router::new().route(
            "/api/auth/register",
            axum::routing::post(|headers: HeaderMap, body: bytes::Bytes| async move {
                let h = |n: &str| {
                    headers
                        .get(n)
                        .and_then(|v| v.to_str().ok())
                        .map(String::from)
                };
                let ok = body.as_ref() == br#"{"email":"a@b.c"}"#
                    && h("content-type").as_deref() == Some("application/json")
                    && h("authorization").as_deref() == Some("Bearer t");
                if ok {
                    (StatusCode::CREATED, "{}")
                } else {
                    (StatusCode::BAD_REQUEST, "{}")
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        let mut load = LoadConfig {
            url: format!("http://{addr}/api/auth/register"),
            request: RequestSpec {
                method: "POST".into(),
                headers: vec![("Authorization".into(), "Bearer t".into())],
                body: Some(br#"{"email":"a@b.c"}"#.to_vec()),
            },
            variation: Variation::default(),
            connections: 2,
            duration: Duration::from_millis(300),
            warmup: Duration::from_millis(50),
            timeout: Duration::from_secs(2),
            rate: None,
        };
        let r = run(&load).await.unwrap();
        assert!(r.requests > 10 && r.errors == 0, "{r:?}");
        assert_eq!((r.method.as_str(), r.connects), ("POST", 2), "{r:?}");
        // A different body is answered 400: every request an error, on kept-alive connections.
        load.request.body = Some(b"{}".to_vec());
        let r = run(&load).await.unwrap();
        assert!(r.requests == 0 && r.errors > 10, "{r:?}");
        assert_eq!(r.error_kinds.keys().collect::<Vec<_>>(), ["status 400"]);
        assert_eq!(r.connects, 2, "{r:?}");
    }
}
