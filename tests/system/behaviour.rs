//! What the data team reads: the cart's behaviour events on Kafka (`cart-events` and
//! `user-events`, events.md), checked end to end in the eleven-process deployment.
use reqwest::Method;
use serde_json::{Value, json};
use vici_testkit::system::{Mode, kafka_reader, shop};

use crate::account::product_id;
use crate::cart::{add, line_path, shopper};

/// The events keyed `key` on `topic` whose type starts with one of `kinds` (`behaviour.`,
/// `order.` …),
/// as a consumer outside the shop reads them from Kafka: a consumer group of its own, from the
/// earliest message, until `wanted` of them arrived (20 s at most).
pub async fn events_on_kafka(topic: &str, key: &str, kinds: &[&str], wanted: usize) -> Vec<Value> {
    let kafka = std::env::var("VICI_TEST_KAFKA").unwrap_or_else(|_| "127.0.0.1:9092".into());
    events_on_broker(&kafka, topic, key, kinds, wanted).await
}

/// [`events_on_kafka`] on the broker at `kafka` (`host:port`).
pub async fn events_on_broker(
    kafka: &str,
    topic: &str,
    key: &str,
    kinds: &[&str],
    wanted: usize,
) -> Vec<Value> {
    let mut sub = kafka_reader(kafka, topic).await;
    let mut found = Vec::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    while found.len() < wanted {
        let next = tokio::time::timeout_at(deadline, sub.next()).await;
        let delivery = next
            .unwrap_or_else(|_| panic!("only {found:?} on {topic} for {key}"))
            .unwrap();
        let event: Value = serde_json::from_slice(&delivery.payload).unwrap();
        let wanted_type = event["type"]
            .as_str()
            .is_some_and(|t| kinds.iter().any(|kind| t.starts_with(kind)));
        if delivery.key == key && wanted_type {
            found.push(event);
        }
    }
    found
}

/// The cart's behaviour types (a shopper's other behaviour shares `user-events`).
const CART_CHANGES: &[&str] = &["behaviour.add_to_cart", "behaviour.remove_from_cart"];

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
        let events = events_on_kafka(topic, &user, CART_CHANGES, 2).await;
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
    let search_id = search.data()["eventId"].as_str().unwrap().to_string();
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
    // Only the events this test posted: the shop records what it served besides.
    let posted = [view_id.as_str(), search_id.as_str(), click.as_str()];
    let events: Vec<Value> = recent
        .data()
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["id"].as_str().is_some_and(|id| posted.contains(&id)))
        .cloned()
        .collect();
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
    // The posted view and search, the click, and the view the shop served when the test
    // looked the product up.
    let kinds = ["behaviour.product_", "behaviour.search"];
    let on_kafka = events_on_kafka("user-events", &user, &kinds, 4).await;
    let ids: Vec<&str> = on_kafka.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids.iter().filter(|id| **id == click).count(), 1, "{ids:?}");
    let views = events_on_kafka("product-views", &user, &["behaviour.product_"], 3).await;
    let mut types: Vec<&str> = views.iter().map(|e| e["type"].as_str().unwrap()).collect();
    types.sort();
    assert_eq!(
        types,
        [
            "behaviour.product_click",
            "behaviour.product_view",
            "behaviour.product_view"
        ]
    );
}

/// A storefront visit (which sends no session header): anonymous browsing, then registration,
/// a wishlist and a checkout. The shop records each page it served: the anonymous pages under
/// a visit derived for them, which the registration's `identify` ties to the new user; an
/// admin reads the signed-in part; the data team reads it all on Kafka.
#[tokio::test]
async fn a_storefront_visit_is_recorded_as_the_shop_served_it() {
    let mut v = shop().visitor();
    let mouse = product_id(&v, "logitech-mx-master-3s").await;
    v.get("/api/products?limit=4").await.data();
    v.get("/api/products/search?q=mouse").await.data();
    v.get("/api/products/trending").await.data();
    v.register("storefront").await.data();
    let user = v.user_id();
    v.post("/api/users/wishlist", &json!({"productId": mouse}))
        .await
        .data();
    add(&v, &mouse, 1).await.data();
    v.post("/api/checkout/calculate", &json!({})).await.data();

    let mut admin = shop().visitor();
    admin
        .login("admin@example.com", vici_testkit::system::DEMO_PASSWORD)
        .await
        .data();
    let wanted = [
        "behaviour.identify",
        "behaviour.wishlist_add",
        "behaviour.checkout_start",
    ];
    let path = format!("/api/admin/users/{user}/events");
    let deadline = tokio::time::Instant::now() + vici_testkit::EVENT_WAIT;
    let recorded = loop {
        let got = admin.get(&path).await.data().as_array().unwrap().clone();
        if wanted.iter().all(|t| got.iter().any(|e| e["type"] == *t)) {
            break got;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {got:?} within {:?}",
            vici_testkit::EVENT_WAIT
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let of_type = |t: &str| recorded.iter().find(|e| e["type"] == t).unwrap().clone();
    let identify = of_type("behaviour.identify");
    let visit = identify["data"]["sessionId"].as_str().unwrap().to_string();
    assert!(visit.starts_with("visit-"), "{identify}");
    assert_eq!(
        of_type("behaviour.wishlist_add")["data"]["productId"],
        mouse.as_str()
    );
    assert!(of_type("behaviour.checkout_start")["data"]["priceCents"].as_i64() > Some(0));
    if shop().deployment.mode != Mode::Distributed {
        return;
    }
    let served = [
        "behaviour.product_view",
        "behaviour.product_list_view",
        "behaviour.search",
        "behaviour.recommendation_impression",
    ];
    let anonymous = events_on_kafka("user-events", &format!("anon:{visit}"), &served, 4).await;
    let mut types: Vec<&str> = anonymous
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    types.sort();
    let mut expected = served.to_vec();
    expected.sort();
    assert_eq!(types, expected);
    let prefix = v.ip.rsplit_once('.').unwrap().0;
    for e in &anonymous {
        assert_eq!(e["data"]["sessionId"], visit.as_str(), "{e}");
        assert_eq!(e["data"]["ipPrefix"], format!("{prefix}.0/24"), "{e}");
        assert!(e["data"].get("userId").is_none(), "{e}");
    }
    let view = anonymous
        .iter()
        .find(|e| e["type"] == "behaviour.product_view")
        .unwrap();
    assert_eq!(view["data"]["productId"], mouse.as_str());
    let on_kafka = events_on_kafka("user-events", &user, &wanted, 3).await;
    assert_eq!(on_kafka.len(), 3);
}
