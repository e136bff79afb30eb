//! An admin's backfill of behaviour history (`POST /api/admin/events/import`): a shop moving
//! to vici sends its past as NDJSON, the events keep their users and times, bad lines are
//! named by line, and the recommendations learn from the history.
use reqwest::Method;
use reqwest::header::CONTENT_TYPE;
use serde_json::json;
use vici_testkit::system::{Visitor, shop};

use crate::account::product_id;
use crate::checkout::admin;
use crate::recommendations::{eventually, has, shelf};

const IMPORT: &str = "/api/admin/events/import";

async fn import(who: &Visitor<'_>, media: &str, body: String) -> vici_testkit::Reply {
    let req = who
        .request(Method::POST, IMPORT)
        .header(CONTENT_TYPE, media)
        .body(body);
    shop().send(req).await
}

fn view(user: &str, product: &str, time: &str) -> String {
    let event = json!({"type": "behaviour.product_view", "userId": user, "productId": product,
                       "time": time});
    format!("{event}\n")
}

#[tokio::test]
async fn an_imported_history_shapes_the_shoppers_recommendations() {
    let lookup = shop().visitor();
    let backpack = product_id(&lookup, "north-face-backpack").await;
    let mixer = product_id(&lookup, "kitchenaid-stand-mixer").await;
    let week_ago = chrono::Utc::now() - chrono::TimeDelta::days(7);
    let at = |minutes: i64| {
        (week_ago + chrono::TimeDelta::minutes(minutes))
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    };

    // Three customers of the former shop looked at the backpack, then the mixer; the shopper
    // looked at the backpack only. A broken line and a future event are refused by line.
    let mut ndjson = String::new();
    for i in 0..3 {
        let mut past = shop().visitor();
        past.register(&format!("imported-{i}")).await.data();
        ndjson += &view(&past.user_id(), &backpack, &at(i));
        ndjson += &view(&past.user_id(), &mixer, &at(i + 1));
    }
    let mut shopper = shop().visitor();
    shopper.register("imported-shopper").await.data();
    let user = shopper.user_id();
    ndjson += &view(&user, &backpack, &at(10));
    ndjson += "\n{\"type\": \"behaviour.product_view\", \"productId\"\n";
    ndjson += &view(&user, &mixer, "2999-01-01T00:00:00Z");

    let admin = admin().await;
    let reply = import(&admin, "application/x-ndjson", ndjson).await;
    assert_eq!(reply.status, 202, "{}", reply.body);
    let answer = reply.data();
    assert_eq!(
        (&answer["accepted"], &answer["rejectedCount"]),
        (&json!(7), &json!(2)),
        "{answer}"
    );
    let refused: Vec<(u64, u64)> = answer["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["index"].as_u64().unwrap(), r["line"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        refused,
        [(7, 9), (8, 10)],
        "blank lines are no events: {answer}"
    );

    eventually("the mixer among the shopper's picks", || async {
        let mine = shelf(&shopper, "/api/products/recommended?limit=10").await;
        has(&mine, &mixer, "personalized")
    })
    .await;
    let events = admin
        .get(&format!(
            "/api/admin/users/{user}/events?type=behaviour.product_view"
        ))
        .await;
    let imported = &events.data()[0];
    assert_eq!(imported["time"], at(10), "the original time: {imported}");
    assert_eq!(imported["data"]["imported"], true, "{imported}");
}

#[tokio::test]
async fn an_import_takes_a_json_batch_and_refuses_what_is_not_an_import() {
    let admin = admin().await;
    let mut customer = shop().visitor();
    customer.register("import-refused").await.data();
    let user = customer.user_id();
    let batch = json!({"events": [
        {"type": "behaviour.search", "userId": user, "query": "tent", "time": "2026-01-05T10:00:00Z"},
        {"type": "behaviour.search", "userId": "nobody", "query": "tent", "time": "2026-01-05T10:00:00Z"},
    ]});
    let reply = import(&admin, "application/json", batch.to_string()).await;
    let answer = reply.data();
    assert_eq!(answer["accepted"], 1, "{answer}");
    assert!(
        answer["rejected"][0]["details"]["userId"].is_string(),
        "{answer}"
    );

    // A line past 16 KB is refused by its line; the next one is taken.
    let long = format!(
        "{{\"type\": \"behaviour.search\", \"query\": \"{}\"}}\n",
        "x".repeat(20_000)
    );
    let ndjson = long + &view(&user, "p", "2026-01-05T10:00:00Z");
    let answer = import(&admin, "application/x-ndjson", ndjson).await;
    let answer = answer.data();
    assert_eq!(answer["accepted"], 1, "{answer}");
    assert_eq!(answer["rejected"][0]["line"], 1, "{answer}");
    let why = answer["rejected"][0]["error"].as_str().unwrap();
    assert!(why.contains("longer than 16 KB"), "{why}");

    let ndjson = view(&user, "p", "2026-01-05T10:00:00Z");
    import(&customer, "application/x-ndjson", ndjson.clone())
        .await
        .assert_error(403, "FORBIDDEN");
    let wrong = import(&admin, "text/csv", ndjson).await;
    let body = wrong.assert_error(400, "VALIDATION_ERROR");
    assert!(
        body["message"].as_str().unwrap().contains("ndjson"),
        "{body}"
    );
    let broken = import(&admin, "application/json", "{\"events\": [".into()).await;
    broken.assert_error(400, "VALIDATION_ERROR");
}
