//! Tracking: what is published where, once; what is refused, and where it is kept; what a
//! user's recent events and the schemas say.
use std::collections::BTreeMap;

use serde_json::{Value, json};
use vici_bus::topics::{PRODUCT_VIEWS, SEARCH_EVENTS, USER_EVENTS};
use vici_event::INVALID_TOPIC;
use vici_proto::event::v1 as pb;
use vici_testkit::{assert_invalid, new_id};

use crate::harness::{App, browser};

pub async fn an_event_is_published_on_its_topics_enriched(app: App) {
    let user = new_id();
    let id = app
        .track(
            browser(Some(&user), Some("tab-1")),
            json!({"type": "behaviour.product_view", "productId": "p-7", "source": "search",
                   "position": 2, "properties": {"colour": "red"}}),
        )
        .await
        .unwrap();
    let mut all = app.services.drain("reader", &[USER_EVENTS]).await;
    let mut views = app.services.drain("views", &[PRODUCT_VIEWS]).await;
    let (key, event) = all.next().await;
    assert_eq!(
        views.next().await,
        (key.clone(), event.clone()),
        "one event on both topics"
    );
    assert_eq!(key, user, "keyed by the user");
    assert_eq!(event.id, id);
    assert_eq!(event.event_type, "behaviour.product_view");
    assert_eq!(
        (event.source.as_str(), event.subject.as_str()),
        ("/vici/event", user.as_str())
    );
    assert_eq!(
        event.data,
        json!({
            "userId": user, "sessionId": "tab-1", "productId": "p-7", "source": "search",
            "position": 2, "properties": {"colour": "red"},
            "userAgent": browser(None, None).user_agent.unwrap(),
            "referrer": "https://shop.example/search?q=shoes",
            "ipPrefix": "203.0.113.0/24", "isBot": false,
        })
    );
    // An anonymous visitor's search: keyed by its session, a bot flagged, never dropped.
    let mut bot = browser(None, Some("anon-9"));
    bot.user_agent =
        Some("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)".into());
    app.track(
        bot,
        json!({"type": "behaviour.search", "query": "shoes", "resultsCount": 3}),
    )
    .await
    .unwrap();
    let (key, search) = app
        .services
        .drain("searches", &[SEARCH_EVENTS])
        .await
        .next()
        .await;
    assert_eq!(key, "anon:anon-9");
    assert_eq!(search.data["isBot"], true);
    assert!(search.data.get("userId").is_none());
}

/// While the bus takes events at once, they are written once (as recent events) and never
/// pass through the outbox, whose insert, relay read and marking cost twice the writing.
pub async fn events_the_bus_takes_at_once_never_wait_in_the_outbox(app: App) {
    let batch: Vec<Value> = (0..20)
        .map(|i| json!({"type": "behaviour.product_view", "productId": format!("p-{i}")}))
        .collect();
    let answer = app.batch(browser(None, Some("tab-9")), &batch).await;
    assert_eq!(answer.accepted, 20, "{answer:?}");
    let mut views = app.services.drain("views", &[PRODUCT_VIEWS]).await;
    let seen = views.until(|got| got.len() == 20).await;
    assert_eq!(
        seen.iter().map(|e| &e.id).collect::<Vec<_>>(),
        answer.event_ids.iter().collect::<Vec<_>>(),
        "published in order"
    );
    let db = app.services.db(vici_testkit::ServiceName::Event).await;
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox")
        .fetch_one(db.reader())
        .await
        .unwrap();
    assert_eq!(rows, 0, "no outbox row, published or waiting");
}

pub async fn a_batch_posted_twice_is_published_once(app: App) {
    let ids: Vec<String> = (0..3).map(|_| new_id()).collect();
    let batch: Vec<Value> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| json!({"id": id, "type": "behaviour.product_click", "productId": format!("p-{i}"), "position": i}))
        .collect();
    let context = browser(None, Some("tab-2"));
    let first = app.batch(context.clone(), &batch).await;
    let again = app.batch(context.clone(), &batch).await;
    for answer in [&first, &again] {
        assert_eq!(
            (answer.accepted, answer.rejected.len()),
            (3, 0),
            "{answer:?}"
        );
        assert_eq!(answer.event_ids, ids, "the client's ids, in order");
    }
    let metrics = vici_kit::metrics::render();
    assert!(
        metrics.contains(r#"vici_events_total{outcome="repeated",type="behaviour.product_click"}"#),
        "{metrics}"
    );
    // One id twice in one batch (a client's retry merged into its next batch): kept once.
    let twin = new_id();
    let twins: Vec<Value> = (0..2)
        .map(|i| json!({"id": twin, "type": "behaviour.product_click", "productId": "p-twin", "position": i}))
        .collect();
    let answer = app.batch(context.clone(), &twins).await;
    assert_eq!(answer.event_ids, [twin.clone(), twin.clone()], "{answer:?}");
    // A marker after the repeats: anything published twice would come before it.
    let marker = app
        .track(
            context,
            json!({"type": "behaviour.page_view", "path": "/done"}),
        )
        .await
        .unwrap();
    let mut all = app.services.drain("reader", &[USER_EVENTS]).await;
    let seen = all.until(|got| got.iter().any(|e| e.id == marker)).await;
    let mut counted: BTreeMap<String, usize> = BTreeMap::new();
    for e in &seen {
        *counted.entry(e.id.clone()).or_default() += 1;
    }
    for id in ids.iter().chain([&twin]) {
        assert_eq!(counted.get(id), Some(&1), "{id} in {counted:?}");
    }
    assert_eq!(seen.len(), 5, "{counted:?}");
}

