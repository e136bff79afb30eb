//! Requests that differ per connection or per request: which line of a header file and which
//! line of a body file the k-th request of connection i sends, and those requests encoded once.
//! The point is state on the server: 64 connections with 64 bearer tokens are 64 users with 64
//! carts, and rotating bodies spread writes over many rows instead of growing one.
use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;

use crate::client::{RequestSpec, Target, parse_header};

/// Most distinct requests encoded for one load (header lines × bodies); beyond that the
/// encoded requests would cost more memory than the load is worth.
const MAX_COMBINATIONS: usize = 100_000;

/// How requests vary; the default sends the same request on every connection.
#[derive(Clone, Debug, Default)]
pub struct Variation {
    /// One extra header per line, sent in addition to the common ones. Connection i sends line
    /// i mod N, unless `spread_headers`.
    pub header_lines: Vec<(String, String)>,
    /// The k-th request of connection i (of C) sends header line (i + k·C) mod N instead: when C
    /// divides N, connection i owns the lines ≡ i (mod C) and steps through them, so fewer
    /// connections than lines still reach every line, and no line is used by two connections.
    pub spread_headers: bool,
    /// Request bodies, replacing the common body; see [`Variation::pick`] for which is sent.
    pub bodies: Vec<Vec<u8>>,
}

impl Variation {
    /// Reads a header file (`Name: value` per line) and a body file (one body per line); blank
    /// lines are skipped, and a file with no other lines is an error.
    pub fn from_files(
        header_file: Option<&Path>,
        body_lines: Option<&Path>,
        spread_headers: bool,
    ) -> anyhow::Result<Self> {
        let header_lines = match header_file {
            Some(path) => lines(path)?
                .iter()
                .map(|l| parse_header(l))
                .collect::<anyhow::Result<_>>()
                .with_context(|| format!("in {}", path.display()))?,
            None => Vec::new(),
        };
        let bodies = match body_lines {
            Some(path) => lines(path)?.into_iter().map(String::into_bytes).collect(),
            None => Vec::new(),
        };
        Ok(Self {
            header_lines,
            spread_headers,
            bodies,
        })
    }

    /// (header line, body) indices of the k-th request (from 0) of connection `conn` of `conns`.
    /// Header: line conn mod N, or with `spread_headers` line v mod N where v = conn + k·conns is
    /// the request's place in the interleaved sequence of all connections. Body: connection
    /// `conn` starts at body conn mod M and takes the next one each request; with
    /// `spread_headers` it moves on once per round of header lines instead, so that each
    /// (header line, body) pair of the connection is visited equally often whatever N and M are.
    /// Indices are 0 when there are no lines.
    pub fn pick(&self, conn: usize, k: u64, conns: usize) -> (usize, usize) {
        let n = self.header_lines.len().max(1) as u64;
        let m = self.bodies.len().max(1) as u64;
        let i = conn as u64;
        if self.spread_headers {
            let v = i + k * conns as u64;
            ((v % n) as usize, ((i + v / n) % m) as usize)
        } else {
            ((i % n) as usize, ((i + k) % m) as usize)
        }
    }
}

/// The file's non-blank lines, trimmed; a file without any is an error.
pub fn lines(path: &Path) -> anyhow::Result<Vec<String>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let lines: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect();
    anyhow::ensure!(!lines.is_empty(), "{} has no lines", path.display());
    Ok(lines)
}

/// Every distinct request of a load, encoded once and shared by the workers.
pub struct Requests {
    variation: Variation,
    connections: usize,
    /// Index: header line × number of bodies + body.
    encoded: Vec<Arc<[u8]>>,
}

