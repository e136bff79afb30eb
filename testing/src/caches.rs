//! Cases that run on both cache engines: the in-process store of `vici up` and a real Redis
//! (`VICI_TEST_REDIS_URL`, default redis://127.0.0.1:6379), which must answer: the Redis half
//! fails, never skips, without it. Each Redis case works in a key namespace of its own, emptied
//! after it, so parallel tests and runs never share keys.
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use vici_cache::{MemoryCache, RedisCache, SharedCache};

/// A fresh in-process store.
pub fn memory_cache() -> SharedCache {
    Arc::new(MemoryCache::new())
}

/// A Redis cache in a namespace of `case`'s own.
pub async fn redis_cache(case: &str) -> Arc<RedisCache> {
    let url =
        std::env::var("VICI_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("the clock is past 1970")
        .as_nanos();
    let namespace = format!("vici-test:{}:{nanos}:{case}:", std::process::id());
    match RedisCache::connect(&url, Some(&namespace)).await {
        Ok(cache) => Arc::new(cache),
        Err(e) => panic!(
            "this test needs a Redis server at {url} \
             (start one, or point VICI_TEST_REDIS_URL at one): {e:#}"
        ),
    }
}

/// Runs `case` on a Redis namespace of its own and empties it after.
pub async fn on_redis<F, Fut>(name: &str, case: F)
where
    F: FnOnce(SharedCache) -> Fut,
    Fut: Future<Output = ()>,
{
    let redis = redis_cache(name).await;
    case(redis.clone()).await;
    redis
        .clear_namespace()
        .await
        .expect("clean up the test namespace");
}

/// Runs each named case (an `async fn(SharedCache)`) once per engine, as `memory::<case>` and
/// `redis::<case>`.
#[macro_export]
macro_rules! on_both_caches {
    (@engines $($case:ident => $target:path),*) => {
        mod memory {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                $target($crate::caches::memory_cache()).await;
            })*
        }
        mod redis {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                $crate::caches::on_redis(stringify!($case), $target).await;
            })*
        }
    };
    ($($module:ident :: $case:ident),* $(,)?) => {
        $crate::on_both_caches!(@engines $($case => super::$module::$case),*);
    };
    ($($case:ident),* $(,)?) => {
        $crate::on_both_caches!(@engines $($case => super::$case),*);
    };
}
