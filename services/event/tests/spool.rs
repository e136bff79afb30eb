//! The spool under a broker that stopped answering (a private tansu, frozen): events are kept
//! until the spool's cap, dropped and counted past it, and what was kept is delivered once the
//! broker answers again.
use std::collections::HashSet;

use serde_json::{Value, json};
use vici_bus::topics::USER_EVENTS;
use vici_proto::event::v1 as pb;
use vici_testkit::system::Broker;
use vici_testkit::{Backend, Services, eventually, new_id};

use crate::harness::{App, browser};

/// Events per batch while the broker is away, each with ~1.5 KB of properties (about 2 KB a row): three batches
/// stay under the 1 MiB cap.
const BATCH: usize = 150;
/// How long the kept events may take to arrive once the broker is back.
const AFTER_THE_OUTAGE: std::time::Duration = std::time::Duration::from_secs(120);

pub async fn past_its_cap_drops_and_what_it_held_is_delivered(backend: Backend) {
    let broker = Broker::start();
    let services = Services::builder(backend)
        .service(vici_event::service())
        .setting("VICI_BUS_URL", format!("kafka://{}", broker.address))
        .setting("VICI_EVENT_SPOOL_LIMIT_MB", 1)
        .start()
        .await;
    let app = App {
        events: services.client(),
        services: services.clone(),
    };
    let first = app
        .track(
            browser(None, Some("s-0")),
            json!({"type": "behaviour.page_view"}),
        )
        .await
        .unwrap();
    // Joined once the broker holds the event: tansu 0.6 leaves a group that joined an empty
    // partition without deliveries for longer than a case waits.
    let db = services.db(vici_testkit::ServiceName::Event).await;
    eventually("the first event published", || async {
        vici_store::outbox::pending(&db).await.unwrap() == 0
    })
    .await;
    let mut all = services.drain("reader", &[USER_EVENTS]).await;
    assert_eq!(
        all.next().await.1.id,
        first,
        "the broker delivers before the outage"
    );

    broker.pause();
    let padding = "x".repeat(1_500);
    let mut kept = HashSet::new();
    for round in 0..3 {
        let events: Vec<Value> = (0..BATCH)
            .map(|i| {
                let id = new_id();
                kept.insert(id.clone());
                json!({"id": id, "type": "behaviour.page_view", "sessionId": format!("s-{round}-{i}"),
                       "properties": {"padding": padding}})
            })
            .collect();
        let answer = app.batch(browser(None, None), &events).await;
        assert_eq!(answer.accepted as usize, BATCH, "{:?}", answer.rejected);
    }
    // Then one shopper's event at a time fills it, until one is answered but not among that
    // shopper's recent events: dropped.
    eventually("an event dropped past the spool's cap", || async {
        let user = new_id();
        let event = json!({"type": "behaviour.page_view", "properties": {"padding": padding}});
        app.track(browser(Some(&user), Some("probe")), event)
            .await
            .unwrap();
        recorded(&app, &user).await == 0
    })
    .await;
    let metrics = vici_kit::metrics::render();
    assert!(
        metrics.contains(r#"vici_events_dropped_total{reason="spool_full"}"#),
        "{metrics}"
    );

    broker.resume();
    // A group of its own, given the time a broker back from a freeze takes to deliver to a
    // new group (tansu 0.6: up to its members' stall check, docs/decisions.md).
    drop(all);
    let mut after = services
        .bus()
        .subscribe("after-the-outage", &[USER_EVENTS])
        .await
        .unwrap();
    let mut missing = kept.clone();
    let deadline = tokio::time::Instant::now() + AFTER_THE_OUTAGE;
    while !missing.is_empty() {
        let delivery = tokio::time::timeout_at(deadline, after.next())
            .await
            .unwrap_or_else(|_| panic!("{} kept events not delivered", missing.len()))
            .unwrap();
        let event = vici_bus::CloudEvent::from_json(&delivery.payload).unwrap();
        missing.remove(&event.id);
    }
    drop(after);
    services.finish().await;
}

async fn recorded(app: &App, user: &str) -> usize {
    app.events()
        .get_user_events(pb::GetUserEventsRequest {
            user_id: user.to_string(),
            limit: 100,
            event_type: None,
        })
        .await
        .unwrap()
        .into_inner()
        .events_json
        .len()
}
