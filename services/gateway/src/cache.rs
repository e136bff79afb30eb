//! An optional in-process micro-cache for public catalogue reads: a burst of identical GETs
//! (a shop page opened by many visitors at once) costs one product-service call per TTL.
//! On by default for one second (`gateway.cache_ttl_ms`, 0 = off; see docs/decisions.md). Only
//! answers that are the same for every non-admin caller are cached; a route that personalises
//! must not sit behind this layer, and admins are never served from it.
//!
//! It is never stale after a change the shop knows of: [`MicroCache::clear`] runs after this
//! replica's own writes (routes declared `refreshes`) and on every catalogue or stock event
//! (`crate::follow`), and an answer computed while a clear happened is not stored, since it
//! may predate the change.
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::behaviour::Served;
use crate::error::ApiError;
use crate::identity::Caller;

/// Bounds memory: past this many keys the expired ones go, and if that is not enough, all.
const MAX_ENTRIES: usize = 2048;
/// Larger answers are passed through uncached.
const MAX_BODY_BYTES: usize = 1 << 20;

#[derive(Clone)]
struct Entry {
    stored: Instant,
    headers: HeaderMap,
    body: Bytes,
    /// The behaviour the answer served: a cached page is recorded like a fresh one.
    served: Option<Served>,
}

#[derive(Clone)]
pub struct MicroCache {
    ttl: Duration,
    entries: Arc<Mutex<HashMap<String, Entry>>>,
    /// Counts clears: an answer is stored only if none happened since its request began.
    clears: Arc<AtomicU64>,
}

impl MicroCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Arc::default(),
            clears: Arc::default(),
        }
    }

    pub fn clear(&self) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        self.clears.fetch_add(1, Ordering::SeqCst);
        entries.clear();
    }

    /// Where the clears stand: pass it to [`MicroCache::put`] for an answer begun now.
    fn epoch(&self) -> u64 {
        self.clears.load(Ordering::SeqCst)
    }

    fn get(&self, key: &str) -> Option<Entry> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key)
            .filter(|e| e.stored.elapsed() < self.ttl)
            .cloned()
    }

    /// Stores an answer whose request began at `epoch`, unless the cache was cleared since.
    fn put(
        &self,
        epoch: u64,
        key: String,
        headers: HeaderMap,
        body: Bytes,
        served: Option<Served>,
    ) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if self.clears.load(Ordering::SeqCst) != epoch {
            return;
        }
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, e| e.stored.elapsed() < self.ttl);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(
            key,
            Entry {
                stored: Instant::now(),
                headers,
                body,
                served,
            },
        );
    }
}

/// Middleware: serves a fresh copy of a successful GET by path and query, else stores one.
/// Admins bypass it both ways: they see products of every status, which nobody else may.
pub async fn serve(State(cache): State<MicroCache>, req: Request, next: Next) -> Response {
    let admin = req
        .extensions()
        .get::<Caller>()
        .is_some_and(Caller::is_admin);
    if req.method() != Method::GET || admin {
        return next.run(req).await;
    }
    let key = req.uri().path_and_query().map_or_else(
        || req.uri().path().to_string(),
        |pq| pq.as_str().to_string(),
    );
    if let Some(hit) = cache.get(&key) {
        let mut response = Response::new(Body::from(hit.body));
        *response.headers_mut() = hit.headers;
        if let Some(served) = hit.served {
            response.extensions_mut().insert(served);
        }
        return response;
    }
    let epoch = cache.epoch();
    let response = next.run(req).await;
    if response.status() != StatusCode::OK {
        return response;
    }
    let (parts, body) = response.into_parts();
    // Handlers answer with in-memory JSON, so collecting it costs a copy at most.
    match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => {
            if bytes.len() <= MAX_BODY_BYTES {
                let served = parts.extensions.get::<Served>().cloned();
                cache.put(epoch, key, parts.headers.clone(), bytes.clone(), served);
            }
            Response::from_parts(parts, Body::from(bytes))
        }
        Err(e) => ApiError::internal(anyhow::anyhow!(
            "micro-cache could not read the answer to {key}: {e}"
        ))
        .into_response(),
    }
}

/// Middleware of a write route: empties the cache once the write has answered, whatever the
/// answer (a refused payment can still have released stock; a needless clear costs one miss).
pub async fn refresh_after(State(cache): State<MicroCache>, req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    cache.clear();
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stores `body` for `path` as an answer begun at `epoch`, without headers or a deadline.
    fn store(cache: &MicroCache, epoch: u64, path: String, body: Bytes) {
        cache.put(epoch, path, HeaderMap::new(), body, None);
    }

    #[test]
    fn entries_expire_and_the_map_stays_bounded() {
        let cache = MicroCache::new(Duration::from_millis(30));
        store(&cache, cache.epoch(), "/a".into(), Bytes::from_static(b"1"));
        assert_eq!(
            cache.get("/a").map(|e| e.body),
            Some(Bytes::from_static(b"1"))
        );
        std::thread::sleep(Duration::from_millis(40));
        assert!(cache.get("/a").is_none());
        for i in 0..MAX_ENTRIES + 10 {
            store(&cache, cache.epoch(), format!("/k{i}"), Bytes::new());
        }
        assert!(cache.entries.lock().unwrap().len() <= MAX_ENTRIES);
    }

    #[test]
    fn an_answer_begun_before_a_clear_is_not_stored() {
        let cache = MicroCache::new(Duration::from_secs(60));
        let begun = cache.epoch();
        cache.clear();
        store(&cache, begun, "/a".into(), Bytes::from_static(b"old"));
        assert!(
            cache.get("/a").is_none(),
            "it may show the world before the change"
        );
        store(
            &cache,
            cache.epoch(),
            "/a".into(),
            Bytes::from_static(b"new"),
        );
        assert_eq!(
            cache.get("/a").map(|e| e.body),
            Some(Bytes::from_static(b"new"))
        );
    }
}
