//! Many shoppers at once on one product: reservations never take more than there is, and
//! levels, reservations and movements always agree afterwards.
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use vici_kit::ErrorCode;
use vici_proto::inventory::v1 as pb;

use crate::harness::{App, line, new_id};
use vici_testkit::refused;

pub async fn a_hot_item_sells_exactly_its_stock(h: App) {
    let id = h.product(0).await;
    assert_eq!(h.adjust(&id, "SET", 25).await.available, 25);
    let attempts: Vec<_> = (0..100)
        .map(|_| {
            let mut client = h.client.clone();
            let req = pb::ReserveRequest {
                order_id: new_id(),
                lines: vec![line(&id, 1)],
                ttl_seconds: 0,
            };
            tokio::spawn(async move { client.reserve(req).await })
        })
        .collect();
    let (mut held, mut out_of_stock) = (0, 0);
    for a in attempts {
        match a.await.unwrap() {
            Ok(r) => {
                assert_eq!(r.into_inner().status, "HELD");
                held += 1;
            }
            Err(status) => {
                let e = refused(Err::<(), _>(status), ErrorCode::OutOfStock);
                assert_eq!(e.details["productId"], id.as_str());
                assert_eq!(e.details["available"], 0);
                assert!(!e.details.contains_key("variantId"));
                out_of_stock += 1;
            }
        }
    }
    assert_eq!((held, out_of_stock), (25, 75));
    let level = h.level(&id).await;
    assert_eq!((level.available, level.reserved, level.total), (0, 25, 25));
    assert_eq!(h.reservations().await, 25, "no reservation for a refusal");
    assert_eq!(h.quantity_in(&id, "HELD").await, level.reserved);
    let reserves = h.movement_sums(&id, "RESERVE").await;
    assert_eq!(
        (reserves.count, reserves.delta, reserves.reserved_delta),
        (25, -25, 25)
    );
    // Each reservation saw the one before it: the afters are 24, 23, …, 0, each exactly once.
    let mut afters: Vec<i64> = h
        .movements(&id)
        .await
        .iter()
        .filter(|m| m.kind == "RESERVE")
        .inspect(|m| assert_eq!(m.before - 1, m.after))
        .map(|m| m.after)
        .collect();
    afters.sort_unstable();
    assert_eq!(afters, (0..25).collect::<Vec<_>>());
    let changed = h.events("inventory.stock_changed").await;
    assert_eq!(changed.iter().filter(|(k, _)| *k == id).count(), 26);
    assert_eq!(h.events("inventory.out_of_stock").await.len(), 1);
    assert_eq!(h.events("inventory.low_stock").await.len(), 1);
}

pub async fn mixed_reservations_commits_and_restocks_keep_stock_accounted_for(h: App) {
    const INITIAL: i64 = 30;
    const ADDS: i64 = 10;
    const ADD: i64 = 5;
    let id = h.product(0).await;
    h.adjust(&id, "SET", INITIAL).await;
    let done = Arc::new(AtomicBool::new(false));
    let watcher = {
        let (client, id, done) = (h.client.clone(), id.clone(), done.clone());
        tokio::spawn(async move {
            let mut looks = 0;
            while !done.load(Ordering::Relaxed) {
                let req = pb::GetStockLevelsRequest {
                    product_ids: vec![id.clone()],
                };
                let l = client
                    .clone()
                    .get_stock_levels(req)
                    .await
                    .unwrap()
                    .into_inner()
                    .levels[0]
                    .clone();
                assert!(l.available >= 0 && l.reserved >= 0, "{l:?}");
                assert!(l.available + l.reserved <= INITIAL + ADDS * ADD, "{l:?}");
                looks += 1;
                tokio::task::yield_now().await;
            }
            looks
        })
    };
    // Every third reservation that succeeds is paid for (so at least the first one is).
    let successes = Arc::new(AtomicUsize::new(0));
    let shoppers: Vec<_> = (0..60)
        .map(|i| {
            let mut client = h.client.clone();
            let successes = successes.clone();
            let quantity = 2 + i % 2;
            let order_id = new_id();
            let req = pb::ReserveRequest {
                order_id: order_id.clone(),
                lines: vec![line(&id, quantity)],
                ttl_seconds: 0,
            };
            tokio::spawn(async move {
                let reserved = client.reserve(req).await;
                let pay =
                    reserved.is_ok() && successes.fetch_add(1, Ordering::Relaxed).is_multiple_of(3);
                match reserved {
                    Ok(_) if pay => {
                        let key = crate::harness::key(&order_id, "");
                        let r = client.commit_reservation(key).await.unwrap().into_inner();
                        assert_eq!(r.status, "COMMITTED");
                        (quantity, quantity)
                    }
                    Ok(_) => (quantity, 0),
                    Err(status) => {
                        refused(Err::<(), _>(status), ErrorCode::OutOfStock);
                        (0, 0)
                    }
                }
            })
        })
        .collect();
    let admins: Vec<_> = (0..ADDS)
        .map(|_| {
            let mut client = h.client.clone();
            let req = pb::AdjustRequest {
                product_id: id.clone(),
                operation: pb::StockOperation::Add.into(),
                quantity: ADD,
                reason: "delivery".into(),
                actor: "admin-1".into(),
                ..Default::default()
            };
            tokio::spawn(async move { client.adjust(req).await.map(|_| ()) })
        })
        .collect();
    let (mut taken, mut committed) = (0, 0);
    for s in shoppers {
        let (t, c) = s.await.unwrap();
        taken += t;
        committed += c;
    }
    for a in admins {
        a.await
            .unwrap()
            .expect("an adjustment never loses to reservations");
    }
    done.store(true, Ordering::Relaxed);
    assert!(watcher.await.unwrap() > 0);

    assert!(taken > 0 && taken <= INITIAL + ADDS * ADD, "taken {taken}");
    assert!(committed > 0, "some orders were paid");
    let level = h.level(&id).await;
    assert!(level.available >= 0);
    assert_eq!(
        level.available + level.reserved,
        INITIAL + ADDS * ADD - committed
    );
    assert_eq!(level.reserved, taken - committed);
    assert_eq!(h.quantity_in(&id, "HELD").await, level.reserved);
    assert_eq!(h.quantity_in(&id, "COMMITTED").await, committed);
    let commits = h.movement_sums(&id, "COMMIT").await;
    assert_eq!((commits.delta, commits.reserved_delta), (0, -committed));
    // The history replays to the level: the product started with no stock and nothing reserved.
    let mut delta = 0;
    let mut reserved = 0;
    for kind in ["ADJUST", "RESERVE", "COMMIT"] {
        let sums = h.movement_sums(&id, kind).await;
        delta += sums.delta;
        reserved += sums.reserved_delta;
    }
    assert_eq!((delta, reserved), (level.available, level.reserved));
}
