//! The Redis adapter: each operation is one Redis command (or one Lua script where two steps
//! must be atomic) over a reconnecting multiplexed connection.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::Context;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Cmd, FromRedisValue};

use self::scripts::{INCR_BY, MOVE_TO_FRONT, ZADD_KEEP_TOP, ZREPLACE};
use crate::{KINDS, redact};

mod scripts;

/// Start-up fails fast on a wrong address instead of hanging.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// Generous next to Redis's sub-millisecond answers, so a busy machine does not turn into
/// spurious errors, yet short enough that a hung server fails requests instead of stalling them.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(2);

/// Refuses a NaN score before anything is sent, as the memory adapter does.
fn ensure_scores(members: &[(&str, f64)]) -> anyhow::Result<()> {
    anyhow::ensure!(
        members.iter().all(|(_, s)| !s.is_nan()),
        "sorted-set score is not a number"
    );
    Ok(())
}

/// The Redis [`crate::Cache`].
pub struct RedisCache {
    conn: ConnectionManager,
    namespace: String,
}

impl RedisCache {
    /// Connects to `url` (`redis://[:password@]host:port[/db]`) and checks it answers.
    /// `namespace` is prepended to every key; production uses none so the keys of
    /// `recommendations.md` are exact, tests use a random one so parallel runs never collide.
    pub async fn connect(url: &str, namespace: Option<&str>) -> anyhow::Result<Self> {
        let shown = redact(url);
        let client =
            redis::Client::open(url).with_context(|| format!("invalid Redis URL {shown}"))?;
        // One plain connection first: the manager retries with backoff, which would turn
        // "connection refused" or "wrong password" into a bare timeout.
        let probe = redis::AsyncConnectionConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT));
        let mut first = client
            .get_multiplexed_async_connection_with_config(&probe)
            .await
            .with_context(|| format!("cannot connect to Redis at {shown}"))?;
        let _: String = redis::cmd("PING")
            .query_async(&mut first)
            .await
            .with_context(|| format!("Redis at {shown} does not answer PING"))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT));
        let conn = tokio::time::timeout(
            CONNECT_TIMEOUT,
            ConnectionManager::new_with_config(client, config),
        )
        .await
        .map_err(|_| anyhow::anyhow!("no answer within {CONNECT_TIMEOUT:?}"))
        .and_then(|r| r.map_err(anyhow::Error::from))
        .with_context(|| format!("cannot connect to Redis at {shown}"))?;
        tracing::info!(url = %shown, "cache: Redis");
        Ok(Self {
            conn,
            namespace: namespace.unwrap_or_default().to_string(),
        })
    }

    /// Deletes every key of this cache's namespace (test clean-up). Refuses without a
    /// namespace, where it would empty the whole database.
    pub async fn clear_namespace(&self) -> anyhow::Result<usize> {
        anyhow::ensure!(
            !self.namespace.is_empty(),
            "refusing to clear a Redis cache without a namespace"
        );
        let keys = self.scan_prefix("").await?;
        let mut deleted = 0;
        for chunk in keys.chunks(500) {
            let namespaced: Vec<String> = chunk
                .iter()
                .map(|k| format!("{}{k}", self.namespace))
                .collect();
            deleted += self
                .run::<usize>(redis::cmd("DEL").arg(&namespaced))
                .await?;
        }
        Ok(deleted)
    }

    /// The keys of this namespace that start with `prefix`, without the namespace, by SCAN
    /// (which never blocks the server as KEYS would).
    async fn scan_prefix(&self, prefix: &str) -> anyhow::Result<Vec<String>> {
        let mut pattern = String::new();
        for c in self.namespace.chars().chain(prefix.chars()) {
            if matches!(c, '*' | '?' | '[' | ']' | '\\') {
                pattern.push('\\');
            }
            pattern.push(c);
        }
        pattern.push('*');
        let mut cursor = 0u64;
        let mut found = Vec::new();
        loop {
            let (next, keys): (u64, Vec<String>) = self
                .run(
                    redis::cmd("SCAN")
                        .arg(cursor)
                        .arg("MATCH")
                        .arg(&pattern)
                        .arg("COUNT")
                        .arg(500),
                )
                .await?;
            found.extend(
                keys.into_iter()
                    .filter_map(|k| k.strip_prefix(self.namespace.as_str()).map(str::to_string)),
            );
            if next == 0 {
                found.sort();
                found.dedup(); // SCAN may return a key twice.
                return Ok(found);
            }
            cursor = next;
        }
    }

    /// `name key`, with the namespace applied to the key; chain further arguments on it.
    fn cmd(&self, name: &str, key: &str) -> Cmd {
        let mut cmd = redis::cmd(name);
        cmd.arg(format!("{}{key}", self.namespace));
        cmd
    }

    /// EVAL of `script` on the one key `key`; the caller adds the arguments.
    fn script(&self, script: &str, key: &str) -> Cmd {
        let mut eval = redis::cmd("EVAL");
        eval.arg(script)
            .arg(1)
            .arg(format!("{}{key}", self.namespace));
        eval
    }

    async fn run<T: FromRedisValue>(&self, cmd: &Cmd) -> anyhow::Result<T> {
        cmd.query_async(&mut self.conn.clone())
            .await
            .with_context(|| format!("redis {} failed", describe(cmd)))
    }

    /// The size of the collection at `key`. Redis rejects commands given no members, so calls
    /// with nothing to add or remove run this instead: it still fails on a key of another type,
    /// as the memory adapter does.
    async fn len(&self, len_cmd: &str, key: &str) -> anyhow::Result<usize> {
        self.run(&self.cmd(len_cmd, key)).await
    }
}

