//! The cache/KV store: one [`Cache`] trait (strings with TTLs, counters, sorted sets, lists,
//! hashes, sets) with an in-process adapter (the embedded default) and a Redis adapter.
//!
//! Semantics follow Redis, so the two adapters are interchangeable and the recommendation keys
//! of `recommendations.md` read the same in both: ranges are inclusive and accept negative
//! indexes, a collection whose last element is removed disappears, an expired key is absent to
//! every operation, and using a key as the wrong type is an error.

mod memory;
mod redis;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

pub use memory::MemoryCache;

/// The value types a key may hold, as Redis's TYPE names them.
pub const KINDS: [&str; 5] = ["string", "list", "set", "zset", "hash"];
pub use redis::RedisCache;

/// The cache as services hold it.
pub type SharedCache = Arc<dyn Cache>;

#[async_trait::async_trait]
pub trait Cache: Send + Sync {
    /// The bytes stored at `key`, if it holds a string.
    async fn get(&self, key: &str) -> anyhow::Result<Option<Vec<u8>>>;
    /// [`Cache::get`] of several keys, in order, in one round trip where the engine allows
    /// (the gateway's per-request revocation check reads three keys).
    async fn get_many(&self, keys: &[String]) -> anyhow::Result<Vec<Option<Vec<u8>>>> {
        let mut values = Vec::with_capacity(keys.len());
        for key in keys {
            values.push(self.get(key).await?);
        }
        Ok(values)
    }
    /// Stores `value`, replacing any value and TTL; `ttl: None` keeps it until deleted.
    async fn set(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> anyhow::Result<()>;
    /// Stores `value` only if `key` is absent; `true` when it was stored. The building block of
    /// locks and idempotency keys.
    async fn set_nx(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> anyhow::Result<bool>;
    /// Removes `key` whatever its type; `true` when it existed.
    async fn delete(&self, key: &str) -> anyhow::Result<bool>;
    async fn exists(&self, key: &str) -> anyhow::Result<bool>;

    /// Adds `by` to the integer at `key` (absent counts as 0) atomically and returns the new
    /// value. `ttl_if_new` applies only when this call creates the key, which makes
    /// fixed-window rate limits one round trip.
    async fn incr_by(
        &self,
        key: &str,
        by: i64,
        ttl_if_new: Option<Duration>,
    ) -> anyhow::Result<i64>;
    /// Sets the TTL of an existing key; `false` when the key is absent.
    async fn expire(&self, key: &str, ttl: Duration) -> anyhow::Result<bool>;
    /// The remaining TTL; `None` when the key is absent or never expires.
    async fn ttl(&self, key: &str) -> anyhow::Result<Option<Duration>>;

    /// Adds or updates members; returns how many were new.
    async fn zadd(&self, key: &str, members: &[(&str, f64)]) -> anyhow::Result<usize>;
    /// Adds `by` to a member's score (absent counts as 0) and returns the new score.
    async fn zincr_by(&self, key: &str, member: &str, by: f64) -> anyhow::Result<f64>;
    /// Members by descending score (ties by descending member), ranks `start..=stop`.
    async fn zrevrange_with_scores(
        &self,
        key: &str,
        start: isize,
        stop: isize,
    ) -> anyhow::Result<Vec<(String, f64)>>;
    async fn zscore(&self, key: &str, member: &str) -> anyhow::Result<Option<f64>>;
    /// Removes members; returns how many existed.
    async fn zrem(&self, key: &str, members: &[&str]) -> anyhow::Result<usize>;
    async fn zcard(&self, key: &str) -> anyhow::Result<usize>;
    /// Removes ranks `start..=stop` counted by *ascending* score, as Redis does: `(0, -(n+1))`
    /// keeps the `n` highest-scored members.
    async fn zremrangebyrank(&self, key: &str, start: isize, stop: isize) -> anyhow::Result<usize>;

    /// Adds or updates members, then keeps only the `keep` highest-scored and, with a `ttl`,
    /// renews the key's lifetime, in one atomic step (a history keeps its newest entries; no
    /// reader sees it past its cap). Returns the size.
    async fn zadd_keep_top(
        &self,
        key: &str,
        members: &[(&str, f64)],
        keep: usize,
        ttl: Option<Duration>,
    ) -> anyhow::Result<usize>;
    /// Replaces whatever `key` holds with a sorted set of `members` (none: the key goes), in one
    /// atomic step, so a reader sees the old list or the new one, never a mix or nothing.
    async fn zreplace(&self, key: &str, members: &[(&str, f64)]) -> anyhow::Result<()>;

    /// Pushes each value in turn to the head (so the last one ends first); returns the length.
    async fn lpush(&self, key: &str, values: &[&str]) -> anyhow::Result<usize>;
    /// Moves `value` to the head of the list (any other copy removed), keeps the first `keep`
    /// (at least 1) and, with a `ttl`, renews the key's lifetime, in one atomic step: a
    /// recently-viewed list. Returns the length.
    async fn move_to_front(
        &self,
        key: &str,
        value: &str,
        keep: usize,
        ttl: Option<Duration>,
    ) -> anyhow::Result<usize>;
    async fn lrange(&self, key: &str, start: isize, stop: isize) -> anyhow::Result<Vec<String>>;

    /// Sets fields; returns how many were new.
    async fn hset(&self, key: &str, fields: &[(&str, &str)]) -> anyhow::Result<usize>;
    async fn hget(&self, key: &str, field: &str) -> anyhow::Result<Option<String>>;
    async fn hgetall(&self, key: &str) -> anyhow::Result<HashMap<String, String>>;

    /// Adds members; returns how many were new.
    async fn sadd(&self, key: &str, members: &[&str]) -> anyhow::Result<usize>;
    /// Removes members; returns how many existed.
    async fn srem(&self, key: &str, members: &[&str]) -> anyhow::Result<usize>;
    async fn sismember(&self, key: &str, member: &str) -> anyhow::Result<bool>;
    /// All members, sorted so results are reproducible.
    async fn smembers(&self, key: &str) -> anyhow::Result<Vec<String>>;

    /// Whether the store answers (readiness).
    /// The keys that start with `prefix`, sorted (an inspection, e.g. a store's format
    /// check: it walks every key).
    async fn keys_with_prefix(&self, prefix: &str) -> anyhow::Result<Vec<String>>;
    /// The type of the value at `key` as Redis's TYPE names it (one of [`KINDS`]); `None`
    /// when absent.
    async fn key_type(&self, key: &str) -> anyhow::Result<Option<&'static str>>;

    async fn ping(&self) -> anyhow::Result<()>;

    async fn set_string(
        &self,
        key: &str,
        value: &str,
        ttl: Option<Duration>,
    ) -> anyhow::Result<()> {
        self.set(key, value.as_bytes(), ttl).await
    }

    async fn get_string(&self, key: &str) -> anyhow::Result<Option<String>> {
        match self.get(key).await? {
            None => Ok(None),
            Some(bytes) => String::from_utf8(bytes)
                .map(Some)
                .with_context(|| format!("cache key {key} is not UTF-8")),
        }
    }
}

/// Opens the cache named by `url`: `None` or `memory://` for the in-process store,
/// `redis://…`/`rediss://…` for Redis (connected eagerly, so a bad URL stops start-up).
/// A list moved to the front keeps at least the value moved (both adapters refuse 0 alike).
fn ensure_keeps_one(keep: usize) -> anyhow::Result<()> {
    anyhow::ensure!(
        keep > 0,
        "a list moved to the front keeps at least one value"
    );
    Ok(())
}

pub async fn open(url: Option<&str>) -> anyhow::Result<SharedCache> {
    match url.map(str::trim) {
        None | Some("") | Some("memory://") | Some("memory") => {
            tracing::info!("cache: in-process");
            Ok(Arc::new(MemoryCache::new()))
        }
        Some(u) if u.starts_with("redis://") || u.starts_with("rediss://") => {
            Ok(Arc::new(RedisCache::connect(u, None).await?))
        }
        Some(u) => anyhow::bail!(
            "unsupported cache URL {}: expected memory:// or redis://host:port",
            redact(u)
        ),
    }
}

/// Readiness of the cache, for `/ready`.
pub struct CacheReady(pub SharedCache);

#[async_trait::async_trait]
impl vici_kit::server::ReadyCheck for CacheReady {
    fn name(&self) -> &'static str {
        "cache"
    }

    async fn check(&self) -> anyhow::Result<()> {
        self.0.ping().await
    }
}

/// `url` with any password replaced, fit for logs and error messages.
pub(crate) fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://***@{}", &rest[at + 1..]),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_hides_credentials_only() {
        assert_eq!(
            redact("redis://:s3cret@cache:6379/0"),
            "redis://***@cache:6379/0"
        );
        assert_eq!(redact("rediss://user:pw@h/1"), "rediss://***@h/1");
        assert_eq!(redact("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
    }

    #[tokio::test]
    async fn open_rejects_unknown_schemes() {
        let err = open(Some("memcached://x")).await.err().expect("must fail");
        assert!(err.to_string().contains("unsupported cache URL"), "{err}");
    }
}
