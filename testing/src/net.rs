//! The network side of tests: serving an app on an ephemeral port, an address that refuses every
//! connection, reading a refused call's contract code and details, and checking a failure on our
//! side says what it was doing.
use std::collections::BTreeMap;
use std::net::SocketAddr;

use vici_kit::server::{ServiceApp, Shutdown};
use vici_kit::{Error, ErrorCode};

/// Serves `app` on a fresh 127.0.0.1 port until `shutdown`; its `http://` URL.
pub async fn serve_ephemeral(app: ServiceApp, shutdown: &Shutdown) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binding an ephemeral port");
    let url = format!("http://{}", listener.local_addr().expect("a bound address"));
    let limits = vici_kit::connections::Limits::default();
    tokio::spawn(vici_kit::server::serve(
        app,
        listener,
        limits,
        shutdown.clone(),
    ));
    url
}

/// Asserts `result` failed on our side while `doing` something (`"reading an order"`): an
/// internal error whose message (what a caller sees) does not say it, and whose logged cause
/// (`{:#}`, as tasks and consumers log) starts with it.
#[track_caller]
pub fn failed_while<T: std::fmt::Debug>(result: vici_kit::Result<T>, doing: &str) {
    let err = result.expect_err("the call must fail");
    assert_eq!(err.code, ErrorCode::Internal, "{err:?}");
    assert!(
        !err.message.contains(doing),
        "shown to the caller: {}",
        err.message
    );
    let logged = format!("{:#}", anyhow::Error::from(err));
    let cause = logged.split_once(": ").map_or("", |(_, cause)| cause);
    assert!(cause.starts_with(&format!("{doing}: ")), "logged: {logged}");
}

/// A typed client of the service at `url` (a second process of a service, a fake).
pub fn client_at<C: vici_platform::Client>(url: &str) -> C {
    let channel = vici_kit::grpc::channel(url, std::time::Duration::from_secs(30));
    C::over(channel.expect("a valid service URL"))
}

/// The service error a refused call carries: its contract code, message and `details`.
pub fn refusal(status: &tonic::Status) -> Error {
    Error::from_status(status)
}

/// The contract's error code (`OUT_OF_STOCK`, …) a refused call carries.
pub fn error_code(status: &tonic::Status) -> String {
    status
        .metadata()
        .get(vici_kit::error::ERROR_CODE_METADATA)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// The `details` map of a refused call, values as text.
pub fn details(status: &tonic::Status) -> BTreeMap<String, String> {
    refusal(status)
        .details
        .into_iter()
        .map(|(k, v)| (k, v.as_str().map_or_else(|| v.to_string(), str::to_string)))
        .collect()
}

/// Asserts `result` failed with the contract's `code` and returns the service error.
#[track_caller]
pub fn refused<T: std::fmt::Debug>(result: Result<T, tonic::Status>, code: ErrorCode) -> Error {
    let status = result.expect_err("the call must fail");
    assert_eq!(status.code(), code.grpc_code(), "{status:?}");
    assert_eq!(error_code(&status), code.as_str(), "{status:?}");
    refusal(&status)
}

/// Asserts `result` failed with the contract's `code` and a problem on `field` in its details;
/// returns the service error.
#[track_caller]
pub fn refused_on<T: std::fmt::Debug>(
    result: Result<T, tonic::Status>,
    code: ErrorCode,
    field: &str,
) -> Error {
    let err = refused(result, code);
    assert!(
        err.details.contains_key(field),
        "no details.{field} in {:?} ({})",
        err.details,
        err.message
    );
    err
}

/// Asserts `result` is a validation error whose details name `field`; returns the problem
/// stated there.
#[track_caller]
pub fn invalid<T: std::fmt::Debug>(result: Result<T, tonic::Status>, field: &str) -> String {
    let problem = &refused_on(result, ErrorCode::Validation, field).details[field];
    problem
        .as_str()
        .map_or_else(|| problem.to_string(), str::to_string)
}

/// [`invalid`] for a refusal already in hand.
#[track_caller]
pub fn assert_invalid(status: &tonic::Status, field: &str) -> String {
    invalid::<()>(Err(status.clone()), field)
}

/// Asserts a refusal with gRPC `code` and `message`.
#[track_caller]
pub fn assert_refused(status: &tonic::Status, code: tonic::Code, message: &str) {
    let seen = (status.code(), status.message());
    assert_eq!(seen, (code, message), "{status:?}");
}
/// A loopback port held bound but never listening, so connecting to it is refused at once.
///
/// Binding port 0 and dropping the listener frees the port for the next test that binds port 0,
/// and a "down" service then answers after all; holding the socket keeps the port taken and
/// refusing for as long as the guard lives.
pub struct RefusedPort {
    _socket: tokio::net::TcpSocket,
    addr: SocketAddr,
}

impl RefusedPort {
    /// Reserves a fresh refusing port on 127.0.0.1.
    pub fn new() -> Self {
        let socket = tokio::net::TcpSocket::new_v4().expect("a TCP socket");
        socket
            .bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .expect("binding a loopback port");
        let addr = socket.local_addr().expect("a bound address");
        Self {
            _socket: socket,
            addr,
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `http://127.0.0.1:<port>`, as a service URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Default for RefusedPort {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn connections_are_refused_while_held() {
        let port = RefusedPort::new();
        let err = tokio::net::TcpStream::connect(port.addr())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
        // Nobody else can take the port while it is held.
        assert!(std::net::TcpListener::bind(port.addr()).is_err());
    }
}
