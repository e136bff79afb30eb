//! Reservations that outlive their TTL: the sweeper gives their stock back once, announces it,
//! leaves everything else alone, and runs on its own in the background.
use std::time::Duration;

use vici_inventory::InventoryConfig;
use vici_kit::ErrorCode;
use vici_proto::inventory::v1 as pb;

use crate::harness::{App, Client, line, new_id};
use vici_testkit::refused;

/// A sweep as another replica runs it: this instance hears of its stock moves by the bus.
async fn sweep(h: &App, ahead_ms: i64) -> usize {
    vici_inventory::sweep_expired(&h.db, vici_store::now_ms() + ahead_ms)
        .await
        .unwrap()
}

pub async fn the_sweeper_expires_once_and_announces_it(h: App) {
    let mut bus = h
        .services
        .drain("expiry-test", &[vici_bus::topics::INVENTORY_EVENTS])
        .await;
    let a = h.product(10).await;
    let order = new_id();
    let held = h.reserve(&order, vec![line(&a, 4)], 1).await.unwrap();
    assert_eq!(h.stock(&a).await, (6, 4));
    assert_eq!(sweep(&h, 2_000).await, 1);
    let expired = h.get(&order).await.unwrap();
    assert_eq!(
        (expired.id.as_str(), expired.status.as_str()),
        (held.id.as_str(), "EXPIRED")
    );
    h.services.stock_becomes(&a, (10, 0)).await;

    // The relay publishes it: the drain fails the case when it never comes.
    let announced = loop {
        let (key, event) = bus.next().await;
        if event.event_type == "inventory.reservation_expired" {
            break (key, event);
        }
    };
    assert_eq!(announced.0, order, "keyed by order id");
    assert_eq!(announced.1.data["reservationId"], held.id.as_str());
    assert_eq!(announced.1.data["orderId"], order.as_str());

    let e = refused(h.commit(&order).await, ErrorCode::Conflict);
    assert_eq!(e.details["reason"], "EXPIRED");
    assert_eq!(sweep(&h, 2_000).await, 0, "expired once");
    assert_eq!(h.release(&order, "").await.unwrap().status, "EXPIRED");
    let repeat = h.reserve(&order, vec![line(&a, 4)], 1).await.unwrap();
    assert_eq!(
        repeat.status, "EXPIRED",
        "a repeat answers with what became of it"
    );
    assert_eq!(h.stock(&a).await, (10, 0));
    let expires = h.movement_sums(&a, "EXPIRE").await;
    assert_eq!(
        (expires.count, expires.delta, expires.reserved_delta),
        (1, 4, -4)
    );
    assert_eq!(h.events("inventory.reservation_expired").await.len(), 1);
}

pub async fn the_sweeper_leaves_live_and_finished_reservations_alone(h: App) {
    let a = h.product(1_000).await;
    let (live, paid, dropped) = (new_id(), new_id(), new_id());
    h.reserve(&live, vec![line(&a, 1)], 0).await.unwrap();
    h.reserve(&paid, vec![line(&a, 2)], 1).await.unwrap();
    h.reserve(&dropped, vec![line(&a, 3)], 1).await.unwrap();
    h.commit(&paid).await.unwrap();
    h.release(&dropped, "").await.unwrap();
    assert_eq!(sweep(&h, 2_000).await, 0);
    assert_eq!(h.get(&live).await.unwrap().status, "HELD");
    assert_eq!(h.get(&paid).await.unwrap().status, "COMMITTED");
    assert_eq!(h.get(&dropped).await.unwrap().status, "RELEASED");
    assert_eq!(h.stock(&a).await, (997, 1));

    // More due than one batch: all of them go.
    let orders: Vec<String> = (0..250).map(|_| new_id()).collect();
    let calls: Vec<_> = orders
        .iter()
        .map(|order| {
            let mut client = h.client.clone();
            let req = pb::ReserveRequest {
                order_id: order.clone(),
                lines: vec![line(&a, 1)],
                ttl_seconds: 1,
            };
            tokio::spawn(async move { client.reserve(req).await.map(|_| ()) })
        })
        .collect();
    for c in calls {
        c.await.unwrap().unwrap();
    }
    assert_eq!(h.stock(&a).await, (747, 251));
    assert_eq!(
        sweep(&h, 16 * 60_000).await,
        251,
        "the live one too, once its 15 minutes are up"
    );
    h.services.stock_becomes(&a, (998, 0)).await;
    assert_eq!(h.quantity_in(&a, "HELD").await, 0);
    assert_eq!(h.quantity_in(&a, "EXPIRED").await, 251);
}

pub async fn the_background_sweeper_runs(h: App) {
    let config = InventoryConfig {
        reservation_ttl: Duration::from_secs(15 * 60),
        sweep_interval: Duration::from_millis(200),
    };
    let mut client = h.boot(config).await;
    let a = h.product(10).await;
    let order = new_id();
    let req = pb::ReserveRequest {
        order_id: order.clone(),
        lines: vec![line(&a, 4)],
        ttl_seconds: 1,
    };
    client.reserve(req).await.unwrap();
    assert_eq!(h.stock(&a).await, (6, 4));
    // Generous, and shorter than the default instance's 15 s sweep, so only ours can pass it.
    let expired = tokio::time::timeout(Duration::from_secs(8), async {
        loop {
            let r = h.get(&order).await.unwrap();
            if r.status == "EXPIRED" {
                return r;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("the background sweeper expires the reservation");
    assert_eq!(expired.order_id, order);
    // Expired by the other instance: its stock move reaches this one's known levels by the bus.
    h.services.stock_becomes(&a, (10, 0)).await;
}

impl App {
    /// Boots a second service process on the same database and bus with `config`.
    async fn boot(&self, config: InventoryConfig) -> Client {
        let platform = self.services.platform();
        let mut deps = vici_inventory::Deps::from_platform(platform).await.unwrap();
        deps.config = config;
        let app = vici_inventory::start(deps)
            .await
            .expect("the service starts");
        vici_testkit::client_at(&self.services.serve(app).await)
    }
}
