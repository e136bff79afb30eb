//! Accepting connections so that slow or greedy clients cannot hold a port: a bound on open
//! connections overall and per client address (over it, a new connection is closed at once),
//! a deadline for a request's headers that also ends an HTTP/1 connection left idle, and
//! keep-alive pings that end HTTP/2 connections whose peer has gone. Requests hyper cannot
//! read are refused in the error envelope (`unreadable`).
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use http::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt as _;

use crate::unreadable::Enveloped;

static REFUSED: LazyLock<prometheus::IntCounterVec> = LazyLock::new(|| {
    crate::metrics::counter(
        "vici_connections_refused_total",
        "Connections closed at once because too many were open, per port",
        &["port"],
    )
});

/// How many connections a port holds, and how long a client may take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Open connections at once, over every client.
    pub max_connections: usize,
    /// Open connections at once from one address (0: no bound of its own).
    pub max_per_address: usize,
    /// How long a client may take to send a request's headers, and how long an HTTP/1
    /// connection may sit idle between requests.
    pub header_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_connections: 10_000,
            max_per_address: 512,
            header_timeout: Duration::from_secs(10),
        }
    }
}

/// Open connections, overall and per address.
#[derive(Debug, Default)]
struct Open {
    total: usize,
    by_address: HashMap<IpAddr, usize>,
}

/// A connection counted in [`Open`] until it is dropped.
struct Admitted {
    open: Arc<Mutex<Open>>,
    address: IpAddr,
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        open.total -= 1;
        if let Some(n) = open.by_address.get_mut(&self.address) {
            *n -= 1;
            if *n == 0 {
                open.by_address.remove(&self.address);
            }
        }
    }
}

fn admit(open: &Arc<Mutex<Open>>, limits: &Limits, address: IpAddr) -> Option<Admitted> {
    let mut counts = open.lock().unwrap_or_else(|e| e.into_inner());
    let from_address = counts.by_address.get(&address).copied().unwrap_or(0);
    let per_address_full = limits.max_per_address > 0 && from_address >= limits.max_per_address;
    if counts.total >= limits.max_connections || per_address_full {
        return None;
    }
    counts.total += 1;
    *counts.by_address.entry(address).or_default() += 1;
    Some(Admitted {
        open: open.clone(),
        address,
    })
}

/// Serves `router` on `listener` within `limits` until `shutdown` fires, then lets the open
/// connections finish their requests (each handler sees the client's address as
/// `ConnectInfo<SocketAddr>`, as with `axum::serve`).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: CancellationToken,
) {
    let port = listener
        .local_addr()
        .map_or_else(|_| "?".to_string(), |a| a.port().to_string());
    let open = Arc::new(Mutex::new(Open::default()));
    let graceful = GracefulShutdown::new();
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(Duration::from_secs(20)))
        .keep_alive_timeout(Duration::from_secs(20));
    loop {
        let (tcp, remote) = tokio::select! {
            _ = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, or a connection reset before it was taken:
                    // pause briefly rather than spin.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
        };
        let Some(admitted) = admit(&open, &limits, remote.ip()) else {
            tracing::debug!(%remote, "connection refused: too many open");
            REFUSED.with_label_values(&[port.as_str()]).inc();
            continue; // Dropping the socket closes it.
        };
        // Without TCP_NODELAY, Nagle's algorithm and delayed ACKs hold multi-packet responses
        // for ~40 ms: listings and searches answered in 2 ms would take 44.
        let _ = tcp.set_nodelay(true);
        let service = router
            .clone()
            .map_request(move |request: Request<Incoming>| {
                let mut request = request.map(axum::body::Body::new);
                let client = ConnectInfo::<SocketAddr>(remote);
                request.extensions_mut().insert(client);
                request
            });
        let service = hyper_util::service::TowerToHyperService::new(service);
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(Enveloped::new(tcp)), service)
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let _ = connection.await;
            drop(admitted);
        });
    }
    graceful.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_are_counted_overall_and_per_address_and_freed_on_drop() {
        let open = Arc::new(Mutex::new(Open::default()));
        let limits = Limits {
            max_connections: 3,
            max_per_address: 2,
            header_timeout: Duration::from_secs(1),
        };
        let (a, b) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let first = admit(&open, &limits, a).unwrap();
        let _second = admit(&open, &limits, a).unwrap();
        assert!(admit(&open, &limits, a).is_none(), "two per address");
        let _third = admit(&open, &limits, b).unwrap();
        assert!(admit(&open, &limits, b).is_none(), "three overall");
        drop(first);
        assert!(
            admit(&open, &limits, a).is_some(),
            "a freed place is taken again"
        );
        let unbounded = Limits {
            max_per_address: 0,
            ..limits
        };
        let open = Arc::new(Mutex::new(Open::default()));
        let all: Vec<_> = (0..3).map(|_| admit(&open, &unbounded, a)).collect();
        assert!(
            all.iter().all(Option::is_some),
            "0 leaves only the overall bound"
        );
    }
}