pub async fn bad_events_are_refused_and_kept_on_the_invalid_topic(app: App) {
    let context = browser(None, Some("tab-3"));
    let cases = [
        (json!({"type": "behaviour.teleport"}), "type"),
        (json!({"type": "behaviour.product_view"}), "productId"),
        (
            json!({"type": "behaviour.search", "query": "x".repeat(10_000)}),
            "query",
        ),
        (
            json!({"type": "behaviour.search", "query": "a\u{0}b"}),
            "query",
        ),
        (
            json!({"type": "behaviour.page_view", "userId": "someone-else"}),
            "userId",
        ),
        (
            json!({"type": "behaviour.purchase", "orderId": "o", "productId": "p",
                "quantity": 1, "priceCents": 1}),
            "type",
        ),
    ];
    for (event, field) in &cases {
        let refusal = app.track(context.clone(), event.clone()).await.unwrap_err();
        assert_invalid(&refusal, field);
    }
    let not_json = app
        .events()
        .track_event(pb::TrackEventRequest {
            context: Some(context.clone()),
            event_json: "{not json".into(),
        })
        .await
        .unwrap_err();
    assert_invalid(&not_json, "event");
    let too_many = vec![json!({"type": "behaviour.page_view"}); 501];
    let refused = app
        .events()
        .batch_track_events(pb::BatchTrackEventsRequest {
            context: Some(context.clone()),
            events_json: too_many.iter().map(Value::to_string).collect(),
        })
        .await
        .unwrap_err();
    assert_invalid(&refused, "events");
    // In a batch, the good are taken and the bad named by index.
    let mixed = [
        json!({"type": "behaviour.page_view"}),
        json!({"type": "behaviour.product_view"}),
    ];
    let answer = app.batch(context.clone(), &mixed).await;
    assert_eq!(answer.accepted, 1);
    assert_eq!(answer.rejected.len(), 1);
    assert_eq!(answer.rejected[0].index, 1);
    assert!(answer.rejected[0].error.contains("productId"), "{answer:?}");

    let mut invalid = app.services.drain("inspector", &[INVALID_TOPIC]).await;
    let kept = invalid.take(cases.len() + 1).await;
    assert_eq!(
        kept[0].0, "anon:tab-3",
        "keyed by the session, as the event would have been"
    );
    assert!(
        kept[0].1.data["reason"]
            .as_str()
            .unwrap()
            .contains("behaviour.teleport")
    );
    assert!(kept[2].1.data["received"].as_str().unwrap().len() <= 4_096);
    let mut all = app.services.drain("reader", &[USER_EVENTS]).await;
    let (_, only) = all.next().await;
    assert_eq!(
        only.event_type, "behaviour.page_view",
        "only the good one published"
    );
    all.assert_quiet(std::time::Duration::from_millis(300))
        .await;
}

pub async fn a_users_recent_events_come_newest_first(app: App) {
    let (user, other) = (new_id(), new_id());
    for (who, path) in [(&user, "/a"), (&other, "/x"), (&user, "/b")] {
        app.track(
            browser(Some(who), Some("tab")),
            json!({"type": "behaviour.page_view", "path": path}),
        )
        .await
        .unwrap();
    }
    app.track(
        browser(Some(&user), Some("tab")),
        json!({"type": "behaviour.category_view", "categoryId": "c-1"}),
    )
    .await
    .unwrap();
    let recent = |event_type: Option<&str>, limit| {
        let request = pb::GetUserEventsRequest {
            user_id: user.clone(),
            limit,
            event_type: event_type.map(str::to_string),
        };
        let mut client = app.events();
        async move {
            let found = client.get_user_events(request).await.unwrap().into_inner();
            found
                .events_json
                .iter()
                .map(|e| serde_json::from_str::<Value>(e).unwrap())
                .collect::<Vec<_>>()
        }
    };
    let all = recent(None, 10).await;
    let types: Vec<&str> = all.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        [
            "behaviour.category_view",
            "behaviour.page_view",
            "behaviour.page_view"
        ]
    );
    let pages = recent(Some("behaviour.page_view"), 1).await;
    assert_eq!(pages.len(), 1);
    assert_eq!(pages[0]["data"]["path"], "/b");
}

pub async fn the_schema_lists_every_type(app: App) {
    let found = app
        .events()
        .get_event_schema(pb::GetEventSchemaRequest {})
        .await
        .unwrap()
        .into_inner();
    let schema: Value = serde_json::from_str(&found.schema_json).unwrap();
    let types = schema.as_object().unwrap();
    assert_eq!(types.len(), 14);
    assert_eq!(
        types["behaviour.search"]["required"],
        json!(["type", "query"])
    );
}
