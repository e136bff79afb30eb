//! Which Redis database a distributed deployment keeps its cache in. Each deployment has one of
//! its own, emptied when it starts: two shops on one database would share their recommendation
//! store (one pipeline overwriting the other's lists), their rate-limit budgets and deny-lists,
//! and a shop would start with the keys an earlier run left.
use std::io::{Read as _, Write as _};
use std::net::TcpStream;
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
    let rest = url.strip_prefix("redis://").unwrap_or_else(|| {
        panic!("a test deployment's cache is Redis (redis://host:port/db), not {url}")
    });
    let (auth, rest) = match rest.rsplit_once('@') {
        Some((auth, rest)) => (Some(auth), rest),
        None => (None, rest),
    };
    let (address, db) = rest.split_once('/').unwrap_or((rest, "0"));
    let mut commands = Vec::new();
    if let Some(auth) = auth {
        let password = auth.rsplit(':').next().unwrap_or(auth);
        commands.push(vec!["AUTH", password]);
    }
    commands.push(vec!["SELECT", db]);
    commands.push(vec!["FLUSHDB"]);
    let mut wire = String::new();
    for command in &commands {
        wire += &format!("*{}\r\n", command.len());
        for part in command {
            wire += &format!("${}\r\n{part}\r\n", part.len());
        }
    }
    let mut stream = TcpStream::connect(address)
        .unwrap_or_else(|e| panic!("Redis at {address} must answer (scripts/engines.sh): {e}"));
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("a read timeout");
    stream.write_all(wire.as_bytes()).expect("writing to Redis");
    // One "+OK\r\n" per command; anything else is Redis refusing one.
    let expected = "+OK\r\n".repeat(commands.len());
    let mut answer = vec![0; expected.len()];
    let read = stream.read_exact(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        read.is_ok() && answer == expected,
        "emptying Redis database {db} at {address} failed: {answer:?}"
    );
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