#[cfg(test)]
mod served {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    use tokio::net::TcpStream;

    use super::*;

    /// A generous bound on facts the server must bring about by itself.
    const WITHIN: Duration = Duration::from_secs(20);
    const REQUEST: &[u8] = b"GET / HTTP/1.1\r\nHost: shop\r\n\r\n";

    async fn start(limits: Limits) -> (SocketAddr, CancellationToken) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let router = Router::new().route("/", axum::routing::get(|| async { "ok" }));
        let shutdown = CancellationToken::new();
        tokio::spawn(serve(listener, router, limits, shutdown.clone()));
        (addr, shutdown)
    }

    /// Reads until the server closes the connection; what it sent.
    async fn until_closed(tcp: &mut TcpStream) -> String {
        let mut seen = Vec::new();
        let read = tokio::time::timeout(WITHIN, tcp.read_to_end(&mut seen)).await;
        assert!(read.is_ok(), "the server kept the connection open");
        String::from_utf8_lossy(&seen).into_owned()
    }

    async fn answered(tcp: &mut TcpStream) -> bool {
        tcp.write_all(REQUEST).await.unwrap();
        let mut buf = [0u8; 512];
        let n = tokio::time::timeout(WITHIN, tcp.read(&mut buf)).await;
        n.is_ok_and(|n| n.is_ok_and(|n| String::from_utf8_lossy(&buf[..n]).contains(" 200 ")))
    }

    #[tokio::test]
    async fn a_client_that_stalls_in_its_headers_or_sits_idle_is_let_go() {
        let limits = Limits {
            header_timeout: Duration::from_millis(300),
            ..Limits::default()
        };
        let (addr, _shutdown) = start(limits).await;
        let mut stalled = TcpStream::connect(addr).await.unwrap();
        stalled
            .write_all(b"GET / HTTP/1.1\r\nHost: sh")
            .await
            .unwrap();
        until_closed(&mut stalled).await;
        let mut idle = TcpStream::connect(addr).await.unwrap();
        assert!(answered(&mut idle).await);
        until_closed(&mut idle).await;
    }

    #[tokio::test]
    async fn a_request_too_long_to_read_is_refused_in_the_envelope() {
        let (addr, _shutdown) = start(Limits::default()).await;
        let mut tcp = TcpStream::connect(addr).await.unwrap();
        let long = format!(
            "GET /?q={} HTTP/1.1\r\nHost: shop\r\n\r\n",
            "a".repeat(70_000)
        );
        let _ = tcp.write_all(long.as_bytes()).await;
        let answer = until_closed(&mut tcp).await;
        let (head, body) = answer.split_once("\r\n\r\n").expect("an answer");
        assert!(head.starts_with("HTTP/1.1 414 "), "{head}");
        let body: serde_json::Value = serde_json::from_str(body).expect("a JSON body");
        assert_eq!(body["error"], "VALIDATION_ERROR");
        assert_eq!(body["statusCode"], 414);
        let mut idle = TcpStream::connect(addr).await.unwrap();
        assert!(
            answered(&mut idle).await,
            "other requests are answered as before"
        );
    }

    #[tokio::test]
    async fn one_address_cannot_take_every_connection() {
        let limits = Limits {
            max_per_address: 2,
            ..Limits::default()
        };
        let (addr, _shutdown) = start(limits).await;
        let mut first = TcpStream::connect(addr).await.unwrap();
        let mut second = TcpStream::connect(addr).await.unwrap();
        assert!(answered(&mut first).await && answered(&mut second).await);
        let mut third = TcpStream::connect(addr).await.unwrap();
        let _ = third.write_all(REQUEST).await;
        assert_eq!(
            until_closed(&mut third).await,
            "",
            "closed without an answer"
        );
        drop(first);
        // The first one's place frees once the server has seen it go.
        let mut again = false;
        for _ in 0..200 {
            let mut next = TcpStream::connect(addr).await.unwrap();
            if answered(&mut next).await {
                again = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        assert!(again, "a freed place is given to the next connection");
    }
}
