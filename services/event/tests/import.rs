//! An admin's backfill: past events published with their own user and time, flagged as
//! imported, once per id, never throttled; a bad one refused by its place in the batch.
use serde_json::{Value, json};
use vici_bus::topics::{PURCHASE_EVENTS, USER_EVENTS};
use vici_proto::event::v1 as pb;
use vici_testkit::new_id;

use crate::harness::App;

async fn import(app: &App, events: &[Value]) -> pb::BatchTrackEventsResponse {
    app.events()
        .import_events(pb::ImportEventsRequest {
            events_json: events.iter().map(Value::to_string).collect(),
        })
        .await
        .expect("an import is answered")
        .into_inner()
}

pub async fn history_is_published_with_its_own_user_and_time(app: App) {
    let user = new_id();
    let id = new_id();
    let purchase = json!({"id": id, "type": "behaviour.purchase", "userId": user,
                          "orderId": "o-1997", "productId": "p-1", "quantity": 1,
                          "priceCents": 1_250, "time": "1997-09-20T03:05:10Z"});
    let view = json!({"type": "behaviour.product_view", "sessionId": "old-visit",
                      "productId": "p-2", "time": "2025-01-02T10:00:00.123+01:00"});
    let future = json!({"type": "behaviour.product_view", "userId": user, "productId": "p-3",
                        "time": "2999-01-01T00:00:00Z"});
    let answer = import(&app, &[purchase.clone(), view, future]).await;
    assert_eq!(answer.accepted, 2, "{answer:?}");
    let refused: Vec<u32> = answer.rejected.iter().map(|r| r.index).collect();
    assert_eq!(refused, [2], "{answer:?}");
    assert!(answer.rejected[0].error.contains("future"), "{answer:?}");

    let mut all = app.services.drain("reader", &[USER_EVENTS]).await;
    let (key, bought) = all.next().await;
    assert_eq!(
        (key.as_str(), bought.id.as_str()),
        (user.as_str(), id.as_str())
    );
    assert_eq!(bought.time, "1997-09-20T03:05:10.000Z", "the original time");
    assert_eq!(bought.data["userId"], user.as_str());
    assert_eq!(bought.data["sessionId"], format!("import-{user}"));
    assert_eq!(
        (&bought.data["imported"], &bought.data["isBot"]),
        (&json!(true), &json!(false))
    );
    let (key, seen) = all.next().await;
    assert_eq!(key, "anon:old-visit");
    assert_eq!(seen.time, "2025-01-02T09:00:00.123Z");
    let (_, on_purchases) = app
        .services
        .drain("purchases", &[PURCHASE_EVENTS])
        .await
        .next()
        .await;
    assert_eq!(on_purchases.id, id);

    // The same file sent again: taken, published once. A burst far past a visitor's budget
    // is history, not a runaway session.
    let burst: Vec<Value> = (0..300)
        .map(|i| {
            json!({"type": "behaviour.product_view", "userId": user,
                        "productId": format!("burst-{i}"), "time": "2025-06-01T00:00:00Z"})
        })
        .collect();
    let again = import(&app, &[purchase]).await;
    assert_eq!(
        (again.accepted, again.event_ids[0].as_str()),
        (1, id.as_str())
    );
    assert_eq!(import(&app, &burst).await.accepted, 300);
    let rest = all
        .until(|got| got.iter().filter(|e| e.data["productId"] != "p-1").count() == 300)
        .await;
    assert!(rest.iter().all(|e| e.id != id), "the purchase came once");
    assert!(rest.iter().all(|e| e.data.get("throttled").is_none()));
}
