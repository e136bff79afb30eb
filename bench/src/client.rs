//! A minimal HTTP/1.1 client over one keep-alive `TcpStream`: one fixed request per target (any
//! method, extra headers, an optional `Content-Length` body), and `Content-Length`, chunked and
//! read-until-close response bodies. Cheap enough that the load generator, which shares the
//! machine with the server under test, spends as little CPU as possible per request.
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;

use anyhow::{Context as _, bail};
use bytes::{Buf, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Largest response head (status line and headers) accepted.
const MAX_HEAD: usize = 64 * 1024;

/// Where requests go — a resolved address plus the `Host` header and request target — and the
/// encoded request every connection sends there (a plain `GET` unless [`Target::with`] says
/// otherwise).
#[derive(Clone, Debug)]
pub struct Target {
    pub addr: SocketAddr,
    pub host: String,
    pub path: String,
    request: Arc<[u8]>,
    /// `HEAD`: the response has no body whatever its headers say.
    head: bool,
}

/// What to send besides the URL: the method, extra headers and an optional body.
#[derive(Clone, Debug)]
pub struct RequestSpec {
    pub method: String,
    /// `(name, value)` pairs; `Host`, `User-Agent`, `Accept` and `Content-Type` given here replace
    /// the defaults.
    pub headers: Vec<(String, String)>,
    /// Sent with `Content-Length`, and `Content-Type: application/json` unless a header sets it.
    pub body: Option<Vec<u8>>,
}

impl Default for RequestSpec {
    fn default() -> Self {
        Self {
            method: "GET".into(),
            headers: Vec::new(),
            body: None,
        }
    }
}

/// Parses a `Name: value` header argument.
pub fn parse_header(arg: &str) -> anyhow::Result<(String, String)> {
    let Some((name, value)) = arg.split_once(':').filter(|(n, _)| is_token(n.trim())) else {
        bail!("header {arg:?} must look like `Name: value`");
    };
    Ok((name.trim().to_string(), value.trim().to_string()))
}

fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

impl Target {
    /// Parses `http://host[:port][/path][?query]` (no TLS, no userinfo) and resolves the host.
    pub fn parse(url: &str) -> anyhow::Result<Self> {
        let rest = url
            .strip_prefix("http://")
            .with_context(|| format!("{url}: only http:// URLs are supported"))?;
        let (authority, path) = match rest.find(['/', '?']) {
            Some(i) if rest.as_bytes()[i] == b'?' => (&rest[..i], format!("/{}", &rest[i..])),
            Some(i) => (&rest[..i], rest[i..].to_string()),
            None => (rest, "/".to_string()),
        };
        if authority.is_empty() || authority.contains('@') {
            bail!("{url}: expected http://host[:port]/path");
        }
        let with_port = if authority
            .rsplit_once(':')
            .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
        {
            authority.to_string()
        } else {
            format!("{authority}:80")
        };
        let addr = with_port
            .to_socket_addrs()
            .with_context(|| format!("resolving {authority}"))?
            .next()
            .with_context(|| format!("{authority} resolves to no address"))?;
        let mut target = Self {
            addr,
            host: authority.to_string(),
            path,
            request: Arc::from(&[][..]),
            head: false,
        };
        target = target.with(&RequestSpec::default())?;
        Ok(target)
    }

    /// This target with `spec` as the request every connection sends.
    pub fn with(mut self, spec: &RequestSpec) -> anyhow::Result<Self> {
        let method = spec.method.trim().to_ascii_uppercase();
        anyhow::ensure!(is_token(&method), "bad method {:?}", spec.method);
        let given = |name: &str| {
            spec.headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case(name))
        };
        let mut head = format!("{method} {} HTTP/1.1\r\n", self.path);
        let mut line = |name: &str, value: &str| {
            head.push_str(name);
            head.push_str(": ");
            head.push_str(value);
            head.push_str("\r\n");
        };
        for (name, default) in [
            ("Host", self.host.as_str()),
            ("User-Agent", "vici-bench"),
            ("Accept", "*/*"),
        ] {
            if !given(name) {
                line(name, default);
            }
        }
        if spec.body.is_some() && !given("Content-Type") {
            line("Content-Type", "application/json");
        }
        let body = spec.body.as_deref().unwrap_or_default();
        // A body, or a method that usually carries one, gets an explicit length (0 when empty).
        if spec.body.is_some() || matches!(method.as_str(), "POST" | "PUT" | "PATCH") {
            line("Content-Length", &body.len().to_string());
        }
        for (name, value) in &spec.headers {
            anyhow::ensure!(is_token(name), "bad header name {name:?}");
            anyhow::ensure!(
                !value.contains(['\r', '\n']),
                "header {name}: line breaks are not allowed in a value"
            );
            anyhow::ensure!(
                !name.eq_ignore_ascii_case("content-length")
                    && !name.eq_ignore_ascii_case("transfer-encoding"),
                "header {name} is set from the body; do not give it"
            );
            line(name, value);
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(body);
        self.request = bytes.into();
        self.head = method == "HEAD";
        Ok(self)
    }

    /// The bytes every request to this target sends.
    pub fn request(&self) -> &[u8] {
        &self.request
    }
}

/// One response: its status, body size, and the body itself when it was asked for.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub body_len: usize,
    pub body: Option<Vec<u8>>,
    pub content_type: Option<String>,
    /// False when the server closed or will close the connection after this response.
    pub reusable: bool,
}

