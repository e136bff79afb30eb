//! Which Redis database a distributed deployment keeps its cache in. Each deployment has one of
//! its own, emptied when it starts: two shops on one database would share their recommendation
//! store (one pipeline overwriting the other's lists), their rate-limit budgets and deny-lists,
//! and a shop would start with the keys an earlier run left.
use std::time::Duration;

/// The run's shared shop.
pub const SHARED_SHOP: u8 = 1;
/// A test's own shop (one at a time, see `OwnShop`).
pub const OWN_SHOP: u8 = 2;

/// `VICI_TEST_REDIS_URL` (default redis://127.0.0.1:6379) with database `db`.
pub fn url(db: u8) -> String {
    let base =
        std::env::var("VICI_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    with_db(&base, db)
}

/// `base` naming database `db` (one it names already is replaced).
fn with_db(base: &str, db: u8) -> String {
    let server = base.trim_end_matches('/');
    let server = match server.rsplit_once('/') {
        Some((rest, named)) if !rest.ends_with('/') && named.parse::<u8>().is_ok() => rest,
        _ => server,
    };
    format!("{server}/{db}")
}

/// Empties the database `url` names (redis://[user:password@]host:port/db).
pub fn empty(url: &str) {
    let emptied = redis::Client::open(url)
        .and_then(|client| client.get_connection_with_timeout(Duration::from_secs(30)))
        .and_then(|mut conn| redis::cmd("FLUSHDB").query::<()>(&mut conn));
    if let Err(e) = emptied {
        panic!("emptying the Redis database {url} failed (scripts/engines.sh starts Redis): {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_is_appended_or_replaced() {
        assert_eq!(with_db("redis://r:6379/0", 2), "redis://r:6379/2");
        assert_eq!(with_db("redis://:pw@r:6379/", 1), "redis://:pw@r:6379/1");
        assert_eq!(with_db("redis://r:6379", 1), "redis://r:6379/1");
    }
}
