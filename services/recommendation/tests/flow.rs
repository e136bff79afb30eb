//! The pipeline from signals to the store: what serving will read after a flush.
use vici_cache::SharedCache;
use vici_recommendation::pipeline::flow::Pipeline;
use vici_recommendation::pipeline::signal::{Kind, Signal};
use vici_recommendation::store::{List, RecStore, keys};

const T0: i64 = 1_796_551_200_000;

fn view(user: Option<&str>, session: &str, product: &str, at_ms: i64) -> Signal {
    Signal {
        user: user.map(str::to_string),
        session: session.to_string(),
        product: product.to_string(),
        weight: 1.0,
        at_ms,
        kind: Kind::View,
        order: None,
    }
}

pub async fn a_flush_writes_the_lists_the_signals_changed(cache: SharedCache) {
    let mut pipeline = Pipeline::start(RecStore::new(cache.clone()), true)
        .await
        .unwrap();
    for (i, shopper) in ["a", "b", "c"].iter().enumerate() {
        pipeline
            .take(&view(Some(shopper), "s", "lamp", T0 + i as i64))
            .await
            .unwrap();
        pipeline
            .take(&view(Some(shopper), "s", "bulb", T0 + 10 + i as i64))
            .await
            .unwrap();
    }
    pipeline
        .take(&view(Some("me"), "s-me", "lamp", T0 + 20))
        .await
        .unwrap();
    pipeline
        .take(&view(None, "anon-1", "desk", T0 + 30))
        .await
        .unwrap();
    let written = pipeline.flush(T0 + 40).await.unwrap();
    // trending, popular, similar of lamp, bulb and desk, personalised of a, b, c and me.
    assert_eq!(written, 2 + 3 + 4);
    let store = pipeline.store();
    let top = |list| async move { store.top(list, 10).await.unwrap() };
    let names = |l: Vec<(String, f64)>| l.into_iter().map(|(p, _)| p).collect::<Vec<_>>();
    assert_eq!(names(top(List::Trending).await), ["lamp", "bulb", "desk"]);
    assert_eq!(
        names(top(List::Similar { product: "lamp" }).await),
        ["bulb"]
    );
    assert_eq!(
        names(top(List::Personalized { user: "me" }).await),
        ["bulb"]
    );
    assert_eq!(
        store.updated_at("1", "personalized").await.unwrap(),
        Some(T0 + 40)
    );
    // The live histories were written as the signals came.
    assert_eq!(store.recently_viewed("anon-1").await.unwrap(), ["desk"]);
    let mine = cache
        .zrevrange_with_scores(&keys::user_history("me"), 0, -1)
        .await
        .unwrap();
    assert_eq!(mine, [("lamp".to_string(), (T0 + 20) as f64)]);
    // Nothing new, nothing written.
    assert_eq!(pipeline.flush(T0 + 50).await.unwrap(), 0);
    // A generation published meanwhile (an ML team's, or a rollback) gets the next writes.
    pipeline.store().publish("2").await.unwrap();
    pipeline
        .take(&view(Some("me"), "s-me", "bulb", T0 + 60))
        .await
        .unwrap();
    pipeline.flush(T0 + 70).await.unwrap();
    let store = pipeline.store();
    assert_eq!(
        store.updated_at("2", "trending").await.unwrap(),
        Some(T0 + 70)
    );
    assert_eq!(
        store.updated_at("1", "trending").await.unwrap(),
        Some(T0 + 40)
    );
}