/// One keep-alive connection; a failed request leaves it unusable (drop it and reconnect).
pub struct Conn {
    stream: TcpStream,
    buf: BytesMut,
    request: Arc<[u8]>,
    head: bool,
}

impl Conn {
    pub async fn connect(target: &Target) -> io::Result<Self> {
        let stream = TcpStream::connect(target.addr).await?;
        stream.set_nodelay(true)?;
        Ok(Self {
            stream,
            buf: BytesMut::with_capacity(16 * 1024),
            request: target.request.clone(),
            head: target.head,
        })
    }

    /// Sends the target's request and reads the whole response; `keep_body` copies the body out.
    pub async fn send(&mut self, keep_body: bool) -> io::Result<Response> {
        let request = self.request.clone();
        self.send_request(&request, keep_body).await
    }

    /// Like [`Conn::send`] with another request for the same target (encoded by [`Target::with`]).
    pub async fn send_request(&mut self, request: &[u8], keep_body: bool) -> io::Result<Response> {
        self.stream.write_all(request).await?;
        let head_len = self.read_head().await?;
        let head = parse_head(&self.buf[..head_len]).map_err(invalid)?;
        self.buf.advance(head_len);
        let mut body = keep_body.then(Vec::new);
        let mut reusable = head.keep_alive;
        let body_len = if self.head || matches!(head.status, 100..=199 | 204 | 304) {
            0
        } else if head.chunked {
            self.read_chunked(&mut body).await?
        } else if let Some(n) = head.content_length {
            self.read_exact_body(n, &mut body).await?
        } else {
            reusable = false;
            self.read_to_close(&mut body).await?
        };
        Ok(Response {
            status: head.status,
            body_len,
            body,
            content_type: head.content_type,
            reusable,
        })
    }

