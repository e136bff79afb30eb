//! The recommendation store in format v1 (recommendations.md §1–3): what a writer leaves in the
//! cache engine is what the format says, and what serving reads follows `rec:current`.
use std::time::Duration;

use vici_cache::SharedCache;
use vici_recommendation::store::{Act, Format, List, RecStore, Touch, Who, keys};

const NOW_MS: i64 = 1_780_000_000_000;

/// `product` touched at `at_ms` by `user`, or else by session `session`.
fn touch<'a>(
    user: Option<&'a str>,
    session: &'a str,
    product: &'a str,
    at_ms: i64,
    act: Act,
) -> Touch<'a> {
    Touch {
        user,
        session,
        product,
        at_ms,
        act,
    }
}

fn product(i: usize) -> String {
    format!("00000000-0000-7000-8000-{i:012}")
}

pub async fn prepare_marks_the_format_and_opens_a_generation(cache: SharedCache) {
    let store = RecStore::new(cache.clone());
    assert_eq!(store.format().await.unwrap(), Format::Missing);
    assert_eq!(store.current().await.unwrap(), None);
    let generation = store.prepare().await.unwrap();
    assert_eq!(generation, "1");
    assert_eq!(store.format().await.unwrap(), Format::V1);
    assert_eq!(
        cache.get_string(keys::FORMAT_KEY).await.unwrap().as_deref(),
        Some("vici-recs/1")
    );
    assert_eq!(
        cache.get_string(keys::CURRENT).await.unwrap().as_deref(),
        Some("1")
    );
    // An ML team's generation stays current when vici starts again.
    store.publish("20261206").await.unwrap();
    assert_eq!(RecStore::new(cache).prepare().await.unwrap(), "20261206");
}

pub async fn a_store_in_another_format_is_left_alone(cache: SharedCache) {
    cache
        .set_string(keys::FORMAT_KEY, "vici-recs/2", None)
        .await
        .unwrap();
    let store = RecStore::new(cache.clone());
    assert_eq!(
        store.format().await.unwrap(),
        Format::Unknown("vici-recs/2".into())
    );
    let refused = store.prepare().await.unwrap_err();
    assert!(refused.to_string().contains("vici-recs/2"), "{refused:#}");
    assert_eq!(
        cache.get_string(keys::CURRENT).await.unwrap(),
        None,
        "nothing written"
    );
}

pub async fn lists_are_replaced_whole_within_their_cap(cache: SharedCache) {
    let store = RecStore::new(cache.clone());
    let generation = store.prepare().await.unwrap();
    let seed = product(0);
    let similar = List::Similar { product: &seed };
    let ids: Vec<String> = (1..=150).map(product).collect();
    let scored: Vec<(&str, f64)> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i as f64))
        .collect();
    store
        .replace(&generation, similar, &scored, NOW_MS)
        .await
        .unwrap();
    let kept = store.top(similar, 500).await.unwrap();
    assert_eq!(kept.len(), keys::RELEVANCE_CAP, "capped at 100");
    assert_eq!(kept[0].0, product(150), "best first");
    assert_eq!(kept[99].0, product(51), "the best 100 kept");
    assert_eq!(
        cache.zcard(&similar.key(&generation)).await.unwrap(),
        keys::RELEVANCE_CAP,
        "the key itself holds no more"
    );
    assert_eq!(
        store.updated_at(&generation, "similar").await.unwrap(),
        Some(NOW_MS)
    );
    // A recomputed list drops what it no longer holds.
    let newer = [(ids[0].as_str(), 1.0)];
    store
        .replace(&generation, similar, &newer, NOW_MS + 1)
        .await
        .unwrap();
    assert_eq!(store.top(similar, 10).await.unwrap(), [(product(1), 1.0)]);
    assert_eq!(store.top(similar, 0).await.unwrap(), []);
    assert_eq!(
        store.top(List::Popular, 10).await.unwrap(),
        [],
        "a missing list is empty"
    );
}

pub async fn serving_follows_the_published_generation(cache: SharedCache) {
    let writer = RecStore::new(cache.clone());
    let first = writer.prepare().await.unwrap();
    let (a, b) = (product(1), product(2));
    writer
        .replace(&first, List::Trending, &[(&a, 1.0)], NOW_MS)
        .await
        .unwrap();
    writer
        .replace("2", List::Trending, &[(&b, 1.0)], NOW_MS)
        .await
        .unwrap();
    // A serving replica of its own (its pointer read cached).
    let replica = RecStore::new(cache.clone());
    assert_eq!(replica.top(List::Trending, 5).await.unwrap()[0].0, a);
    writer.publish("2").await.unwrap();
    assert_eq!(
        writer.top(List::Trending, 5).await.unwrap()[0].0,
        b,
        "the writer at once"
    );
    // The replica within its second of caching (bounded generously for a busy machine).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while replica.top(List::Trending, 5).await.unwrap()[0].0 != b {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the replica never saw generation 2"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Rolling back is pointing at the old generation again: its lists are still there.
    writer.publish(&first).await.unwrap();
    assert_eq!(writer.top(List::Trending, 5).await.unwrap()[0].0, a);
}

