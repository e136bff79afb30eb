//! Serving (recommendations.md §4): each shelf walks its chain of sources in the store, names
//! the source of each product, and never serves a hidden product, the product a shelf is about
//! or what the shopper bought.
use std::sync::atomic::{AtomicI64, Ordering};

use vici_cache::SharedCache;
use vici_recommendation::serve::{Answer, Ask, Shelf, answer};
use vici_recommendation::store::{Act, List, RecStore, Touch, keys};

const NOW_MS: i64 = 1_780_000_000_000;

fn ask(shelf: Shelf, limit: usize) -> Ask<'static> {
    Ask {
        shelf,
        user: None,
        session: None,
        product: None,
        categories: &[],
        limit,
    }
}

/// The store with `lists` written to its first generation.
async fn store_with(cache: &SharedCache, lists: &[(List<'_>, &[&str])]) -> RecStore {
    let store = RecStore::new(cache.clone());
    let generation = store.prepare().await.unwrap();
    for (list, members) in lists {
        // Scores descend in the order given.
        let scored: Vec<(&str, f64)> = members
            .iter()
            .enumerate()
            .map(|(i, p)| (*p, 1.0 / (i + 1) as f64))
            .collect();
        store
            .replace(&generation, *list, &scored, NOW_MS)
            .await
            .unwrap();
    }
    store
}

/// Records a touch a millisecond after the one before (histories order by time).
async fn touch(store: &RecStore, user: Option<&str>, session: &str, product: &str, act: Act) {
    static CLOCK: AtomicI64 = AtomicI64::new(NOW_MS);
    let at_ms = CLOCK.fetch_add(1, Ordering::Relaxed);
    let touch = Touch {
        user,
        session,
        product,
        at_ms,
        act,
    };
    store.remember(&touch).await.unwrap();
}

fn shown(answer: &Answer) -> Vec<(&str, &str)> {
    answer
        .items
        .iter()
        .map(|(p, source)| (p.as_str(), *source))
        .collect()
}

pub async fn recommended_walks_its_chain_without_what_is_never_served(cache: SharedCache) {
    let store = store_with(
        &cache,
        &[
            (List::Personalized { user: "u1" }, &["p1", "p2", "p3"]),
            (List::Trending, &["p3", "p4", "p5", "p6"]),
            (List::Popular, &["p7", "p8"]),
        ],
    )
    .await;
    store.set_hidden("p2", true).await.unwrap();
    touch(&store, Some("u1"), "s1", "p4", Act::Purchase).await;
    cache
        .hset(&keys::meta("1"), &[("model_version", "builtin-7")])
        .await
        .unwrap();
    let asked = Ask {
        user: Some("u1"),
        ..ask(Shelf::Recommended, 5)
    };
    let answered = answer(&store, &asked).await.unwrap();
    assert_eq!(
        shown(&answered),
        [
            ("p1", "personalized"),
            ("p3", "personalized"),
            ("p5", "trending"),
            ("p6", "trending"),
            ("p7", "popular"),
        ],
        "p2 is hidden, p4 bought, p3 once"
    );
    assert_eq!(answered.generation.as_deref(), Some("1"));
    assert_eq!(answered.model_version.as_deref(), Some("builtin-7"));
    let two = Ask { limit: 2, ..asked };
    assert_eq!(answer(&store, &two).await.unwrap().items.len(), 2);
    // An anonymous visitor without history: the shop's trending, then popular.
    let anonymous = answer(&store, &ask(Shelf::Recommended, 3)).await.unwrap();
    assert_eq!(
        shown(&anonymous),
        [("p3", "trending"), ("p4", "trending"), ("p5", "trending")]
    );
}

pub async fn a_visitor_with_one_view_gets_similar_items(cache: SharedCache) {
    let store = store_with(
        &cache,
        &[
            (List::Similar { product: "p1" }, &["p2", "p3"]),
            (List::Similar { product: "p9" }, &["p3", "p1"]),
        ],
    )
    .await;
    let visitor = Ask {
        session: Some("s1"),
        ..ask(Shelf::Recommended, 5)
    };
    assert!(answer(&store, &visitor).await.unwrap().items.is_empty());
    touch(&store, None, "s1", "p1", Act::View).await;
    assert_eq!(
        shown(&answer(&store, &visitor).await.unwrap()),
        [("p2", "personalized"), ("p3", "personalized")]
    );
    // The newest view counts most, and what was seen is not offered again.
    touch(&store, None, "s1", "p9", Act::View).await;
    assert_eq!(
        shown(&answer(&store, &visitor).await.unwrap()),
        [("p3", "personalized"), ("p2", "personalized")]
    );
}

pub async fn shelves_about_a_product_never_serve_it(cache: SharedCache) {
    let store = store_with(
        &cache,
        &[
            (List::Similar { product: "p1" }, &["p1", "p2", "p3"]),
            (List::BoughtTogether { product: "p1" }, &["p4", "p2"]),
        ],
    )
    .await;
    let about = |shelf| Ask {
        product: Some("p1"),
        ..ask(shelf, 10)
    };
    assert_eq!(
        shown(&answer(&store, &about(Shelf::Related)).await.unwrap()),
        [
            ("p2", "similar"),
            ("p3", "similar"),
            ("p4", "bought_together")
        ]
    );
    assert_eq!(
        shown(
            &answer(&store, &about(Shelf::FrequentlyBoughtTogether))
                .await
                .unwrap()
        ),
        [
            ("p4", "bought_together"),
            ("p2", "bought_together"),
            ("p3", "similar")
        ]
    );
}

pub async fn recently_viewed_and_new_arrivals_come_from_vicis_own_keys(cache: SharedCache) {
    let store = store_with(&cache, &[]).await;
    touch(&store, Some("u1"), "s1", "p1", Act::View).await;
    touch(&store, Some("u1"), "s1", "p2", Act::View).await;
    touch(&store, Some("u1"), "s0", "p3", Act::Other).await;
    let mine = Ask {
        user: Some("u1"),
        session: Some("s1"),
        ..ask(Shelf::RecentlyViewed, 10)
    };
    assert_eq!(
        shown(&answer(&store, &mine).await.unwrap()),
        [("p2", "history"), ("p1", "history"), ("p3", "history")],
        "the session's views newest first, then the rest of the user's history"
    );
    store.arrived("old", 1_700_000_000).await.unwrap();
    store.arrived("new", 1_800_000_000).await.unwrap();
    store.set_hidden("old", true).await.unwrap();
    assert_eq!(
        shown(&answer(&store, &ask(Shelf::NewArrivals, 10)).await.unwrap()),
        [("new", "new_arrivals")]
    );
}

pub async fn a_categorys_trending_merges_its_subtree(cache: SharedCache) {
    let store = store_with(
        &cache,
        &[
            (List::Trending, &["p1", "p2", "p3", "p4"]),
            (
                List::TrendingInCategory { category: "phones" },
                &["p2", "p4"],
            ),
            (List::TrendingInCategory { category: "cases" }, &["p3"]),
        ],
    )
    .await;
    let categories = ["phones".to_string(), "cases".to_string()];
    let asked = Ask {
        categories: &categories,
        ..ask(Shelf::Trending, 10)
    };
    assert_eq!(
        shown(&answer(&store, &asked).await.unwrap()),
        [("p3", "trending"), ("p2", "trending"), ("p4", "trending")],
        "by score (a tie by descending id, as the store orders one list); nothing from outside"
    );
}

pub async fn a_list_type_not_written_for_its_maximum_age_is_served_as_missing(cache: SharedCache) {
    let hour = std::time::Duration::from_secs(3_600);
    let store = RecStore::new(cache.clone()).with_max_list_age(Some(hour));
    let generation = store.prepare().await.unwrap();
    let now_ms = chrono::Utc::now().timestamp_millis();
    // An external pipeline that stopped two hours ago, and a popular list written now.
    let two_hours_ago = now_ms - 2 * 3_600_000;
    let write = |list, product, at_ms| {
        let store = &store;
        let generation = &generation;
        async move {
            let members = [(product, 1.0)];
            store
                .replace(generation, list, &members, at_ms)
                .await
                .unwrap();
        }
    };
    write(List::Trending, "stale", two_hours_ago).await;
    write(List::Popular, "fresh", now_ms).await;
    let trending = answer(&store, &ask(Shelf::Trending, 5)).await.unwrap();
    assert_eq!(shown(&trending), [("fresh", "popular")]);
    // Without a maximum age (the default) the same lists are served as they are.
    let lenient = RecStore::new(cache.clone());
    let trending = answer(&lenient, &ask(Shelf::Trending, 5)).await.unwrap();
    assert_eq!(
        shown(&trending),
        [("stale", "trending"), ("fresh", "popular")]
    );
    // Written again, the type is served at once by the process that wrote it.
    write(List::Trending, "stale", now_ms).await;
    let trending = answer(&store, &ask(Shelf::Trending, 5)).await.unwrap();
    assert_eq!(shown(&trending)[0], ("stale", "trending"));
}