/// The command name and key, for error messages (values may be large or private).
fn describe(cmd: &Cmd) -> String {
    let words: Vec<String> = cmd
        .args_iter()
        .take(2)
        .filter_map(|a| match a {
            redis::Arg::Simple(bytes) => Some(String::from_utf8_lossy(bytes).into_owned()),
            _ => None,
        })
        .collect();
    words.join(" ")
}

/// Redis takes whole milliseconds and rejects 0; a sub-millisecond TTL rounds up to 1 ms.
fn millis(ttl: Duration) -> u64 {
    u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1)
}

#[async_trait::async_trait]
impl crate::Cache for RedisCache {
    async fn get(&self, key: &str) -> anyhow::Result<Option<Vec<u8>>> {
        self.run(&self.cmd("GET", key)).await
    }

    async fn get_many(&self, keys: &[String]) -> anyhow::Result<Vec<Option<Vec<u8>>>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut mget = redis::cmd("MGET");
        for key in keys {
            mget.arg(format!("{}{key}", self.namespace));
        }
        self.run(&mget).await
    }

    async fn set(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> anyhow::Result<()> {
        self.run(
            self.cmd("SET", key)
                .arg(value)
                .arg(ttl.map(|t| ("PX", millis(t)))),
        )
        .await
    }

    async fn set_nx(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> anyhow::Result<bool> {
        let reply: redis::Value = self
            .run(
                self.cmd("SET", key)
                    .arg(value)
                    .arg("NX")
                    .arg(ttl.map(|t| ("PX", millis(t)))),
            )
            .await?;
        Ok(!matches!(reply, redis::Value::Nil))
    }

    async fn delete(&self, key: &str) -> anyhow::Result<bool> {
        self.run(&self.cmd("DEL", key)).await
    }

    async fn exists(&self, key: &str) -> anyhow::Result<bool> {
        self.run(&self.cmd("EXISTS", key)).await
    }

    async fn incr_by(
        &self,
        key: &str,
        by: i64,
        ttl_if_new: Option<Duration>,
    ) -> anyhow::Result<i64> {
        let mut eval = self.script(INCR_BY, key);
        eval.arg(by).arg(ttl_if_new.map_or(0, millis));
        eval.query_async(&mut self.conn.clone())
            .await
            .with_context(|| format!("redis INCRBY {key} failed"))
    }

    async fn expire(&self, key: &str, ttl: Duration) -> anyhow::Result<bool> {
        self.run(self.cmd("PEXPIRE", key).arg(millis(ttl))).await
    }

    async fn ttl(&self, key: &str) -> anyhow::Result<Option<Duration>> {
        // PTTL answers -2 for an absent key and -1 for one without expiry.
        let ms: i64 = self.run(&self.cmd("PTTL", key)).await?;
        Ok(u64::try_from(ms).ok().map(Duration::from_millis))
    }

    async fn zadd(&self, key: &str, members: &[(&str, f64)]) -> anyhow::Result<usize> {
        if members.is_empty() {
            return self.len("ZCARD", key).await.map(|_| 0);
        }
        let pairs: Vec<(f64, &str)> = members.iter().map(|&(m, s)| (s, m)).collect();
        self.run(self.cmd("ZADD", key).arg(pairs)).await
    }

    async fn zincr_by(&self, key: &str, member: &str, by: f64) -> anyhow::Result<f64> {
        self.run(self.cmd("ZINCRBY", key).arg(by).arg(member)).await
    }

    async fn zrevrange_with_scores(
        &self,
        key: &str,
        start: isize,
        stop: isize,
    ) -> anyhow::Result<Vec<(String, f64)>> {
        self.run(
            self.cmd("ZREVRANGE", key)
                .arg(start)
                .arg(stop)
                .arg("WITHSCORES"),
        )
        .await
    }

    async fn zscore(&self, key: &str, member: &str) -> anyhow::Result<Option<f64>> {
        self.run(self.cmd("ZSCORE", key).arg(member)).await
    }

    async fn zrem(&self, key: &str, members: &[&str]) -> anyhow::Result<usize> {
        if members.is_empty() {
            return self.len("ZCARD", key).await.map(|_| 0);
        }
        self.run(self.cmd("ZREM", key).arg(members)).await
    }

    async fn zcard(&self, key: &str) -> anyhow::Result<usize> {
        self.len("ZCARD", key).await
    }

    async fn zremrangebyrank(&self, key: &str, start: isize, stop: isize) -> anyhow::Result<usize> {
        self.run(self.cmd("ZREMRANGEBYRANK", key).arg(start).arg(stop))
            .await
    }

    async fn zadd_keep_top(
        &self,
        key: &str,
        members: &[(&str, f64)],
        keep: usize,
        ttl: Option<Duration>,
    ) -> anyhow::Result<usize> {
        ensure_scores(members)?;
        let mut eval = self.script(ZADD_KEEP_TOP, key);
        // Lua holds numbers as doubles and writes big ones with an exponent, which
        // ZREMRANGEBYRANK refuses; a sorted set holds at most 2^32 − 1 members anyway.
        eval.arg(keep.min(u32::MAX as usize))
            .arg(ttl.map_or(0, millis));
        for (m, score) in members {
            eval.arg(*score).arg(*m);
        }
        self.run(&eval).await
    }

    async fn zreplace(&self, key: &str, members: &[(&str, f64)]) -> anyhow::Result<()> {
        // Checked first: a script stopped by a bad score would have deleted the key already.
        ensure_scores(members)?;
        let mut eval = self.script(ZREPLACE, key);
        for (m, score) in members {
            eval.arg(*score).arg(*m);
        }
        self.run::<i64>(&eval).await.map(drop)
    }

    async fn lpush(&self, key: &str, values: &[&str]) -> anyhow::Result<usize> {
        if values.is_empty() {
            return self.len("LLEN", key).await;
        }
        self.run(self.cmd("LPUSH", key).arg(values)).await
    }

    async fn move_to_front(
        &self,
        key: &str,
        value: &str,
        keep: usize,
        ttl: Option<Duration>,
    ) -> anyhow::Result<usize> {
        crate::ensure_keeps_one(keep)?;
        let mut eval = self.script(MOVE_TO_FRONT, key);
        eval.arg(value)
            .arg(keep.min(u32::MAX as usize))
            .arg(ttl.map_or(0, millis));
        self.run(&eval).await
    }

    async fn lrange(&self, key: &str, start: isize, stop: isize) -> anyhow::Result<Vec<String>> {
        self.run(self.cmd("LRANGE", key).arg(start).arg(stop)).await
    }

    async fn hset(&self, key: &str, fields: &[(&str, &str)]) -> anyhow::Result<usize> {
        if fields.is_empty() {
            return self.len("HLEN", key).await.map(|_| 0);
        }
        self.run(self.cmd("HSET", key).arg(fields)).await
    }

    async fn hget(&self, key: &str, field: &str) -> anyhow::Result<Option<String>> {
        self.run(self.cmd("HGET", key).arg(field)).await
    }

    async fn hgetall(&self, key: &str) -> anyhow::Result<HashMap<String, String>> {
        self.run(&self.cmd("HGETALL", key)).await
    }

    async fn sadd(&self, key: &str, members: &[&str]) -> anyhow::Result<usize> {
        if members.is_empty() {
            return self.len("SCARD", key).await.map(|_| 0);
        }
        self.run(self.cmd("SADD", key).arg(members)).await
    }

    async fn srem(&self, key: &str, members: &[&str]) -> anyhow::Result<usize> {
        if members.is_empty() {
            return self.len("SCARD", key).await.map(|_| 0);
        }
        self.run(self.cmd("SREM", key).arg(members)).await
    }

    async fn sismember(&self, key: &str, member: &str) -> anyhow::Result<bool> {
        self.run(self.cmd("SISMEMBER", key).arg(member)).await
    }

    async fn smembers(&self, key: &str) -> anyhow::Result<Vec<String>> {
        let mut members: Vec<String> = self.run(&self.cmd("SMEMBERS", key)).await?;
        members.sort();
        Ok(members)
    }

    async fn keys_with_prefix(&self, prefix: &str) -> anyhow::Result<Vec<String>> {
        self.scan_prefix(prefix).await
    }

    async fn key_type(&self, key: &str) -> anyhow::Result<Option<&'static str>> {
        let kind: String = self.run(&self.cmd("TYPE", key)).await?;
        Ok(KINDS.into_iter().find(|k| *k == kind))
    }

    async fn ping(&self) -> anyhow::Result<()> {
        let _: String = self.run(&redis::cmd("PING")).await?;
        Ok(())
    }
}
