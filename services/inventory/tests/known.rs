//! Stock levels served from this instance's memory: remembered after a read, forgotten by its
//! own writes before they answer, by `inventory-events` from elsewhere, and after at most
//! `MAX_AGE` for changes nobody announces.
use vici_bus::CloudEvent;
use vici_bus::topics::INVENTORY_EVENTS;

use crate::harness::App;

/// Changes the product's own row behind the service's back, as nothing it hears of would.
async fn write_directly(h: &App, product_id: &str, available: i64) {
    let sql = "UPDATE stock SET available = $1 WHERE product_id = $2 AND variant_id = ''";
    let changed = sqlx::query(sql)
        .bind(available)
        .bind(product_id)
        .execute(h.db.writer())
        .await
        .expect("a direct stock write");
    assert_eq!(changed.rows_affected(), 1);
}

pub async fn levels_are_remembered_until_a_change_here_or_on_the_bus(h: App) {
    let a = h.product(10).await;
    assert_eq!(h.stock(&a).await, (10, 0));

    write_directly(&h, &a, 7).await;
    assert_eq!(h.stock(&a).await, (10, 0), "answered from memory");

    // Its own write forgets before answering: the answer and the next read are the row's.
    assert_eq!(h.adjust(&a, "ADD", 1).await.available, 8);
    assert_eq!(h.stock(&a).await, (8, 0));

    // Another replica's change arrives as its event.
    write_directly(&h, &a, 3).await;
    let event = CloudEvent::new(
        "inventory",
        "inventory.stock_changed",
        &a,
        serde_json::json!({"productId": a, "available": 3, "reserved": 0}),
    );
    let payload = event.to_json();
    let bus = h.services.bus();
    bus.publish(INVENTORY_EVENTS, &a, &payload).await.unwrap();
    h.services.stock_becomes(&a, (3, 0)).await;

    // A change nobody announces shows once the remembered level is too old.
    write_directly(&h, &a, 2).await;
    h.services.stock_becomes(&a, (2, 0)).await;
}

pub async fn a_reservation_and_its_release_show_at_once(h: App) {
    let a = h.product(5).await;
    let b = h.product(5).await;
    assert_eq!((h.stock(&a).await, h.stock(&b).await), ((5, 0), (5, 0)));
    let order = crate::harness::new_id();
    let lines = vec![crate::harness::line(&a, 2), crate::harness::line(&b, 1)];
    h.reserve(&order, lines, 0).await.unwrap();
    assert_eq!((h.stock(&a).await, h.stock(&b).await), ((3, 2), (4, 1)));
    h.release(&order, "").await.unwrap();
    assert_eq!((h.stock(&a).await, h.stock(&b).await), ((5, 0), (5, 0)));
}
