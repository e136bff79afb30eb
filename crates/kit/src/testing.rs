//! Test helpers shared by the services' harnesses: an address that refuses every connection.

use std::net::SocketAddr;

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
