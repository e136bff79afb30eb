//! What the cart announces: behaviour events on both behaviour topics, abandoned carts once
//! per idle period, and the purge of carts nobody touched for a month.
use serde_json::json;
use vici_bus::CloudEvent;
use vici_bus::topics::{CART_EVENTS, USER_EVENTS};
use vici_proto::cart::v1 as pb;

use crate::harness::{App, add, new_user, product, variant};

const HOUR_MS: i64 = 3_600_000;

pub async fn behaviour_events_reach_both_topics(app: App) {
    let user = new_user();
    let jeans = product("levis-501-jeans");
    let shoes = product("nike-air-max-90");
    let us10 = variant("nike-air-max-90", "US 10 Black");
    let mut c = app.cart();
    let cart = c
        .add_item(add(&user, &jeans, None, 2))
        .await
        .unwrap()
        .into_inner();
    let line = cart.items[0].id.clone();
    let set = |quantity, session: &str| pb::UpdateItemRequest {
        user_id: user.clone(),
        item_id: line.clone(),
        quantity,
        session_id: session.into(),
    };
    c.update_item(set(5, "")).await.unwrap();
    c.update_item(set(1, "session-2")).await.unwrap();
    c.add_item(add(&user, &shoes, Some(&us10), 1))
        .await
        .unwrap();
    let merge = pb::MergeCartRequest {
        user_id: user.clone(),
        items: vec![pb::MergeLine {
            product_id: jeans.clone(),
            variant_id: None,
            quantity: 2,
        }],
        session_id: "guest".into(),
    };
    c.merge_cart(merge).await.unwrap();
    let clear = |after_order| pb::ClearCartRequest {
        user_id: user.clone(),
        session_id: "session-3".into(),
        after_order,
        item_ids: Vec::new(),
    };
    c.clear_cart(clear(false)).await.unwrap();
    c.add_item(add(&user, &jeans, None, 1)).await.unwrap();
    c.clear_cart(clear(true)).await.unwrap();
    // A marker: had the clear after an order announced anything, it would come before this.
    c.add_item(add(&user, &shoes, None, 4)).await.unwrap();

    let expected = [
        ("add", &jeans, None, 2, "session-1"),
        ("add", &jeans, None, 3, user.as_str()),
        ("remove", &jeans, None, 4, "session-2"),
        ("add", &shoes, Some(&us10), 1, "session-1"),
        ("add", &jeans, None, 2, "guest"),
        ("remove", &jeans, None, 3, "session-3"),
        ("remove", &shoes, Some(&us10), 1, "session-3"),
        ("add", &jeans, None, 1, "session-1"),
        ("add", &shoes, None, 4, "session-1"),
    ];
    let on_cart = app.events("observer", CART_EVENTS, expected.len()).await;
    let on_user = app.events("observer", USER_EVENTS, expected.len()).await;
    for (i, (kind, product_id, variant_id, quantity, session)) in expected.into_iter().enumerate() {
        let (key, event) = &on_cart[i];
        assert_eq!(key, &user);
        assert_eq!(
            event.event_type,
            format!(
                "behaviour.{kind}_{}",
                if kind == "add" {
                    "to_cart"
                } else {
                    "from_cart"
                }
            )
        );
        assert_eq!(
            (event.source.as_str(), event.subject.as_str()),
            ("/vici/cart", user.as_str())
        );
        let price = if product_id == &jeans { 8_900 } else { 12_999 };
        let mut data = json!({
            "userId": user,
            "sessionId": session,
            "productId": product_id,
            "quantity": quantity,
            "priceCents": price,
            "source": "cart",
        });
        if let Some(v) = variant_id {
            data["variantId"] = json!(v);
        }
        assert_eq!(event.data, data, "event {i}");
        assert_eq!(on_user[i], on_cart[i], "the same event on both topics");
    }
    let metrics = vici_kit::metrics::render();
    assert!(
        metrics.contains("vici_cart_adds_total{operation=\"merge\"}"),
        "{metrics}"
    );
}

