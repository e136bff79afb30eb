//! An ML team's pipeline (`recommendation.pipeline = "external"`): its lists arrive on
//! `recommendation-updates`, are checked against the catalogue and the format, and are served
//! once their generation is published; vici keeps its own keys and writes no list itself.
use serde_json::{Value, json};
use vici_bus::CloudEvent;
use vici_bus::topics::{INVENTORY_EVENTS, RECOMMENDATION_UPDATES, dlq};
use vici_proto::recommendation::v1 as pb;
use vici_proto::recommendation::v1::RecommendationKind as K;
use vici_recommendation::external::{GENERATION_PUBLISHED, LIST_UPSERTED};
use vici_recommendation::store::{List, RecStore};
use vici_testkit::demo::product_id;
use vici_testkit::{EVENT_WAIT, eventually};

use super::harness::App;

async fn update(app: &App, event_type: &str, data: Value) {
    let event = CloudEvent::new("ml", event_type, "ml", data);
    app.publish(RECOMMENDATION_UPDATES, &event).await;
}

pub async fn an_ml_teams_lists_are_checked_and_served_once_published(app: App) {
    let (macbook, iphone, airpods) = (
        product_id("macbook-pro-16-m3"),
        product_id("iphone-15-pro-max"),
        product_id("airpods-pro-2"),
    );
    let store = RecStore::new(app.cache.clone());
    let sold_out = CloudEvent::new(
        "inventory",
        "inventory.stock_changed",
        &airpods,
        json!({"productId": airpods, "variantId": null, "available": 0, "reserved": 0}),
    );
    app.publish(INVENTORY_EVENTS, &sold_out).await;
    eventually("the sold-out product to be hidden", || async {
        store.hidden().await.unwrap().contains(&airpods)
    })
    .await;
    let items = json!([
        {"productId": macbook, "score": 0.9},
        {"productId": "00000000-0000-7000-8000-000000000000", "score": 0.8},
        {"productId": iphone, "score": 0.7},
        {"productId": airpods, "score": 0.6},
    ]);
    let popular = json!({"gen": "g2", "listType": "popular", "items": items});
    update(&app, LIST_UPSERTED, popular).await;
    let published = json!({"gen": "g2", "meta": {"model": "ease", "model_version": "ease-1"}});
    update(&app, GENERATION_PUBLISHED, published).await;
    let ask = pb::RecommendRequest {
        kind: K::Trending.into(),
        limit: 10,
        ..Default::default()
    };
    eventually("the published generation to be served", || async {
        let answer = app
            .recs()
            .recommend(ask.clone())
            .await
            .unwrap()
            .into_inner();
        answer.generation == "g2"
    })
    .await;
    let answer = app.recs().recommend(ask).await.unwrap().into_inner();
    let shown: Vec<(&str, &str)> = answer
        .items
        .iter()
        .map(|i| (i.product_id.as_str(), i.source.as_str()))
        .collect();
    assert_eq!(
        shown,
        [(macbook.as_str(), "popular"), (iphone.as_str(), "popular")],
        "the unknown and the hidden product left out"
    );
    assert_eq!(answer.model_version, "ease-1");

    // The shop's behaviour keeps vici's own keys, and writes no list of the ML team's.
    app.behaviour("behaviour.product_view", None, "visit-x", &iphone)
        .await;
    eventually("the visitor's view to be remembered", || async {
        app.shelf(K::RecentlyViewed, None, Some("visit-x"), None)
            .await
            == [(iphone.clone(), "history".to_string())]
    })
    .await;
    assert_eq!(store.current().await.unwrap().as_deref(), Some("g2"));
    assert!(store.top(List::Trending, 5).await.unwrap().is_empty());
    assert_eq!(store.top(List::Popular, 5).await.unwrap().len(), 2);
}

pub async fn an_update_breaking_the_format_goes_to_the_dead_letters(app: App) {
    let mut dead = app
        .services
        .bus()
        .subscribe("reader", &[&dlq(RECOMMENDATION_UPDATES)])
        .await
        .unwrap();
    let bad = json!({"gen": "g3", "listType": "hot", "items": []});
    update(&app, LIST_UPSERTED, bad).await;
    let delivery = tokio::time::timeout(EVENT_WAIT, dead.next())
        .await
        .expect("a dead letter")
        .unwrap();
    let letter: Value = serde_json::from_slice(&delivery.payload).unwrap();
    let error = letter["error"].as_str().unwrap();
    assert!(error.contains("`hot` is no list type"), "{letter}");
    let store = RecStore::new(app.cache.clone());
    assert_eq!(store.current().await.unwrap(), None, "nothing published");
}