/// An admin sees the generations serving was published over and rolls back to one, or is
/// told there is none; rolling back keeps the left generation for rolling forward again.
pub async fn an_admin_rolls_back_to_an_earlier_generation(cache: SharedCache) {
    let store = RecStore::new(cache.clone());
    assert_eq!(
        store.roll_back(None).await.unwrap_err().code,
        vici_kit::ErrorCode::Conflict,
        "nothing published yet"
    );
    let first = store.prepare().await.unwrap();
    store
        .declare_model(&first, "vici-streaming", "1.0")
        .await
        .unwrap();
    store
        .replace(&first, List::Trending, &[(&product(1), 1.0)], NOW_MS)
        .await
        .unwrap();
    store
        .publish_generation("2", &[("model", "als"), ("model_version", "7")])
        .await
        .unwrap();
    let seen = store.generations().await.unwrap();
    let ids: Vec<(&str, bool)> = seen.iter().map(|g| (g.id.as_str(), g.current)).collect();
    assert_eq!(ids, [("2", true), (first.as_str(), false)]);
    assert_eq!(seen[1].model_version, "1.0");
    assert_eq!(seen[1].updated_at, [("trending".to_string(), NOW_MS)]);
    let unknown = store.roll_back(Some("99")).await.unwrap_err();
    assert_eq!(unknown.code, vici_kit::ErrorCode::NotFound);
    let after = store.roll_back(None).await.unwrap();
    assert_eq!(
        store.current().await.unwrap().as_deref(),
        Some(first.as_str())
    );
    let ids: Vec<(&str, bool)> = after.iter().map(|g| (g.id.as_str(), g.current)).collect();
    assert_eq!(
        ids,
        [(first.as_str(), true), ("2", false)],
        "the left one can be gone back to"
    );
    assert_eq!(store.top(List::Trending, 5).await.unwrap()[0].0, product(1));
}

pub async fn histories_keep_their_newest_and_sessions_their_views(cache: SharedCache) {
    let store = RecStore::new(cache.clone());
    for i in 0..60 {
        store
            .remember(&touch(
                Some("u1"),
                "s0",
                &product(i),
                NOW_MS + i as i64,
                Act::Other,
            ))
            .await
            .unwrap();
    }
    let history = store.history(Who::User("u1"), 100).await.unwrap();
    assert_eq!(history.len(), keys::HISTORY_CAP);
    assert_eq!(
        history[0],
        (product(59), (NOW_MS + 59) as f64),
        "newest first, with its time"
    );
    assert_eq!(history[49].0, product(10));
    let lives = cache.ttl(&keys::user_history("u1")).await.unwrap().unwrap();
    assert!(lives > Duration::from_secs(29 * 24 * 3600), "{lives:?}");

    for i in [1, 2, 1] {
        store
            .remember(&touch(
                None,
                "s1",
                &product(i),
                NOW_MS + i as i64,
                Act::View,
            ))
            .await
            .unwrap();
    }
    assert_eq!(
        store.recently_viewed("s1").await.unwrap(),
        [product(1), product(2)],
        "once each, newest first"
    );
    for i in 10..40 {
        store
            .remember(&touch(None, "s1", &product(i), NOW_MS, Act::View))
            .await
            .unwrap();
    }
    let viewed = store.recently_viewed("s1").await.unwrap();
    assert_eq!(viewed.len(), keys::VIEWED_CAP);
    assert_eq!(viewed[0], product(39));
    let lives = cache
        .ttl(&keys::session_viewed("s1"))
        .await
        .unwrap()
        .unwrap();
    assert!(lives <= Duration::from_secs(24 * 3600) && lives > Duration::from_secs(23 * 3600));
    // Not a view (a cart add): history only.
    store
        .remember(&touch(None, "s2", &product(5), NOW_MS, Act::Other))
        .await
        .unwrap();
    assert_eq!(
        store.recently_viewed("s2").await.unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(store.history(Who::Session("s2"), 5).await.unwrap().len(), 1);
    // A signed-in shopper's view: the user's history and the session's recently viewed; a
    // purchase: the user's bought products too.
    store
        .remember(&touch(Some("u2"), "s3", &product(7), NOW_MS, Act::View))
        .await
        .unwrap();
    assert_eq!(store.recently_viewed("s3").await.unwrap(), [product(7)]);
    assert_eq!(store.history(Who::User("u2"), 5).await.unwrap().len(), 1);
    assert_eq!(store.bought("u2").await.unwrap(), Vec::<String>::new());
    store
        .remember(&touch(
            Some("u2"),
            "s3",
            &product(8),
            NOW_MS + 1,
            Act::Purchase,
        ))
        .await
        .unwrap();
    assert_eq!(store.bought("u2").await.unwrap(), [product(8)]);
    let lives = cache.ttl(&keys::user_bought("u2")).await.unwrap().unwrap();
    assert!(lives > Duration::from_secs(29 * 24 * 3600), "{lives:?}");
}

pub async fn hidden_products_and_new_arrivals(cache: SharedCache) {
    let store = RecStore::new(cache);
    store.set_hidden(&product(1), true).await.unwrap();
    store.set_hidden(&product(2), true).await.unwrap();
    store.set_hidden(&product(1), false).await.unwrap();
    assert_eq!(
        *store.hidden().await.unwrap(),
        [product(2)]
            .into_iter()
            .collect::<std::collections::HashSet<_>>()
    );
    for i in 0..120 {
        store
            .arrived(&product(i), 1_780_000_000 + i as i64)
            .await
            .unwrap();
    }
    let newest = store.new_arrivals(3).await.unwrap();
    assert_eq!(newest, [product(119), product(118), product(117)]);
    assert_eq!(
        store.new_arrivals(500).await.unwrap().len(),
        keys::RELEVANCE_CAP
    );
}
