//! The memory adapter's operations: each one under its key's shard lock, answering as the
//! same Redis command would.

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::{Duration, Instant};

use super::value::{Value, ZSet, range};
use super::{Entry, MemoryCache, live, wrong_type};

fn check_score(score: f64) -> anyhow::Result<()> {
    anyhow::ensure!(!score.is_nan(), "sorted-set score is not a number");
    Ok(())
}

#[async_trait::async_trait]
impl crate::Cache for MemoryCache {
    async fn get(&self, key: &str) -> anyhow::Result<Option<Vec<u8>>> {
        let mut map = self.shard(key);
        match live(&mut map, key, None) {
            None => Ok(None),
            Some(Entry {
                value: Value::Str(bytes),
                ..
            }) => Ok(Some(bytes.clone())),
            Some(e) => Err(wrong_type(key, &e.value, "string")),
        }
    }

    async fn set(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> anyhow::Result<()> {
        self.shard(key)
            .insert(key.to_string(), Entry::new(Value::Str(value.to_vec()), ttl));
        Ok(())
    }

    async fn set_nx(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> anyhow::Result<bool> {
        let mut map = self.shard(key);
        if live(&mut map, key, None).is_some() {
            return Ok(false);
        }
        map.insert(key.to_string(), Entry::new(Value::Str(value.to_vec()), ttl));
        Ok(true)
    }

    async fn delete(&self, key: &str) -> anyhow::Result<bool> {
        let mut map = self.shard(key);
        Ok(live(&mut map, key, None).is_some() && map.remove(key).is_some())
    }

    async fn exists(&self, key: &str) -> anyhow::Result<bool> {
        Ok(live(&mut self.shard(key), key, None).is_some())
    }

    async fn incr_by(
        &self,
        key: &str,
        by: i64,
        ttl_if_new: Option<Duration>,
    ) -> anyhow::Result<i64> {
        let mut map = self.shard(key);
        let Some(entry) = live(&mut map, key, None) else {
            map.insert(
                key.to_string(),
                Entry::new(Value::Str(by.to_string().into_bytes()), ttl_if_new),
            );
            return Ok(by);
        };
        let Value::Str(bytes) = &mut entry.value else {
            return Err(wrong_type(key, &entry.value, "string"));
        };
        let current: i64 = std::str::from_utf8(bytes)
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| anyhow::anyhow!("cache key {key} does not hold an integer"))?;
        let next = current
            .checked_add(by)
            .ok_or_else(|| anyhow::anyhow!("cache key {key}: increment overflows"))?;
        *bytes = next.to_string().into_bytes();
        Ok(next)
    }

    async fn expire(&self, key: &str, ttl: Duration) -> anyhow::Result<bool> {
        let mut map = self.shard(key);
        let Some(entry) = live(&mut map, key, None) else {
            return Ok(false);
        };
        entry.expires_at = Some(Instant::now() + ttl);
        Ok(true)
    }

    async fn ttl(&self, key: &str) -> anyhow::Result<Option<Duration>> {
        let mut map = self.shard(key);
        let expires_at = live(&mut map, key, None).and_then(|e| e.expires_at);
        Ok(expires_at.map(|at| at.saturating_duration_since(Instant::now())))
    }

    async fn zadd(&self, key: &str, members: &[(&str, f64)]) -> anyhow::Result<usize> {
        members.iter().try_for_each(|(_, s)| check_score(*s))?;
        self.write(key, |z: &mut ZSet| {
            members.iter().filter(|(m, s)| z.insert(m, *s)).count()
        })
    }

    async fn zincr_by(&self, key: &str, member: &str, by: f64) -> anyhow::Result<f64> {
        check_score(by)?;
        self.write(key, |z: &mut ZSet| {
            let score = z.score(member).unwrap_or(0.0) + by;
            check_score(score)?;
            z.insert(member, score);
            Ok(score)
        })?
    }

    async fn zrevrange_with_scores(
        &self,
        key: &str,
        start: isize,
        stop: isize,
    ) -> anyhow::Result<Vec<(String, f64)>> {
        self.read(key, |z: &mut ZSet| z.rev_range(start, stop))
    }

    async fn zscore(&self, key: &str, member: &str) -> anyhow::Result<Option<f64>> {
        self.read(key, |z: &mut ZSet| z.score(member))
    }

    async fn zrem(&self, key: &str, members: &[&str]) -> anyhow::Result<usize> {
        self.read(key, |z: &mut ZSet| {
            members.iter().filter(|m| z.remove(m)).count()
        })
    }

    async fn zcard(&self, key: &str) -> anyhow::Result<usize> {
        self.read(key, |z: &mut ZSet| z.len())
    }

    async fn zremrangebyrank(&self, key: &str, start: isize, stop: isize) -> anyhow::Result<usize> {
        self.read(key, |z: &mut ZSet| z.remove_ranks(start, stop))
    }

    async fn zadd_keep_top(
        &self,
        key: &str,
        members: &[(&str, f64)],
        keep: usize,
        ttl: Option<Duration>,
    ) -> anyhow::Result<usize> {
        members.iter().try_for_each(|(_, s)| check_score(*s))?;
        self.write_for(key, ttl, |z: &mut ZSet| {
            for (m, s) in members {
                z.insert(m, *s);
            }
            let keep = isize::try_from(keep).unwrap_or(isize::MAX - 1);
            z.remove_ranks(0, -keep - 1);
            z.len()
        })
    }

    async fn zreplace(&self, key: &str, members: &[(&str, f64)]) -> anyhow::Result<()> {
        members.iter().try_for_each(|(_, s)| check_score(*s))?;
        let mut fresh = ZSet::default();
        for (m, s) in members {
            fresh.insert(m, *s);
        }
        let mut map = self.shard(key);
        map.remove(key);
        if !fresh.is_empty() {
            map.insert(key.to_string(), Entry::new(fresh.into(), None));
        }
        Ok(())
    }

    async fn lpush(&self, key: &str, values: &[&str]) -> anyhow::Result<usize> {
        self.write(key, |l: &mut VecDeque<String>| {
            values.iter().for_each(|v| l.push_front(v.to_string()));
            l.len()
        })
    }

    async fn move_to_front(
        &self,
        key: &str,
        value: &str,
        keep: usize,
        ttl: Option<Duration>,
    ) -> anyhow::Result<usize> {
        crate::ensure_keeps_one(keep)?;
        self.write_for(key, ttl, |l: &mut VecDeque<String>| {
            l.retain(|v| v != value);
            l.push_front(value.to_string());
            l.truncate(keep);
            l.len()
        })
    }

    async fn lrange(&self, key: &str, start: isize, stop: isize) -> anyhow::Result<Vec<String>> {
        self.read(key, |l: &mut VecDeque<String>| {
            match range(start, stop, l.len()) {
                Some(r) => l.range(r).cloned().collect(),
                None => Vec::new(),
            }
        })
    }

    async fn hset(&self, key: &str, fields: &[(&str, &str)]) -> anyhow::Result<usize> {
        self.write(key, |h: &mut HashMap<String, String>| {
            fields
                .iter()
                .filter(|(f, v)| h.insert(f.to_string(), v.to_string()).is_none())
                .count()
        })
    }

    async fn hget(&self, key: &str, field: &str) -> anyhow::Result<Option<String>> {
        self.read(key, |h: &mut HashMap<String, String>| h.get(field).cloned())
    }

    async fn hgetall(&self, key: &str) -> anyhow::Result<HashMap<String, String>> {
        self.read(key, |h: &mut HashMap<String, String>| h.clone())
    }

    async fn sadd(&self, key: &str, members: &[&str]) -> anyhow::Result<usize> {
        self.write(key, |s: &mut HashSet<String>| {
            members.iter().filter(|m| s.insert(m.to_string())).count()
        })
    }

    async fn srem(&self, key: &str, members: &[&str]) -> anyhow::Result<usize> {
        self.read(key, |s: &mut HashSet<String>| {
            members.iter().filter(|m| s.remove(**m)).count()
        })
    }

    async fn sismember(&self, key: &str, member: &str) -> anyhow::Result<bool> {
        self.read(key, |s: &mut HashSet<String>| s.contains(member))
    }

    async fn smembers(&self, key: &str) -> anyhow::Result<Vec<String>> {
        let mut members = self.read(key, |s: &mut HashSet<String>| {
            s.iter().cloned().collect::<Vec<_>>()
        })?;
        members.sort();
        Ok(members)
    }

    async fn keys_with_prefix(&self, prefix: &str) -> anyhow::Result<Vec<String>> {
        Ok(self.live_keys(prefix))
    }

    async fn key_type(&self, key: &str) -> anyhow::Result<Option<&'static str>> {
        Ok(self.kind_of(key))
    }

    async fn ping(&self) -> anyhow::Result<()> {
        Ok(())
    }
}
