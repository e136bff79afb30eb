//! Conformance cases for sorted sets, lists, hashes and sets, and for type errors.

use std::collections::HashMap;
use std::time::Duration;

use vici_cache::SharedCache;

fn members(range: &[(String, f64)]) -> Vec<&str> {
    range.iter().map(|(m, _)| m.as_str()).collect()
}

pub async fn sorted_set_ordering_and_ranges(c: SharedCache) {
    let added = c
        .zadd(
            "z",
            &[("a", 1.0), ("b", 3.0), ("c", 2.0), ("d", 2.0), ("e", -1.5)],
        )
        .await
        .unwrap();
    assert_eq!(added, 5);
    assert_eq!(
        c.zadd("z", &[("a", 1.5), ("f", 0.0)]).await.unwrap(),
        1,
        "an update is not new"
    );
    assert_eq!(c.zcard("z").await.unwrap(), 6);

    let all = c.zrevrange_with_scores("z", 0, -1).await.unwrap();
    // Descending score; equal scores by descending member, as ZREVRANGE orders them.
    assert_eq!(members(&all), ["b", "d", "c", "a", "f", "e"]);
    assert_eq!(all[0], ("b".to_string(), 3.0));
    assert_eq!(all[3], ("a".to_string(), 1.5));
    assert_eq!(
        members(&c.zrevrange_with_scores("z", 0, 1).await.unwrap()),
        ["b", "d"]
    );
    assert_eq!(
        members(&c.zrevrange_with_scores("z", -2, -1).await.unwrap()),
        ["f", "e"]
    );
    assert_eq!(
        members(&c.zrevrange_with_scores("z", 4, 100).await.unwrap()),
        ["f", "e"]
    );
    assert_eq!(
        members(&c.zrevrange_with_scores("z", -100, 0).await.unwrap()),
        ["b"]
    );
    assert!(
        c.zrevrange_with_scores("z", 6, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(c.zrevrange_with_scores("z", 3, 1).await.unwrap().is_empty());
    assert!(
        c.zrevrange_with_scores("absent", 0, -1)
            .await
            .unwrap()
            .is_empty()
    );

    assert_eq!(c.zscore("z", "e").await.unwrap(), Some(-1.5));
    assert_eq!(c.zscore("z", "nobody").await.unwrap(), None);
    assert_eq!(c.zincr_by("z", "e", 10.25).await.unwrap(), 8.75);
    assert_eq!(c.zincr_by("z", "new", 0.5).await.unwrap(), 0.5);
    assert_eq!(
        members(&c.zrevrange_with_scores("z", 0, 0).await.unwrap()),
        ["e"]
    );

    assert_eq!(c.zrem("z", &["e", "new", "nobody"]).await.unwrap(), 2);
    assert_eq!(c.zrem("z", &[]).await.unwrap(), 0);
    assert_eq!(c.zadd("z", &[]).await.unwrap(), 0);
    assert_eq!(c.zcard("z").await.unwrap(), 5);
    assert_eq!(c.zrem("z", &["a", "b", "c", "d", "f"]).await.unwrap(), 5);
    assert!(
        !c.exists("z").await.unwrap(),
        "an emptied sorted set disappears"
    );
}

pub async fn sorted_set_keep_last_n(c: SharedCache) {
    // rec:user:{id}:history keeps the last 50 views by time; here the last 3 of 10.
    let views: Vec<(String, f64)> = (0..10)
        .map(|i| (format!("p{i}"), 1_700_000_000.0 + f64::from(i)))
        .collect();
    let views: Vec<(&str, f64)> = views.iter().map(|(m, s)| (m.as_str(), *s)).collect();
    c.zadd("history", &views).await.unwrap();
    assert_eq!(c.zremrangebyrank("history", 0, -4).await.unwrap(), 7);
    let kept = c.zrevrange_with_scores("history", 0, -1).await.unwrap();
    assert_eq!(members(&kept), ["p9", "p8", "p7"]);
    assert_eq!(
        c.zremrangebyrank("history", 0, -4).await.unwrap(),
        0,
        "already short enough"
    );
    assert_eq!(c.zremrangebyrank("history", 0, -1).await.unwrap(), 3);
    assert!(!c.exists("history").await.unwrap());
}

pub async fn sorted_set_capped_and_replaced_at_once(c: SharedCache) {
    // A history of views by time keeps its newest 3.
    for i in 0..5 {
        let view = format!("p{i}");
        let size = c
            .zadd_keep_top("h", &[(view.as_str(), f64::from(i))], 3, None)
            .await
            .unwrap();
        assert_eq!(size, (i as usize + 1).min(3));
    }
    let kept = c.zrevrange_with_scores("h", 0, -1).await.unwrap();
    assert_eq!(members(&kept), ["p4", "p3", "p2"]);
    assert_eq!(
        c.zadd_keep_top("h", &[], 1, None).await.unwrap(),
        1,
        "trims alone"
    );
    assert_eq!(c.zadd_keep_top("h", &[], 0, None).await.unwrap(), 0);
    assert!(!c.exists("h").await.unwrap(), "kept none: the key goes");

    // A recomputed list replaces the old one whole: no member of the old one survives.
    c.zadd("similar", &[("old", 9.0), ("both", 1.0)])
        .await
        .unwrap();
    c.zreplace("similar", &[("both", 2.0), ("new", 3.0)])
        .await
        .unwrap();
    let now = c.zrevrange_with_scores("similar", 0, -1).await.unwrap();
    assert_eq!(now, [("new".to_string(), 3.0), ("both".to_string(), 2.0)]);
    c.set("was-a-string", b"x", None).await.unwrap();
    c.zreplace("was-a-string", &[("a", 1.0)]).await.unwrap();
    assert_eq!(
        c.zcard("was-a-string").await.unwrap(),
        1,
        "replaces any type, as DEL does"
    );
    c.zreplace("similar", &[]).await.unwrap();
    assert!(!c.exists("similar").await.unwrap());
    assert!(c.zreplace("z-nan", &[("a", f64::NAN)]).await.is_err());

    // Large sets too (an external pipeline's list before its cap; Redis's Lua unpack stops
    // near 8 000 values).
    let many: Vec<String> = (0..5_000).map(|i| format!("m{i:05}")).collect();
    let scored: Vec<(&str, f64)> = many
        .iter()
        .enumerate()
        .map(|(i, m)| (m.as_str(), i as f64))
        .collect();
    c.zreplace("big", &scored).await.unwrap();
    assert_eq!(c.zcard("big").await.unwrap(), 5_000);
    assert_eq!(
        c.zadd_keep_top("big-top", &scored, 10, None).await.unwrap(),
        10
    );
    let top = c.zrevrange_with_scores("big-top", 0, 0).await.unwrap();
    assert_eq!(top, [("m04999".to_string(), 4_999.0)]);
    assert_eq!(
        c.zadd_keep_top("big-top", &[], usize::MAX, None)
            .await
            .unwrap(),
        10,
        "no wrap-around"
    );
}

pub async fn lists(c: SharedCache) {
    assert_eq!(c.lpush("l", &["a", "b"]).await.unwrap(), 2);
    assert_eq!(c.lpush("l", &["c", "d", "e"]).await.unwrap(), 5);
    assert_eq!(
        c.lrange("l", 0, -1).await.unwrap(),
        ["e", "d", "c", "b", "a"]
    );
    assert_eq!(c.lrange("l", 1, 2).await.unwrap(), ["d", "c"]);
    assert_eq!(c.lrange("l", -2, -1).await.unwrap(), ["b", "a"]);
    assert_eq!(c.lrange("l", -100, 0).await.unwrap(), ["e"]);
    assert!(c.lrange("l", 5, 9).await.unwrap().is_empty());
    assert_eq!(c.lpush("l", &[]).await.unwrap(), 5);

    // Recently viewed: a re-viewed product moves to the front, at most 3 kept.
    for product in ["p1", "p2", "p3", "p4", "p2"] {
        c.move_to_front("moved", product, 3, None).await.unwrap();
    }
    assert_eq!(c.lrange("moved", 0, -1).await.unwrap(), ["p2", "p4", "p3"]);
    c.move_to_front("moved", "p1", 1, None).await.unwrap();
    assert_eq!(
        c.lrange("moved", 0, -1).await.unwrap(),
        ["p1"],
        "trimmed to its keep"
    );
    assert!(c.move_to_front("moved", "p5", 0, None).await.is_err());
    assert_eq!(
        c.lrange("moved", 0, -1).await.unwrap(),
        ["p1"],
        "a refused call changes nothing"
    );
}

pub async fn capped_writes_renew_their_lifetime(c: SharedCache) {
    let day = Duration::from_secs(24 * 3600);
    let within_a_day = |ttl: Option<Duration>| ttl.is_some_and(|t| t <= day && t > day / 2);
    c.zadd_keep_top("history", &[("p1", 1.0)], 2, Some(day))
        .await
        .unwrap();
    assert!(within_a_day(c.ttl("history").await.unwrap()));
    c.move_to_front("viewed", "p1", 2, Some(day)).await.unwrap();
    assert!(within_a_day(c.ttl("viewed").await.unwrap()));
    // Without a ttl a write leaves the lifetime as it was.
    c.zadd_keep_top("history", &[("p2", 2.0)], 2, None)
        .await
        .unwrap();
    c.move_to_front("viewed", "p2", 2, None).await.unwrap();
    assert!(within_a_day(c.ttl("history").await.unwrap()));
    assert!(within_a_day(c.ttl("viewed").await.unwrap()));
    c.zadd_keep_top("forever", &[("p1", 1.0)], 2, None)
        .await
        .unwrap();
    assert_eq!(c.ttl("forever").await.unwrap(), None);
}

pub async fn hashes(c: SharedCache) {
    assert!(c.hgetall("product:1").await.unwrap().is_empty());
    let fields = [("id", "1"), ("name", "Mug"), ("price", "1299")];
    assert_eq!(c.hset("product:1", &fields).await.unwrap(), 3);
    assert_eq!(
        c.hset("product:1", &[("price", "999"), ("stock", "4")])
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        c.hget("product:1", "price").await.unwrap().as_deref(),
        Some("999")
    );
    assert_eq!(c.hget("product:1", "rating").await.unwrap(), None);
    let expected: HashMap<String, String> = [
        ("id", "1"),
        ("name", "Mug"),
        ("price", "999"),
        ("stock", "4"),
    ]
    .map(|(f, v)| (f.into(), v.into()))
    .into();
    assert_eq!(c.hgetall("product:1").await.unwrap(), expected);
    assert_eq!(c.hset("product:1", &[]).await.unwrap(), 0);
}

pub async fn sets(c: SharedCache) {
    assert_eq!(c.sadd("users", &["u2", "u1", "u2"]).await.unwrap(), 2);
    assert_eq!(c.sadd("users", &["u3", "u1"]).await.unwrap(), 1);
    assert_eq!(c.smembers("users").await.unwrap(), ["u1", "u2", "u3"]);
    assert!(c.sismember("users", "u3").await.unwrap());
    assert!(!c.sismember("users", "u9").await.unwrap());
    assert_eq!(c.srem("users", &["u1", "u9"]).await.unwrap(), 1);
    assert_eq!(c.srem("users", &["u2", "u3"]).await.unwrap(), 2);
    assert!(!c.exists("users").await.unwrap());
    assert!(c.smembers("users").await.unwrap().is_empty());
}

pub async fn wrong_type_and_bad_scores_are_errors(c: SharedCache) {
    c.set("str", b"v", None).await.unwrap();
    c.lpush("list", &["a"]).await.unwrap();
    c.zadd("zset", &[("a", 1.0)]).await.unwrap();
    assert!(c.zadd("str", &[("a", 1.0)]).await.is_err());
    assert!(
        c.zadd("str", &[]).await.is_err(),
        "even with nothing to add"
    );
    assert!(c.lpush("zset", &["a"]).await.is_err());
    assert!(c.get("list").await.is_err());
    assert!(c.incr_by("zset", 1, None).await.is_err());
    assert!(c.hgetall("list").await.is_err());
    assert!(c.smembers("str").await.is_err());
    assert!(c.zrevrange_with_scores("list", 0, -1).await.is_err());
    assert!(c.zadd("zset", &[("b", f64::NAN)]).await.is_err());
    assert_eq!(
        c.zcard("zset").await.unwrap(),
        1,
        "a rejected ZADD adds nothing"
    );
    c.zadd("zset", &[("inf", f64::INFINITY)]).await.unwrap();
    assert!(
        c.zincr_by("zset", "inf", f64::NEG_INFINITY).await.is_err(),
        "inf - inf is not a score"
    );
    // Overwriting with SET replaces any type, as in Redis.
    c.set("zset", b"now a string", None).await.unwrap();
    assert_eq!(
        c.get("zset").await.unwrap().as_deref(),
        Some(&b"now a string"[..])
    );
}

pub async fn keys_by_prefix_with_their_types(c: SharedCache) {
    c.set("rec:format", b"x", None).await.unwrap();
    c.zadd("rec:g:1:popular", &[("a", 1.0)]).await.unwrap();
    c.lpush("rec:live:session:s:viewed", &["a"]).await.unwrap();
    c.hset("rec:g:1:meta", &[("model", "m")]).await.unwrap();
    c.sadd("rec:hidden", &["a"]).await.unwrap();
    c.set("other", b"x", None).await.unwrap();
    // A glob character in the prefix is matched as itself.
    c.set("rec*", b"x", None).await.unwrap();
    assert_eq!(
        c.keys_with_prefix("rec:").await.unwrap(),
        [
            "rec:format",
            "rec:g:1:meta",
            "rec:g:1:popular",
            "rec:hidden",
            "rec:live:session:s:viewed"
        ]
    );
    assert_eq!(c.keys_with_prefix("rec*").await.unwrap(), ["rec*"]);
    assert!(c.keys_with_prefix("none:").await.unwrap().is_empty());
    let kinds = [
        ("rec:format", "string"),
        ("rec:g:1:popular", "zset"),
        ("rec:live:session:s:viewed", "list"),
        ("rec:g:1:meta", "hash"),
        ("rec:hidden", "set"),
    ];
    for (key, kind) in kinds {
        assert_eq!(c.key_type(key).await.unwrap(), Some(kind), "{key}");
    }
    assert_eq!(c.key_type("absent").await.unwrap(), None);
}
