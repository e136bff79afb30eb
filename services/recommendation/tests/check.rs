//! `vici recs check-store`'s check: a store the built-in pipeline wrote keeps format v1, and a
//! broken one is reported key by key.
use vici_cache::SharedCache;
use vici_recommendation::pipeline::flow::Pipeline;
use vici_recommendation::pipeline::signal::{Kind, Signal};
use vici_recommendation::store::RecStore;
use vici_recommendation::store::check::check;

pub async fn a_store_the_pipeline_wrote_passes_the_check(cache: SharedCache) {
    let mut pipeline = Pipeline::start(RecStore::new(cache.clone()), true)
        .await
        .unwrap();
    for (i, (user, product)) in [("a", "lamp"), ("a", "bulb"), ("b", "lamp")]
        .iter()
        .enumerate()
    {
        let signal = Signal {
            user: (*user != "b").then(|| user.to_string()),
            session: format!("s-{user}"),
            product: product.to_string(),
            weight: 1.0,
            at_ms: 1_796_551_200_000 + i as i64,
            kind: Kind::View,
            order: None,
        };
        pipeline.take(&signal).await.unwrap();
    }
    pipeline.flush(1_796_551_300_000).await.unwrap();
    let report = check(&cache).await.unwrap();
    assert_eq!(report.problems, Vec::<String>::new());
    assert_eq!(report.generation.as_deref(), Some("1"));
    // format, pointer, meta, trending, popular, two similar lists, a personalised list, two
    // histories, a session's views.
    assert!(report.keys >= 10, "{report:?}");
}

pub async fn a_broken_store_is_reported_key_by_key(cache: SharedCache) {
    let empty = check(&cache).await.unwrap();
    assert_eq!(
        empty.problems,
        [
            "rec:format: missing",
            "rec:current: missing: no generation is served"
        ]
    );
    cache
        .set_string("rec:format", "vici-recs/1", None)
        .await
        .unwrap();
    cache.set_string("rec:current", "2", None).await.unwrap();
    let ids: Vec<String> = (0..101).map(|i| format!("p{i}")).collect();
    let too_many: Vec<(&str, f64)> = ids.iter().map(|p| (p.as_str(), 1.0)).collect();
    cache.zadd("rec:g:2:popular", &too_many).await.unwrap();
    cache.lpush("rec:g:2:trending", &["p1"]).await.unwrap();
    cache
        .zadd("rec:g:2:favourites", &[("p1", 1.0)])
        .await
        .unwrap();
    cache
        .hset("rec:g:2:meta", &[("model", "ease")])
        .await
        .unwrap();
    let broken = check(&cache).await.unwrap();
    assert_eq!(
        broken.problems,
        [
            "rec:g:2:meta: no `model_version`",
            "rec:g:2:favourites: not a key of format v1",
            "rec:g:2:popular: 101 members, more than 100",
            "rec:g:2:trending: a list, not a zset",
        ]
    );
    cache
        .set_string("rec:format", "vici-recs/2", None)
        .await
        .unwrap();
    let other = check(&cache).await.unwrap();
    assert_eq!(
        other.problems,
        ["rec:format: declares vici-recs/2, not vici-recs/1"]
    );
}
