//! What the data team reads: the cart's behaviour events on Kafka (`cart-events` and
//! `user-events`, events.md), checked end to end in the eleven-process deployment.
use reqwest::Method;
use serde_json::Value;
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