    /// Reads more bytes into the buffer; end of stream is an error.
    async fn fill(&mut self) -> io::Result<()> {
        if self.buf.capacity() - self.buf.len() < 4096 {
            self.buf.reserve(16 * 1024);
        }
        match self.stream.read_buf(&mut self.buf).await? {
            0 => Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "connection closed by the server",
            )),
            _ => Ok(()),
        }
    }

    async fn read_head(&mut self) -> io::Result<usize> {
        let mut searched = 0;
        loop {
            if let Some(i) = find(&self.buf[searched..], b"\r\n\r\n") {
                return Ok(searched + i + 4);
            }
            searched = self.buf.len().saturating_sub(3);
            if self.buf.len() > MAX_HEAD {
                return Err(invalid("response head larger than 64 KiB"));
            }
            self.fill().await?;
        }
    }

    async fn read_exact_body(&mut self, n: usize, body: &mut Option<Vec<u8>>) -> io::Result<usize> {
        let mut left = n;
        loop {
            let take = left.min(self.buf.len());
            if let Some(b) = body.as_mut() {
                b.extend_from_slice(&self.buf[..take]);
            }
            self.buf.advance(take);
            left -= take;
            if left == 0 {
                return Ok(n);
            }
            self.fill().await?;
        }
    }

    async fn read_line(&mut self) -> io::Result<String> {
        loop {
            if let Some(i) = find(&self.buf, b"\r\n") {
                let line = String::from_utf8_lossy(&self.buf[..i]).into_owned();
                self.buf.advance(i + 2);
                return Ok(line);
            }
            if self.buf.len() > MAX_HEAD {
                return Err(invalid("chunk header too long"));
            }
            self.fill().await?;
        }
    }

    async fn read_chunked(&mut self, body: &mut Option<Vec<u8>>) -> io::Result<usize> {
        let mut total = 0;
        loop {
            let line = self.read_line().await?;
            let size = line.split(';').next().unwrap_or("").trim();
            let size = usize::from_str_radix(size, 16).map_err(|_| invalid("bad chunk size"))?;
            if size == 0 {
                // Trailers, if any, end with an empty line.
                while !self.read_line().await?.is_empty() {}
                return Ok(total);
            }
            total += self.read_exact_body(size, body).await?;
            if !self.read_line().await?.is_empty() {
                return Err(invalid("chunk not followed by CRLF"));
            }
        }
    }

    async fn read_to_close(&mut self, body: &mut Option<Vec<u8>>) -> io::Result<usize> {
        let mut total = 0;
        loop {
            total += self.buf.len();
            if let Some(b) = body.as_mut() {
                b.extend_from_slice(&self.buf);
            }
            self.buf.clear();
            if self.stream.read_buf(&mut self.buf).await? == 0 {
                return Ok(total);
            }
        }
    }
}

struct Head {
    status: u16,
    content_length: Option<usize>,
    chunked: bool,
    keep_alive: bool,
    content_type: Option<String>,
}

fn parse_head(head: &[u8]) -> Result<Head, String> {
    let text = std::str::from_utf8(head).map_err(|_| "response head is not UTF-8".to_string())?;
    let mut lines = text.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or("");
    let status = parts.next().and_then(|s| s.parse::<u16>().ok());
    let Some(status) = status.filter(|_| version.starts_with("HTTP/1.")) else {
        return Err(format!("bad status line {status_line:?}"));
    };
    let mut h = Head {
        status,
        content_length: None,
        chunked: false,
        keep_alive: version == "HTTP/1.1",
        content_type: None,
    };
    for line in lines.filter(|l| !l.is_empty()) {
        let Some((name, value)) = line.split_once(':') else {
            return Err(format!("bad header line {line:?}"));
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            h.content_length = Some(
                value
                    .parse()
                    .map_err(|_| format!("bad content-length {value:?}"))?,
            );
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            h.chunked = value.to_ascii_lowercase().contains("chunked");
        } else if name.eq_ignore_ascii_case("connection") {
            let v = value.to_ascii_lowercase();
            if v.contains("close") {
                h.keep_alive = false;
            } else if v.contains("keep-alive") {
                h.keep_alive = true;
            }
        } else if name.eq_ignore_ascii_case("content-type") {
            h.content_type = Some(value.to_string());
        }
    }
    Ok(h)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn invalid(msg: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.into())
}