impl Requests {
    pub fn new(
        target: &Target,
        spec: &RequestSpec,
        variation: Variation,
        connections: usize,
    ) -> anyhow::Result<Self> {
        let headers: Vec<Option<&(String, String)>> = if variation.header_lines.is_empty() {
            vec![None]
        } else {
            variation.header_lines.iter().map(Some).collect()
        };
        let bodies: Vec<Option<&Vec<u8>>> = if variation.bodies.is_empty() {
            vec![spec.body.as_ref()]
        } else {
            variation.bodies.iter().map(Some).collect()
        };
        anyhow::ensure!(
            headers.len() * bodies.len() <= MAX_COMBINATIONS,
            "{} header lines × {} bodies are more than {MAX_COMBINATIONS} distinct requests",
            headers.len(),
            bodies.len()
        );
        let mut encoded = Vec::with_capacity(headers.len() * bodies.len());
        for header in &headers {
            for body in &bodies {
                let mut s = spec.clone();
                s.headers.extend(header.cloned());
                s.body = body.cloned();
                encoded.push(Arc::from(target.clone().with(&s)?.request()));
            }
        }
        Ok(Self {
            variation,
            connections,
            encoded,
        })
    }

    /// The bytes of the k-th request of connection `conn`.
    pub fn get(&self, conn: usize, k: u64) -> &[u8] {
        let (h, b) = self.variation.pick(conn, k, self.connections);
        let bodies = self.variation.bodies.len().max(1);
        &self.encoded[h * bodies + b]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};

    fn variation(headers: usize, bodies: usize, spread: bool) -> Variation {
        Variation {
            header_lines: (0..headers)
                .map(|i| ("Authorization".into(), format!("Bearer t{i}")))
                .collect(),
            spread_headers: spread,
            bodies: (0..bodies)
                .map(|i| format!("{{\"p\":{i}}}").into())
                .collect(),
        }
    }

    #[test]
    fn each_connection_keeps_its_header_line() {
        let v = variation(2, 0, false);
        for k in 0..5 {
            let lines: Vec<usize> = (0..3).map(|c| v.pick(c, k, 3).0).collect();
            assert_eq!(lines, [0, 1, 0], "request {k}");
        }
        // 64 connections, 64 tokens: one token each, all used.
        let v = variation(64, 0, false);
        let used: BTreeSet<usize> = (0..64).map(|c| v.pick(c, 7, 64).0).collect();
        assert_eq!(used.len(), 64);
    }

    #[test]
    fn bodies_rotate_from_a_staggered_start() {
        let v = variation(0, 3, false);
        let seq: Vec<(usize, usize)> = (0..4).map(|k| v.pick(1, k, 2)).collect();
        assert_eq!(seq, [(0, 1), (0, 2), (0, 0), (0, 1)]);
        assert_eq!(variation(0, 0, false).pick(5, 9, 8), (0, 0));
    }

    #[test]
    fn spread_headers_partition_the_lines_between_connections() {
        let v = variation(4, 0, true);
        let of = |c: usize| (0..6).map(|k| v.pick(c, k, 2).0).collect::<Vec<_>>();
        assert_eq!(
            (of(0), of(1)),
            (vec![0, 2, 0, 2, 0, 2], vec![1, 3, 1, 3, 1, 3])
        );
        // As many connections as lines: the same as without spreading.
        let v = variation(64, 13, true);
        for c in 0..64 {
            assert!((0..100).all(|k| v.pick(c, k, 64).0 == c));
        }
    }

    #[test]
    fn one_connection_visits_every_pair_equally_often() {
        // 64 users × 13 products through one connection: every (user, product) pair once per
        // 64 × 13 requests, even though 64 is not a multiple of 13 (nor the other way round).
        let v = variation(64, 13, true);
        let mut seen: BTreeMap<(usize, usize), u32> = BTreeMap::new();
        for k in 0..(64 * 13 * 2) {
            *seen.entry(v.pick(0, k, 1)).or_default() += 1;
        }
        assert_eq!(seen.len(), 64 * 13);
        assert!(seen.values().all(|&n| n == 2), "{seen:?}");
        // The same when 16 bodies would line up with 64 lines in a naive rotation.
        let v = variation(64, 16, true);
        let pairs: BTreeSet<_> = (0..64 * 16).map(|k| v.pick(0, k, 1)).collect();
        assert_eq!(pairs.len(), 64 * 16);
    }

