//! What the data team reads: the cart's behaviour events on Kafka (`cart-events` and
//! `user-events`, events.md), checked end to end in the eleven-process deployment.
use reqwest::Method;
use serde_json::{Value, json};
use vici_testkit::system::{Mode, shop};

use crate::account::product_id;
use crate::cart::{add, line_path, shopper};

/// The events keyed `key` on `topic` whose type starts with `kind` (`behaviour.`, `order.` …),
/// as a consumer outside the shop reads them from Kafka: a consumer group of its own, from the
/// earliest message, until `wanted` of them arrived (20 s at most).
pub async fn events_on_kafka(topic: &str, key: &str, kind: &str, wanted: usize) -> Vec<Value> {
    let kafka = std::env::var("VICI_TEST_KAFKA").unwrap_or_else(|_| "127.0.0.1:9092".into());
    events_on_broker(&kafka, topic, key, kind, wanted).await
}

/// [`events_on_kafka`] on the broker at `kafka` (`host:port`).
pub async fn events_on_broker(
    kafka: &str,
    topic: &str,
    key: &str,
    kind: &str,
    wanted: usize,
) -> Vec<Value> {
    let bus = vici_bus::open(Some(&format!("kafka://{kafka}")), 3)
        .await
        .unwrap();
    let group = format!("system-test-{}", uuid::Uuid::new_v4().simple());
    let mut sub = bus.subscribe(&group, &[topic]).await.unwrap();
    let mut found = Vec::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    while found.len() < wanted {
        let next = tokio::time::timeout_at(deadline, sub.next()).await;
        let delivery = next
            .unwrap_or_else(|_| panic!("only {found:?} on {topic} for {key}"))
            .unwrap();
        let event: Value = serde_json::from_slice(&delivery.payload).unwrap();
        if delivery.key == key && event["type"].as_str().is_some_and(|t| t.starts_with(kind)) {
            found.push(event);
        }
    }
    found
}

#[tokio::test]
async fn cart_changes_reach_the_ml_team_as_behaviour_events() {
    let v = shopper("behaviour").await;
    let mouse = product_id(&v, "logitech-mx-master-3s").await;
    let cart = add(&v, &mouse, 2).await.data().clone();
    let line = line_path(&cart, 0);
    v.bare(Method::DELETE, &line).await.data();
    if shop().deployment.mode != Mode::Distributed {
        // `vici up` keeps its bus in the process; the crate tests read it there.
        return;
    }
    let user = v.user_id();
    for topic in ["cart-events", "user-events"] {
        let events = events_on_kafka(topic, &user, "behaviour.", 2).await;
        assert_eq!(events[0]["type"], "behaviour.add_to_cart", "{topic}");
        assert_eq!(events[1]["type"], "behaviour.remove_from_cart", "{topic}");
        assert_eq!(events[0]["specversion"], "1.0");
        let data = &events[0]["data"];
        assert_eq!(
            (data["userId"].as_str(), data["productId"].as_str()),
            (Some(user.as_str()), Some(mouse.as_str()))
        );
        assert_eq!(
            (data["quantity"].as_i64(), data["priceCents"].as_i64()),
            (Some(2), Some(9_999))
        );
    }
}

/// A signed-in shopper's tracked behaviour: a product view, a search and a batch (one bad
/// event in it), recorded with the user from the token, readable by an admin, and on Kafka in
/// the eleven-process deployment. A body that names another user is refused.
#[tokio::test]
async fn tracked_behaviour_is_recorded_for_the_signed_in_user() {
    let v = shopper("tracking").await;
    let user = v.user_id();
    let mouse = product_id(&v, "logitech-mx-master-3s").await;
    let track = |path: String, body: Value| {
        let req = v
            .request(Method::POST, &path)
            .header("x-session-id", "tab-7")
            .json(&body);
        async move { shop().send(req).await }
    };
    let view = track(
        format!("/api/products/{mouse}/view"),
        json!({"source": "search", "position": 0}),
    )
    .await;
    assert_eq!(view.status, 202, "{}", view.body);
    let view_id = view.data()["eventId"].as_str().unwrap().to_string();
    let search = track(
        "/api/events".into(),
        json!({"type": "behaviour.search", "query": "mouse", "resultsCount": 1}),
    )
    .await;
    assert_eq!(search.status, 202, "{}", search.body);
    let click = uuid::Uuid::now_v7().to_string();
    let batch = json!({"events": [
        {"id": click, "type": "behaviour.product_click", "productId": mouse, "position": 0},
        {"type": "behaviour.nope"},
    ]});
    let answer = track("/api/events/batch".into(), batch.clone()).await;
    assert_eq!(answer.status, 202, "{}", answer.body);
    let data = answer.data();
    assert_eq!(
        (
            data["accepted"].as_u64(),
            data["rejected"][0]["index"].as_u64()
        ),
        (Some(1), Some(1)),
        "{data}"
    );
    assert_eq!(data["eventIds"][0], click.as_str());
    // The same batch again: the click keeps its id and is recorded once.
    assert_eq!(
        track("/api/events/batch".into(), batch).await.data()["eventIds"][0],
        click.as_str()
    );
    let forged = track(
        "/api/events".into(),
        json!({"type": "behaviour.page_view", "userId": "someone-else"}),
    )
    .await;
    forged.error(400);
    assert!(
        forged.body["details"]["userId"].is_string(),
        "{}",
        forged.body
    );

    let mut admin = shop().visitor();
    admin
        .login("admin@example.com", vici_testkit::system::DEMO_PASSWORD)
        .await
        .data();
    let recent = admin.get(&format!("/api/admin/users/{user}/events")).await;
    let events = recent.data().as_array().unwrap().clone();
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        [
            "behaviour.product_click",
            "behaviour.search",
            "behaviour.product_view"
        ],
        "{events:?}"
    );
    assert_eq!(events[2]["id"], view_id.as_str());
    for e in &events {
        assert_eq!(e["data"]["userId"], user.as_str(), "{e}");
        assert_eq!(e["data"]["sessionId"], "tab-7", "{e}");
    }
    if shop().deployment.mode != Mode::Distributed {
        return;
    }
    let on_kafka = events_on_kafka("user-events", &user, "behaviour.", 3).await;
    let ids: Vec<&str> = on_kafka.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids.iter().filter(|id| **id == click).count(), 1, "{ids:?}");
    let views = events_on_kafka("product-views", &user, "behaviour.product_", 2).await;
    assert_eq!(views[0]["type"], "behaviour.product_view");
    assert_eq!(views[1]["type"], "behaviour.product_click");
}
