//! The `deny_list` table: the durable copy of every deny-list entry written to the cache, from
//! which a cache that lost its contents is filled again.
use vici_kit::Result;
use vici_store::Db;
use vici_store::error::SqlxResultExt as _;

/// One entry: its cache key, value and end (unix milliseconds).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub key: String,
    pub value: String,
    pub expires_at: i64,
}

/// Records `entry`, replacing an older entry of the same key (the cache write that follows
/// replaces it there too).
pub async fn record(db: &Db, entry: &Entry) -> Result<()> {
    sqlx::query(
        "INSERT INTO deny_list (cache_key, cache_value, expires_at) VALUES ($1, $2, $3) \
         ON CONFLICT (cache_key) DO UPDATE SET cache_value = excluded.cache_value, \
         expires_at = excluded.expires_at",
    )
    .bind(&entry.key)
    .bind(&entry.value)
    .bind(entry.expires_at)
    .execute(db.writer())
    .await
    .db_err("recording a deny-list entry")?;
    Ok(())
}

/// The entries still of use at `now`.
pub async fn live(db: &Db, now: i64) -> Result<Vec<Entry>> {
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT cache_key, cache_value, expires_at FROM deny_list WHERE expires_at > $1 \
         ORDER BY cache_key",
    )
    .bind(now)
    .fetch_all(db.reader())
    .await
    .db_err("reading the deny-list")?;
    let entries = rows.into_iter().map(|(key, value, expires_at)| Entry {
        key,
        value,
        expires_at,
    });
    Ok(entries.collect())
}

/// Deletes the entries that ended before `now`; how many.
pub async fn delete_expired(db: &Db, now: i64) -> Result<u64> {
    let done = sqlx::query("DELETE FROM deny_list WHERE expires_at <= $1")
        .bind(now)
        .execute(db.writer())
        .await
        .db_err("deleting ended deny-list entries")?;
    Ok(done.rows_affected())
}
