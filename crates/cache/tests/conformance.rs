//! The cache conformance suite: every case runs against the in-process adapter and against a
//! real Redis (`VICI_TEST_REDIS_URL`, default redis://127.0.0.1:6379), which must be reachable:
//! the Redis half fails, never skips, without it.

use std::sync::Arc;
use std::time::Duration;

use vici_cache::{Cache, SharedCache};

// Beside this file rather than in tests/, where Cargo would build it as a test of its own.
#[path = "conformance/collections.rs"]
mod collections;
use collections::*;

vici_testkit::on_both_caches!(
    strings,
    get_many_reads_in_order,
    ttl_expiry,
    expired_collections_are_absent,
    set_nx_once,
    set_nx_is_a_lock_under_concurrency,
    counters,
    counters_under_concurrency,
    sorted_set_ordering_and_ranges,
    sorted_set_keep_last_n,
    sorted_set_capped_and_replaced_at_once,
    capped_writes_renew_their_lifetime,
    lists,
    hashes,
    sets,
    wrong_type_and_bad_scores_are_errors,
    keys_by_prefix_with_their_types,
    ping,
);

const SHORT: Duration = Duration::from_millis(300);

async fn past(ttl: Duration) {
    tokio::time::sleep(ttl + Duration::from_millis(250)).await;
}

async fn strings(c: Arc<dyn Cache>) {
    assert_eq!(c.get("s").await.unwrap(), None);
    assert!(!c.exists("s").await.unwrap());
    c.set("s", b"\x00\xffbytes", None).await.unwrap();
    assert_eq!(
        c.get("s").await.unwrap().as_deref(),
        Some(&b"\x00\xffbytes"[..])
    );
    assert!(c.exists("s").await.unwrap());
    assert!(
        c.get_string("s").await.is_err(),
        "non-UTF-8 must not pass as a string"
    );
    c.set_string("s", "héllo", None).await.unwrap();
    assert_eq!(c.get_string("s").await.unwrap().as_deref(), Some("héllo"));
    assert!(c.delete("s").await.unwrap());
    assert!(!c.delete("s").await.unwrap());
    assert_eq!(c.get_string("s").await.unwrap(), None);
}

async fn get_many_reads_in_order(c: SharedCache) {
    assert_eq!(
        c.get_many(&[]).await.unwrap(),
        Vec::<Option<Vec<u8>>>::new()
    );
    c.set("m1", b"one", None).await.unwrap();
    c.set("m3", b"three", None).await.unwrap();
    let keys = ["m1", "m2", "m3"].map(String::from);
    assert_eq!(
        c.get_many(&keys).await.unwrap(),
        vec![Some(b"one".to_vec()), None, Some(b"three".to_vec())]
    );
}

async fn ttl_expiry(c: SharedCache) {
    c.set("short", b"v", Some(SHORT)).await.unwrap();
    c.set("second", b"v", Some(Duration::from_secs(1)))
        .await
        .unwrap();
    c.set("forever", b"v", None).await.unwrap();
    let left = c.ttl("short").await.unwrap().expect("a TTL");
    assert!(left > Duration::ZERO && left <= SHORT, "{left:?}");
    assert_eq!(c.ttl("forever").await.unwrap(), None);
    assert_eq!(c.ttl("absent").await.unwrap(), None);

    past(SHORT).await;
    assert_eq!(c.get("short").await.unwrap(), None);
    assert!(!c.exists("short").await.unwrap());
    assert_eq!(c.ttl("short").await.unwrap(), None);
    assert!(!c.delete("short").await.unwrap());
    assert!(c.exists("second").await.unwrap());
    past(Duration::from_secs(1) - SHORT).await;
    assert!(!c.exists("second").await.unwrap());
    assert!(c.exists("forever").await.unwrap());

    assert!(c.expire("forever", SHORT).await.unwrap());
    assert!(!c.expire("absent", SHORT).await.unwrap());
    c.set("reset", b"v", Some(SHORT)).await.unwrap();
    c.set("reset", b"v2", None).await.unwrap();
    assert_eq!(
        c.ttl("reset").await.unwrap(),
        None,
        "SET without a TTL clears the old one"
    );
    past(SHORT).await;
    assert!(!c.exists("forever").await.unwrap());
    assert_eq!(c.get("reset").await.unwrap().as_deref(), Some(&b"v2"[..]));
}