    #[test]
    fn encodes_each_combination_once() {
        let target = Target::parse("http://127.0.0.1:9/api/cart/items").unwrap();
        let spec = RequestSpec {
            method: "POST".into(),
            headers: vec![("X-Common".into(), "1".into())],
            body: Some(b"{}".to_vec()),
        };
        let r = Requests::new(&target, &spec, variation(2, 3, false), 2).unwrap();
        assert_eq!(r.encoded.len(), 6);
        let text = String::from_utf8(r.get(1, 1).to_vec()).unwrap();
        assert!(text.contains("X-Common: 1\r\n"), "{text}");
        assert!(text.contains("Authorization: Bearer t1\r\n"), "{text}");
        assert!(text.ends_with("\r\n\r\n{\"p\":2}"), "{text}");
        // No variation: the common body.
        let r = Requests::new(&target, &spec, Variation::default(), 4).unwrap();
        assert!(r.get(3, 10).ends_with(b"\r\n\r\n{}"));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_load_gives_each_connection_its_own_header_line() {
        use axum::extract::ConnectInfo;
        use axum::http::HeaderMap;
        use std::net::SocketAddr;
        use std::sync::Mutex;
        use std::time::Duration;
        // Which tokens arrived on which TCP connection (the client's address and port).
        let seen: Arc<Mutex<BTreeMap<SocketAddr, BTreeSet<String>>>> = Arc::default();
        let record = seen.clone();
        let app = axum::Router::new().fallback(
            move |ConnectInfo(peer): ConnectInfo<SocketAddr>, headers: HeaderMap| {
                let token = headers
                    .get("authorization")
                    .map(|v| v.to_str().unwrap().to_string());
                record
                    .lock()
                    .unwrap()
                    .entry(peer)
                    .or_default()
                    .extend(token);
                async { "{}" }
            },
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = app.into_make_service_with_connect_info::<SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, app).await });
        let r = crate::load::run(&crate::load::LoadConfig {
            url: format!("http://{addr}/api/cart"),
            request: RequestSpec::default(),
            variation: variation(3, 0, false),
            connections: 5,
            duration: Duration::from_millis(200),
            warmup: Duration::ZERO,
            timeout: Duration::from_secs(2),
            rate: None,
        })
        .await
        .unwrap();
        assert!(r.requests > 10 && r.errors == 0 && r.connects == 5, "{r:?}");
        let seen = seen.lock().unwrap();
        let mut per_token: BTreeMap<&str, usize> = BTreeMap::new();
        for tokens in seen.values() {
            assert_eq!(
                tokens.len(),
                1,
                "one connection sent several tokens: {seen:?}"
            );
            *per_token.entry(tokens.first().unwrap()).or_default() += 1;
        }
        // Connections 0-4 take lines 0, 1, 2, 0, 1.
        let want = [("Bearer t0", 2), ("Bearer t1", 2), ("Bearer t2", 1)];
        assert_eq!(per_token.into_iter().collect::<Vec<_>>(), want);
    }

    #[test]
    fn reads_files_and_rejects_empty_or_malformed_ones() {
        let dir = std::env::temp_dir().join(format!("vici-bench-variants-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (headers, bodies, empty) = (dir.join("h"), dir.join("b"), dir.join("e"));
        std::fs::write(
            &headers,
            "Authorization: Bearer a\n\nAuthorization: Bearer b\n",
        )
        .unwrap();
        std::fs::write(&bodies, "{\"p\":1}\n{\"p\":2}\n").unwrap();
        std::fs::write(&empty, "\n \n").unwrap();
        let v = Variation::from_files(Some(&headers), Some(&bodies), false).unwrap();
        assert_eq!(
            v.header_lines[1],
            ("Authorization".into(), "Bearer b".into())
        );
        assert_eq!(v.bodies, [b"{\"p\":1}".to_vec(), b"{\"p\":2}".to_vec()]);
        assert!(Variation::from_files(Some(&empty), None, false).is_err());
        assert!(Variation::from_files(Some(&bodies), None, false).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
