//! The in-process cache, the embedded default: sharded maps behind short mutexes, expired keys
//! dropped when touched and by a periodic sweep.

mod ops;
mod value;

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::{Duration, Instant};

use value::{Collection, Value};

/// Enough shards that services hitting different keys rarely wait on each other.
const SHARDS: usize = 16;
/// How often the sweeper drops expired keys nobody touched again.
const SWEEP_EVERY: Duration = Duration::from_secs(5);

struct Entry {
    value: Value,
    expires_at: Option<Instant>,
}

impl Entry {
    fn new(value: Value, ttl: Option<Duration>) -> Self {
        Self {
            value,
            expires_at: ttl.map(|t| Instant::now() + t),
        }
    }

    fn is_live(&self, now: Instant) -> bool {
        self.expires_at.is_none_or(|at| at > now)
    }
}

type Shard = Mutex<HashMap<String, Entry>>;

/// The in-process [`crate::Cache`]. Lives as long as its owner; nothing is persisted.
pub struct MemoryCache {
    shards: Arc<[Shard]>,
    hasher: RandomState,
    sweeper: Option<tokio::task::JoinHandle<()>>,
}

impl Default for MemoryCache {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryCache {
    /// A new, empty cache. Inside a Tokio runtime it also starts the background sweep; outside
    /// one, expired keys are still dropped whenever they are touched.
    pub fn new() -> Self {
        let shards: Arc<[Shard]> = (0..SHARDS).map(|_| Shard::default()).collect();
        let sweeper = tokio::runtime::Handle::try_current()
            .ok()
            .map(|rt| rt.spawn(sweep_forever(Arc::downgrade(&shards))));
        Self {
            shards,
            hasher: RandomState::new(),
            sweeper,
        }
    }

    /// Drops every expired key now; returns how many went.
    pub fn sweep_expired(&self) -> usize {
        sweep(&self.shards)
    }

    /// How many keys are held, counting expired ones not yet swept.
    pub fn stored_keys(&self) -> usize {
        self.shards.iter().map(|s| lock(s).len()).sum()
    }

    /// The live keys starting with `prefix`, sorted.
    pub(crate) fn live_keys(&self, prefix: &str) -> Vec<String> {
        let now = Instant::now();
        let mut keys: Vec<String> = self
            .shards
            .iter()
            .flat_map(|s| {
                let map = lock(s);
                map.iter()
                    .filter(|(k, e)| k.starts_with(prefix) && e.is_live(now))
                    .map(|(k, _)| k.clone())
                    .collect::<Vec<_>>()
            })
            .collect();
        keys.sort();
        keys
    }

    /// The kind of the live value at `key`.
    pub(crate) fn kind_of(&self, key: &str) -> Option<&'static str> {
        let mut map = self.shard(key);
        live(&mut map, key, None).map(|e| e.value.kind())
    }

    fn shard(&self, key: &str) -> MutexGuard<'_, HashMap<String, Entry>> {
        lock(&self.shards[self.hasher.hash_one(key) as usize % SHARDS])
    }

    /// Runs `f` on the collection at `key`, creating it empty first when `create` (else `None`
    /// for an absent key), and drops the key if `f` leaves it empty.
    /// With a `ttl`, the key's lifetime is renewed in the same step.
    fn access<C: Collection, R>(
        &self,
        key: &str,
        create: bool,
        ttl: Option<Duration>,
        f: impl FnOnce(&mut C) -> R,
    ) -> anyhow::Result<Option<R>> {
        let mut map = self.shard(key);
        let Some(entry) = live(&mut map, key, create.then(|| C::default().into())) else {
            return Ok(None);
        };
        let Some(collection) = C::of(&mut entry.value) else {
            return Err(wrong_type(key, &entry.value, C::KIND));
        };
        let out = f(collection);
        if collection.is_empty() {
            map.remove(key);
        } else if let Some(ttl) = ttl {
            entry.expires_at = Some(Instant::now() + ttl);
        }
        Ok(Some(out))
    }

    /// [`Self::access`] for reads and removals, where an absent key reads as empty.
    fn read<C: Collection, R: Default>(
        &self,
        key: &str,
        f: impl FnOnce(&mut C) -> R,
    ) -> anyhow::Result<R> {
        Ok(self.access(key, false, None, f)?.unwrap_or_default())
    }

    /// [`Self::access`] for writes that create the key.
    fn write<C: Collection, R>(&self, key: &str, f: impl FnOnce(&mut C) -> R) -> anyhow::Result<R> {
        self.write_for(key, None, f)
    }

    /// [`Self::write`], renewing the key's lifetime to `ttl` when given.
    fn write_for<C: Collection, R>(
        &self,
        key: &str,
        ttl: Option<Duration>,
        f: impl FnOnce(&mut C) -> R,
    ) -> anyhow::Result<R> {
        Ok(self
            .access(key, true, ttl, f)?
            .expect("created when absent"))
    }
}

impl Drop for MemoryCache {
    fn drop(&mut self) {
        if let Some(sweeper) = self.sweeper.take() {
            sweeper.abort();
        }
    }
}

fn lock(shard: &Shard) -> MutexGuard<'_, HashMap<String, Entry>> {
    // Nothing under these locks panics short of a bug or allocation failure; serving on with
    // one possibly odd key beats failing every later call on the shard.
    shard.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The live entry at `key`, dropping it if expired; inserts `create` when absent.
fn live<'m>(
    map: &'m mut HashMap<String, Entry>,
    key: &str,
    create: Option<Value>,
) -> Option<&'m mut Entry> {
    if map.get(key).is_some_and(|e| !e.is_live(Instant::now())) {
        map.remove(key);
    }
    if let Some(value) = create
        && !map.contains_key(key)
    {
        map.insert(key.to_string(), Entry::new(value, None));
    }
    map.get_mut(key)
}

fn wrong_type(key: &str, found: &Value, wanted: &str) -> anyhow::Error {
    anyhow::anyhow!(
        "WRONGTYPE: cache key {key} holds a {}, not a {wanted}",
        found.kind()
    )
}

fn sweep(shards: &[Shard]) -> usize {
    let now = Instant::now();
    shards
        .iter()
        .map(|s| {
            let mut map = lock(s);
            let before = map.len();
            map.retain(|_, e| e.is_live(now));
            before - map.len()
        })
        .sum()
}

/// Holds only a weak reference, so a dropped cache is freed even before the task is aborted.
async fn sweep_forever(shards: Weak<[Shard]>) {
    let mut tick = tokio::time::interval(SWEEP_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Some(shards) = shards.upgrade() else {
            return;
        };
        sweep(&shards);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Cache;

    #[tokio::test]
    async fn sweep_frees_expired_keys_nobody_reads_again() {
        let cache = MemoryCache::new();
        for i in 0..100 {
            cache
                .set(&format!("k{i}"), b"v", Some(Duration::from_millis(10)))
                .await
                .unwrap();
        }
        cache.set("kept", b"v", None).await.unwrap();
        assert_eq!(cache.stored_keys(), 101);
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert_eq!(cache.sweep_expired(), 100);
        assert_eq!(cache.stored_keys(), 1);
    }

    #[test]
    fn works_without_a_runtime() {
        let cache = MemoryCache::new();
        assert!(cache.sweeper.is_none());
        assert_eq!(cache.sweep_expired(), 0);
    }
}