/// One request on a fresh connection, for probes and one-off fetches.
pub async fn send_once(target: &Target) -> io::Result<Response> {
    Conn::connect(target).await?.send(true).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_urls() {
        let t = Target::parse("http://127.0.0.1:4000/api/products?limit=20").unwrap();
        assert_eq!(t.addr.port(), 4000);
        assert_eq!(t.host, "127.0.0.1:4000");
        assert_eq!(t.path, "/api/products?limit=20");
        assert_eq!(Target::parse("http://127.0.0.1:9").unwrap().path, "/");
        assert_eq!(
            Target::parse("http://127.0.0.1:9?q=1").unwrap().path,
            "/?q=1"
        );
        assert!(Target::parse("https://127.0.0.1/").is_err());
    }

    #[test]
    fn parses_heads() {
        let h = parse_head(
            b"HTTP/1.1 200 OK\r\nContent-Length: 12\r\ncontent-type: application/json\r\n\r\n",
        )
        .unwrap();
        assert_eq!(
            (h.status, h.content_length, h.chunked, h.keep_alive),
            (200, Some(12), false, true)
        );
        assert_eq!(h.content_type.as_deref(), Some("application/json"));
        let h = parse_head(
            b"HTTP/1.1 503 X\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        )
        .unwrap();
        assert_eq!((h.status, h.chunked, h.keep_alive), (503, true, false));
        assert!(parse_head(b"garbage\r\n\r\n").is_err());
    }

    #[test]
    fn encodes_methods_headers_and_bodies() {
        let t = Target::parse("http://127.0.0.1:9/x").unwrap();
        assert_eq!(
            t.request(),
            b"GET /x HTTP/1.1\r\nHost: 127.0.0.1:9\r\nUser-Agent: vici-bench\r\nAccept: */*\r\n\r\n"
        );
        let spec = RequestSpec {
            method: "post".into(),
            headers: vec![parse_header("Authorization:  Bearer a.b.c ").unwrap()],
            body: Some(br#"{"a":1}"#.to_vec()),
        };
        let text = String::from_utf8(t.clone().with(&spec).unwrap().request().to_vec()).unwrap();
        assert!(text.starts_with("POST /x HTTP/1.1\r\n"), "{text}");
        assert!(
            text.contains("\r\nContent-Type: application/json\r\n"),
            "{text}"
        );
        assert!(text.contains("\r\nContent-Length: 7\r\n"), "{text}");
        assert!(
            text.ends_with("\r\nAuthorization: Bearer a.b.c\r\n\r\n{\"a\":1}"),
            "{text}"
        );
        // A given Content-Type replaces the default; a bodiless POST still says its length.
        let spec = RequestSpec {
            method: "POST".into(),
            headers: vec![("content-type".into(), "text/plain".into())],
            body: None,
        };
        let text = String::from_utf8(t.clone().with(&spec).unwrap().request().to_vec()).unwrap();
        assert!(text.contains("Content-Length: 0\r\n") && !text.contains("application/json"));
        for bad in [
            ("Content-Length", "3"),
            ("Bad Name", "x"),
            ("X-Split", "a\r\nInjected: 1"),
        ] {
            let spec = RequestSpec {
                headers: vec![(bad.0.into(), bad.1.into())],
                ..RequestSpec::default()
            };
            assert!(t.clone().with(&spec).is_err(), "{bad:?}");
        }
        assert!(parse_header("no colon").is_err());
    }

    #[tokio::test]
    async fn posts_a_body_and_reads_the_answer() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut got = Vec::new();
            let mut buf = [0u8; 1024];
            // Read until the head and the whole 16-byte body are in.
            while !got.ends_with(br#""password":"p"}"#) {
                let n = s.read(&mut buf).await.unwrap();
                assert!(n > 0, "client closed early");
                got.extend_from_slice(&buf[..n]);
            }
            s.write_all(b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok")
                .await
                .unwrap();
            String::from_utf8(got).unwrap()
        });
        let spec = RequestSpec {
            method: "POST".into(),
            headers: vec![],
            body: Some(br#"{"password":"p"}"#.to_vec()),
        };
        let target = Target::parse(&format!("http://{addr}/api/auth/login"))
            .unwrap()
            .with(&spec)
            .unwrap();
        let r = send_once(&target).await.unwrap();
        assert_eq!((r.status, r.body.as_deref()), (201, Some(&b"ok"[..])));
        let seen = server.await.unwrap();
        assert!(
            seen.starts_with("POST /api/auth/login HTTP/1.1\r\n"),
            "{seen}"
        );
        assert!(seen.contains("Content-Length: 16\r\n"), "{seen}");
    }

    #[tokio::test]
    async fn reads_chunked_and_fixed_bodies_on_one_connection() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf).await.unwrap();
            s.write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=1\r\nabc\r\n2\r\nde\r\n0\r\n\r\n").await.unwrap();
            let _ = s.read(&mut buf).await.unwrap();
            s.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\n\r\nnope")
                .await
                .unwrap();
        });
        let target = Target::parse(&format!("http://{addr}/x")).unwrap();
        let mut conn = Conn::connect(&target).await.unwrap();
        let r = conn.send(true).await.unwrap();
        assert_eq!((r.status, r.body.as_deref()), (200, Some(&b"abcde"[..])));
        let r = conn.send(false).await.unwrap();
        assert_eq!((r.status, r.body_len, r.reusable), (404, 4, true));
    }
}