pub async fn idle_carts_are_announced_once_and_purged(app: App) {
    let (idle, empty) = (new_user(), new_user());
    let shoes = product("nike-air-max-90");
    let us9 = variant("nike-air-max-90", "US 9");
    let mut c = app.cart();
    c.add_item(add(&idle, &shoes, Some(&us9), 2)).await.unwrap();
    let cart = app
        .services
        .add_to_cart(&idle, &product("atomic-habits-book"), 1)
        .await;
    app.services.cart_of(&empty).await;
    let last_change = chrono::DateTime::parse_from_rfc3339(&cart.updated_at)
        .unwrap()
        .timestamp_millis();

    let sweep = |at: i64| vici_cart::sweep(&app.db, &app.config, at);
    let report = sweep(last_change + 23 * HOUR_MS).await.unwrap();
    assert_eq!(
        (report.abandoned, report.purged),
        (0, 0),
        "not idle long enough"
    );
    let report = sweep(last_change + 25 * HOUR_MS).await.unwrap();
    assert_eq!(
        (report.abandoned, report.purged),
        (1, 0),
        "the empty cart is not abandoned"
    );
    assert_eq!(
        sweep(last_change + 26 * HOUR_MS).await.unwrap().abandoned,
        0,
        "announced once"
    );

    // Reads (even ones that store a new price) are not activity; a change re-arms.
    app.set_price(&product("atomic-habits-book"), 1_500).await;
    assert!(app.services.cart_of(&idle).await.items[1].price_changed);
    assert_eq!(
        sweep(last_change + 27 * HOUR_MS).await.unwrap().abandoned,
        0
    );
    let changed = app
        .services
        .add_to_cart(&idle, &product("atomic-habits-book"), 1)
        .await;
    let changed_at = chrono::DateTime::parse_from_rfc3339(&changed.updated_at)
        .unwrap()
        .timestamp_millis();
    assert_eq!(
        sweep(changed_at + 25 * HOUR_MS).await.unwrap().abandoned,
        1,
        "announced again"
    );

    let events = app.events("observer", CART_EVENTS, 5).await;
    let abandoned: Vec<_> = events
        .iter()
        .filter(|(_, e)| e.event_type == "cart.abandoned")
        .collect();
    assert_eq!(abandoned.len(), 2);
    let (key, first) = abandoned[0];
    assert_eq!(key, &idle);
    assert_eq!(
        first.data,
        json!({
            "userId": idle,
            "items": [
                {"productId": shoes, "variantId": us9, "quantity": 2, "unitPriceCents": 12_999},
                {"productId": product("atomic-habits-book"), "quantity": 1, "unitPriceCents": 1_699},
            ],
            "subtotalCents": 2 * 12_999 + 1_699,
            "currency": "USD",
        })
    );
    assert_eq!(abandoned[1].1.data["items"][1]["quantity"], 2);
    assert_eq!(abandoned[1].1.data["items"][1]["unitPriceCents"], 1_500);

    // A month without a change deletes a cart, empty or not; the next read starts a new one.
    let empty_cart = app.services.cart_of(&empty).await;
    let month = 30 * 24 * HOUR_MS;
    assert_eq!(sweep(changed_at + month - HOUR_MS).await.unwrap().purged, 0);
    let report = sweep(changed_at + month).await.unwrap();
    assert_eq!((report.purged, report.abandoned), (2, 0));
    let fresh = app.services.cart_of(&idle).await;
    assert!(fresh.items.is_empty());
    assert_ne!(fresh.id, changed.id);
    assert_ne!(app.services.cart_of(&empty).await.id, empty_cart.id);
    let lines: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cart_lines")
        .fetch_one(app.db.reader())
        .await
        .unwrap();
    assert_eq!(lines, 0, "lines go with their cart");
}

impl App {
    /// The first `n` events on `topic` for consumer group `group`.
    async fn events(&self, group: &str, topic: &str, n: usize) -> Vec<(String, CloudEvent)> {
        self.services.drain(group, &[topic]).await.take(n).await
    }
}
