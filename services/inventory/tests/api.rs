//! The inventory service through its gRPC API, on SQLite and on PostgreSQL
//! (`VICI_TEST_DATABASE_URL`; an unreachable PostgreSQL fails the run).
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use vici_bus::{CloudEvent, SharedBus, memory::MemoryBus};
use vici_kit::seed::Catalog;
use vici_proto::inventory::v1::{self as pb, inventory_service_client::InventoryServiceClient};
use vici_store::{Db, ServiceBase};

struct Harness {
    client: InventoryServiceClient<vici_kit::grpc::Channel>,
    bus: SharedBus,
    db: Db,
    shutdown: CancellationToken,
}

impl Drop for Harness {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

async fn start(db: Db) -> Harness {
    db.migrate("inventory", vici_inventory::MIGRATIONS)
        .await
        .unwrap();
    vici_inventory::seed(&db, &Catalog::demo()).await.unwrap();
    let bus: SharedBus = Arc::new(MemoryBus::new(1));
    let shutdown = CancellationToken::new();
    let base = ServiceBase {
        db: db.clone(),
        bus: bus.clone(),
        shutdown: shutdown.clone(),
    };
    let app = vici_inventory::start(base).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(vici_kit::server::serve(app, listener, shutdown.clone()));
    let channel = vici_kit::grpc::channel(&url, Duration::from_secs(10)).unwrap();
    Harness {
        client: InventoryServiceClient::new(channel),
        bus,
        db,
        shutdown,
    }
}

async fn sqlite() -> Harness {
    start(vici_store::testing::fresh_sqlite("inventory").await).await
}

async fn postgres() -> Harness {
    start(vici_store::testing::fresh_postgres("inventory").await).await
}

macro_rules! on_both_backends {
    ($($case:ident),* $(,)?) => {
        mod sqlite_backend { $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $case() { super::$case(super::sqlite().await).await } )* }
        mod postgres_backend { $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $case() { super::$case(super::postgres().await).await } )* }
    };
}

on_both_backends!(
    seeded_stock_is_read_in_one_batch,
    seeding_twice_changes_nothing,
    adjustments_record_movements_and_announce_changes,
    bad_adjustments_are_refused_and_change_nothing,
    concurrent_subtractions_never_oversell,
);

fn demo_id(slug: &str) -> String {
    Catalog::demo()
        .products
        .iter()
        .find(|p| p.slug == slug)
        .unwrap()
        .id()
        .to_string()
}

async fn seeded_stock_is_read_in_one_batch(mut h: Harness) {
    let ids = vec![
        demo_id("iphone-15-pro-max"),
        demo_id("peloton-bike-plus"),
        uuid::Uuid::now_v7().to_string(),
    ];
    let levels = h
        .client
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

async fn seeding_twice_changes_nothing(h: Harness) {
    assert_eq!(
        vici_inventory::seed(&h.db, &Catalog::demo()).await.unwrap(),
        0
    );
}

async fn adjustments_record_movements_and_announce_changes(mut h: Harness) {
    let id = demo_id("peloton-bike-plus");
    let mut events = h
        .bus
        .subscribe("test", &[vici_bus::topics::INVENTORY_EVENTS])
        .await
        .unwrap();
    let adjust = |op: &str, quantity: i64| pb::AdjustRequest {
        product_id: id.clone(),
        operation: op.into(),
        quantity,
        reason: "recount".into(),
        actor: "admin-1".into(),
        ..Default::default()
    };
    for (op, quantity, expected) in [("ADD", 20, 23), ("SET", 5, 5), ("SUBTRACT", 5, 0)] {
        let level = h
            .client
            .adjust(adjust(op, quantity))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(level.available, expected, "{op} {quantity}");
    }
    let unavailable = h
        .client
        .list_unavailable(vici_proto::common::v1::Empty {})
        .await
        .unwrap()
        .into_inner();
    assert!(unavailable.product_ids.contains(&id));
    let page = h
        .client
        .list_movements(pb::ListMovementsRequest {
            product_id: id.clone(),
            page: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(page.movements.len(), 3);
    assert_eq!(
        (page.movements[0].before, page.movements[0].after),
        (5, 0),
        "newest first"
    );
    assert_eq!(page.movements[2].actor, "admin-1");
    let mut types = Vec::new();
    while types.len() < 5 {
        let d = tokio::time::timeout(Duration::from_secs(5), events.next())
            .await
            .expect("events relayed")
            .unwrap();
        types.push(CloudEvent::from_json(&d.payload).unwrap().event_type);
    }
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

async fn bad_adjustments_are_refused_and_change_nothing(mut h: Harness) {
    let id = demo_id("peloton-bike-plus");
    for (op, qty, reason) in [
        ("SUBTRACT", 4, "x"),
        ("ADD", -1, "x"),
        ("REMOVE", 1, "x"),
        ("ADD", 1, ""),
    ] {
        let req = pb::AdjustRequest {
            product_id: id.clone(),
            operation: op.into(),
            quantity: qty,
            reason: reason.into(),
            ..Default::default()
        };
        let status = h.client.adjust(req).await.unwrap_err();
        assert_eq!(
            status.code(),
            tonic::Code::InvalidArgument,
            "{op} {qty} {reason:?}: {status:?}"
        );
    }
    let bad_id = pb::AdjustRequest {
        product_id: "not-a-uuid".into(),
        operation: "ADD".into(),
        quantity: 1,
        reason: "x".into(),
        ..Default::default()
    };
    assert_eq!(
        h.client.adjust(bad_id).await.unwrap_err().code(),
        tonic::Code::InvalidArgument
    );
    let level = h
        .client
        .get_stock_levels(pb::GetStockLevelsRequest {
            product_ids: vec![id],
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(level.levels[0].available, 3);
}

async fn concurrent_subtractions_never_oversell(h: Harness) {
    let id = demo_id("peloton-bike-plus"); // 3 in stock
    let attempts: Vec<_> = (0..24)
        .map(|_| {
            let mut client = h.client.clone();
            let id = id.clone();
            tokio::spawn(async move {
                let req = pb::AdjustRequest {
                    product_id: id,
                    operation: "SUBTRACT".into(),
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
    let mut client = h.client.clone();
    let level = client
        .get_stock_levels(pb::GetStockLevelsRequest {
            product_ids: vec![id],
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(level.levels[0].available, 0);
}
