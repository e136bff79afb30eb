//! Tracked behaviour events as a load and as what a consumer outside the shop reads: batches of
//! clicks with client ids, and how many times each id arrived on a Kafka topic. The outage
//! tests and the outage benchmark (bench `vici-outage`) count with these.
use std::collections::HashMap;
use std::time::Duration;

use serde_json::{Value, json};

/// A body for `POST /api/events/batch`: `count` clicks on `product`, each with a new id and a
/// session of its own (`<session_prefix>-<id>`), so no session budget throttles a steady load.
/// Returns the ids with the body.
pub fn clicks(count: usize, product: &str, session_prefix: &str) -> (Vec<String>, Value) {
    let ids: Vec<String> = (0..count)
        .map(|_| uuid::Uuid::now_v7().to_string())
        .collect();
    let events: Vec<Value> = ids
        .iter()
        .map(|id| {
            json!({
                "id": id,
                "type": "behaviour.product_click",
                "productId": product,
                "sessionId": format!("{session_prefix}-{id}"),
            })
        })
        .collect();
    (ids, json!({ "events": events }))
}

/// A consumer group of its own on `topic` of the broker at `kafka` (`host:port`), reading from
/// the topic's first event, as a consumer outside the shop would.
pub async fn kafka_reader(kafka: &str, topic: &str) -> Box<dyn vici_bus::Subscription> {
    let bus = vici_bus::open(Some(&format!("kafka://{kafka}")), 3)
        .await
        .expect("opening the broker");
    let group = format!("system-test-{}", uuid::Uuid::new_v4().simple());
    bus.subscribe(&group, &[topic])
        .await
        .expect("subscribing to the topic")
}

/// How many times each event id arrived on `topic` of the broker at `kafka`, read from its
/// start until every one of `ids` came and then nothing more for `quiet` (a copy would have
/// come by then), all within `within`; other events are counted too. Err with the counts when
/// some of `ids` had not come within `within`.
pub async fn arrivals(
    kafka: &str,
    topic: &str,
    ids: &[String],
    within: Duration,
    quiet: Duration,
) -> Result<HashMap<String, usize>, HashMap<String, usize>> {
    let mut sub = kafka_reader(kafka, topic).await;
    let mut seen: HashMap<String, usize> = HashMap::with_capacity(ids.len());
    let mut missing = ids.len();
    let deadline = tokio::time::Instant::now() + within;
    let wanted: std::collections::HashSet<&str> = ids.iter().map(String::as_str).collect();
    loop {
        // Other traffic on the topic could keep the quiet spell from ever coming: `within`
        // bounds the whole reading.
        let bound = if missing == 0 {
            deadline.min(tokio::time::Instant::now() + quiet)
        } else {
            deadline
        };
        match tokio::time::timeout_at(bound, sub.next()).await {
            Ok(delivery) => {
                let delivery = delivery.expect("reading the topic");
                let event: Value =
                    serde_json::from_slice(&delivery.payload).expect("events are JSON");
                let id = event["id"].as_str().unwrap_or_default();
                let count = seen.entry(id.to_string()).or_default();
                *count += 1;
                if *count == 1 && wanted.contains(id) {
                    missing -= 1;
                }
            }
            Err(_) if missing == 0 => return Ok(seen),
            Err(_) => return Err(seen),
        }
    }
}
