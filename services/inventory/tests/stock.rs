//! Stock levels and admin changes: batch reads, seeding, adjustments with their movements and
//! events, and low-stock thresholds.

use vici_catalog::Catalog;
use vici_kit::ErrorCode;
use vici_proto::inventory::v1 as pb;

use crate::harness::{App, demo_id, line, new_id};
use vici_testkit::refused;

pub async fn seeded_stock_is_read_in_one_batch(h: App) {
    let ids = vec![
        demo_id("iphone-15-pro-max"),
        demo_id("peloton-bike-plus"),
        new_id(),
    ];
    let levels = h
        .client
        .clone()
        .get_stock_levels(pb::GetStockLevelsRequest {
            product_ids: ids.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .levels;
    assert_eq!(levels.len(), 3, "one level per requested id, in order");
    assert_eq!(levels[0].product_id, ids[0]);
    assert_eq!(levels[0].available, 139);
    assert_eq!(levels[0].variants.len(), 3);
    assert_eq!(levels[1].available, 3);
    assert_eq!(levels[2].available, 0, "unknown products report zero");
}

pub async fn seeding_twice_changes_nothing(h: App) {
    assert_eq!(
        vici_inventory::seed(&h.db, &Catalog::demo()).await.unwrap(),
        0
    );
}

pub async fn adjustments_record_movements_and_announce_changes(h: App) {
    let id = demo_id("peloton-bike-plus");
    let mut events = h
        .services
        .drain("test", &[vici_bus::topics::INVENTORY_EVENTS])
        .await;
    for (op, quantity, expected) in [("ADD", 20, 23), ("SET", 5, 5), ("SUBTRACT", 5, 0)] {
        let level = h.adjust(&id, op, quantity).await;
        assert_eq!(level.available, expected, "{op} {quantity}");
    }
    let unavailable = h
        .client
        .clone()
        .list_unavailable(vici_proto::common::v1::Empty {})
        .await
        .unwrap()
        .into_inner();
    assert!(unavailable.product_ids.contains(&id));
    let movements = h.movements(&id).await;
    assert_eq!(movements.len(), 3);
    assert_eq!(
        (movements[0].before, movements[0].after, movements[0].delta),
        (5, 0, -5),
        "newest first"
    );
    assert_eq!(movements[2].actor, "admin-1");
    assert!(
        movements
            .iter()
            .all(|m| m.kind == "ADJUST" && m.reserved_delta == 0 && m.order_id.is_none())
    );
    let types: Vec<String> = events
        .take(5)
        .await
        .into_iter()
        .map(|(_, e)| e.event_type)
        .collect();
    assert_eq!(
        types,
        [
            "inventory.stock_changed",
            "inventory.stock_changed",
            "inventory.low_stock",
            "inventory.stock_changed",
            "inventory.out_of_stock"
        ]
    );
}

pub async fn bad_adjustments_are_refused_and_change_nothing(h: App) {
    let id = demo_id("peloton-bike-plus");
    for (op, qty, reason) in [
        ("SUBTRACT", 4, "x"),
        ("ADD", -1, "x"),
        ("REMOVE", 1, "x"),
        ("ADD", 1, ""),
    ] {
        let req = pb::AdjustRequest {
            product_id: id.clone(),
            operation: crate::harness::stock_op(op),
            quantity: qty,
            reason: reason.into(),
            ..Default::default()
        };
        refused(h.client.clone().adjust(req).await, ErrorCode::Validation);
    }
    let bad_id = pb::AdjustRequest {
        product_id: "not-a-uuid".into(),
        operation: pb::StockOperation::Add.into(),
        quantity: 1,
        reason: "x".into(),
        ..Default::default()
    };
    refused(h.client.clone().adjust(bad_id).await, ErrorCode::Validation);
    let unknown = pb::AdjustRequest {
        product_id: new_id(),
        operation: pb::StockOperation::Add.into(),
        quantity: 1,
        reason: "x".into(),
        ..Default::default()
    };
    refused(h.client.clone().adjust(unknown).await, ErrorCode::NotFound);
    assert_eq!(h.stock(&id).await, (3, 0));
    assert!(h.movements(&id).await.is_empty());
    let far = pb::ListMovementsRequest {
        product_id: id,
        page: Some(vici_proto::common::v1::PageRequest {
            page: u32::MAX,
            limit: u32::MAX,
        }),
    };
    let page = h
        .client
        .clone()
        .list_movements(far)
        .await
        .unwrap()
        .into_inner();
    assert!(page.movements.is_empty());
    assert_eq!(page.page.unwrap().limit, 100, "the page size is capped");
}

pub async fn concurrent_subtractions_never_oversell(h: App) {
    let id = demo_id("peloton-bike-plus"); // 3 in stock
    let attempts: Vec<_> = (0..24)
        .map(|_| {
            let mut client = h.client.clone();
            let id = id.clone();
            tokio::spawn(async move {
                let req = pb::AdjustRequest {
                    product_id: id,
                    operation: pb::StockOperation::Subtract.into(),
                    quantity: 1,
                    reason: "sale".into(),
                    ..Default::default()
                };
                client.adjust(req).await.is_ok()
            })
        })
        .collect();
    let mut succeeded = 0;
    for a in attempts {
        succeeded += a.await.unwrap() as usize;
    }
    assert_eq!(succeeded, 3, "exactly the stock on hand can be taken");
    assert_eq!(h.stock(&id).await, (0, 0));
}

async fn set_threshold(
    h: &App,
    product_id: &str,
    threshold: i64,
) -> Result<pb::StockLevel, tonic::Status> {
    let req = pb::SetThresholdRequest {
        product_id: product_id.into(),
        low_stock_threshold: threshold,
        actor: "admin-1".into(),
    };
    h.client
        .clone()
        .set_threshold(req)
        .await
        .map(|r| r.into_inner())
}

pub async fn thresholds_are_set_on_the_product_row_and_drive_low_stock_events(h: App) {
    let id = h.product(60).await;
    let variant = new_id();
    h.init(&id, Some(&variant), 4).await;
    let level = set_threshold(&h, &id, 50).await.unwrap();
    assert_eq!(level.product_id, id);
    assert_eq!(level.low_stock_threshold, 50);
    assert_eq!((level.available, level.total), (60, 60));
    assert_eq!(level.variants.len(), 1, "the level carries its variants");
    assert_eq!(h.level(&id).await.low_stock_threshold, 50, "stored");
    let sql = "SELECT low_stock_threshold FROM stock WHERE product_id = $1 AND variant_id <> ''";
    let variant_threshold: i64 = vici_testkit::scalar(&h.db, sql, &[&id]).await;
    assert_eq!(variant_threshold, 10, "only the product's own row changes");
    assert!(h.movements(&id).await.is_empty(), "not a stock movement");

    // 60 → 45 crosses 50; 45 → 0 runs out.
    h.reserve(&new_id(), vec![line(&id, 15)], 0).await.unwrap();
    let low = h.events("inventory.low_stock").await;
    assert_eq!(low.len(), 1);
    assert_eq!(low[0].0, id, "keyed by product");
    assert_eq!(low[0].1.data["available"], 45);
    assert_eq!(low[0].1.data["threshold"], 50);
    h.reserve(&new_id(), vec![line(&id, 45)], 0).await.unwrap();
    let out = h.events("inventory.out_of_stock").await;
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].1.data["productId"], id.as_str());
    assert_eq!(h.events("inventory.low_stock").await.len(), 1, "no repeat");

    let zero = set_threshold(&h, &id, 0).await.unwrap();
    assert_eq!(zero.low_stock_threshold, 0);
}

pub async fn bad_thresholds_are_refused(h: App) {
    let id = h.product(5).await;
    for bad in [-1, 1_000_001, i64::MAX, i64::MIN] {
        let e = refused(set_threshold(&h, &id, bad).await, ErrorCode::Validation);
        assert!(e.details.contains_key("lowStockThreshold"), "{e:?}");
    }
    refused(set_threshold(&h, "nope", 5).await, ErrorCode::Validation);
    let e = refused(set_threshold(&h, &new_id(), 5).await, ErrorCode::NotFound);
    assert!(
        e.message.starts_with("No stock record for product"),
        "{e:?}"
    );
    assert_eq!(
        set_threshold(&h, &id, 1_000_000)
            .await
            .unwrap()
            .low_stock_threshold,
        1_000_000
    );
}