async fn expired_collections_are_absent(c: SharedCache) {
    c.zadd("z", &[("a", 1.0)]).await.unwrap();
    c.lpush("l", &["a"]).await.unwrap();
    c.hset("h", &[("f", "v")]).await.unwrap();
    c.sadd("s", &["a"]).await.unwrap();
    for key in ["z", "l", "h", "s"] {
        assert!(c.expire(key, SHORT).await.unwrap(), "{key}");
    }
    past(SHORT).await;
    for key in ["z", "l", "h", "s"] {
        assert!(!c.exists(key).await.unwrap(), "{key}");
    }
    assert_eq!(c.zcard("z").await.unwrap(), 0);
    assert!(
        c.zrevrange_with_scores("z", 0, -1)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(c.zscore("z", "a").await.unwrap(), None);
    assert!(c.lrange("l", 0, -1).await.unwrap().is_empty());
    assert!(c.hgetall("h").await.unwrap().is_empty());
    assert!(c.smembers("s").await.unwrap().is_empty());
    // A write after expiry starts afresh, without the expired members or the old TTL.
    assert_eq!(c.lpush("l", &["b"]).await.unwrap(), 1);
    assert_eq!(c.lrange("l", 0, -1).await.unwrap(), ["b"]);
    assert_eq!(c.ttl("l").await.unwrap(), None);
}

async fn set_nx_once(c: SharedCache) {
    assert!(c.set_nx("idem", b"first", None).await.unwrap());
    assert!(!c.set_nx("idem", b"second", None).await.unwrap());
    assert_eq!(c.get("idem").await.unwrap().as_deref(), Some(&b"first"[..]));
    assert!(c.set_nx("lock", b"owner", Some(SHORT)).await.unwrap());
    assert!(c.ttl("lock").await.unwrap().is_some());
    assert!(!c.set_nx("lock", b"other", Some(SHORT)).await.unwrap());
    past(SHORT).await;
    assert!(
        c.set_nx("lock", b"other", Some(SHORT)).await.unwrap(),
        "an expired lock is free"
    );
}

async fn set_nx_is_a_lock_under_concurrency(c: SharedCache) {
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..20 {
        let c = c.clone();
        tasks.spawn(async move {
            c.set_nx(
                "contended",
                format!("{i}").as_bytes(),
                Some(Duration::from_secs(10)),
            )
            .await
        });
    }
    let winners = tasks
        .join_all()
        .await
        .into_iter()
        .filter(|won| *won.as_ref().unwrap())
        .count();
    assert_eq!(winners, 1);
}

async fn counters(c: SharedCache) {
    assert_eq!(c.incr_by("n", 5, None).await.unwrap(), 5);
    assert_eq!(c.incr_by("n", -7, None).await.unwrap(), -2);
    assert_eq!(c.get_string("n").await.unwrap().as_deref(), Some("-2"));
    assert_eq!(c.ttl("n").await.unwrap(), None);

    // A fixed window: the TTL is set by the hit that creates the key and never extended.
    assert_eq!(
        c.incr_by("window", 1, Some(Duration::from_millis(600)))
            .await
            .unwrap(),
        1
    );
    let first = c.ttl("window").await.unwrap().expect("TTL on creation");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        c.incr_by("window", 1, Some(Duration::from_secs(60)))
            .await
            .unwrap(),
        2
    );
    let later = c.ttl("window").await.unwrap().expect("TTL kept");
    assert!(
        later < first,
        "a later hit must not extend the window: {first:?} then {later:?}"
    );
    past(Duration::from_millis(600)).await;
    assert_eq!(
        c.incr_by("window", 1, Some(SHORT)).await.unwrap(),
        1,
        "a new window"
    );

    c.set("text", b"abc", None).await.unwrap();
    assert!(c.incr_by("text", 1, None).await.is_err());
    c.set_string("max", &i64::MAX.to_string(), None)
        .await
        .unwrap();
    assert!(
        c.incr_by("max", 1, None).await.is_err(),
        "overflow is an error"
    );
}

async fn counters_under_concurrency(c: SharedCache) {
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..50 {
        let c = c.clone();
        tasks.spawn(async move {
            c.incr_by("hits", 1, Some(Duration::from_secs(30)))
                .await
                .unwrap()
        });
    }
    let mut seen = tasks.join_all().await;
    seen.sort();
    assert_eq!(
        seen,
        (1..=50).collect::<Vec<i64>>(),
        "each increment sees a distinct value"
    );
    assert_eq!(c.get_string("hits").await.unwrap().as_deref(), Some("50"));
}

async fn ping(c: SharedCache) {
    c.ping().await.unwrap();
    let ready = vici_cache::CacheReady(c);
    assert_eq!(vici_kit::server::ReadyCheck::name(&ready), "cache");
    vici_kit::server::ReadyCheck::check(&ready).await.unwrap();
}
