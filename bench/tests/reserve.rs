//! `vici-bench reserve` against an in-process inventory service with a known amount of stock: a
//! correct one must pass the oversell checks, one that sells stock it does not have must fail.
use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

use tonic::{Request, Response, Status};
use vici_bench::reserve::{ReserveConfig, run};
use vici_proto::inventory::v1 as pb;
use vici_proto::inventory::v1::inventory_service_server::{
    InventoryService, InventoryServiceServer,
};

struct Inventory {
    /// (available, reserved, order ids seen)
    state: Mutex<(i64, i64, HashSet<String>)>,
    /// Take stock even when there is none.
    oversell: bool,
}

#[tonic::async_trait]
impl InventoryService for Inventory {
    async fn get_stock_levels(
        &self,
        request: Request<pb::GetStockLevelsRequest>,
    ) -> Result<Response<pb::StockLevels>, Status> {
        let (available, reserved) = {
            let s = self.state.lock().unwrap();
            (s.0, s.1)
        };
        let levels = request
            .into_inner()
            .product_ids
            .into_iter()
            .map(|product_id| pb::StockLevel {
                product_id,
                available,
                reserved,
                total: available + reserved,
                ..Default::default()
            })
            .collect();
        Ok(Response::new(pb::StockLevels { levels }))
    }

    async fn reserve(
        &self,
        request: Request<pb::ReserveRequest>,
    ) -> Result<Response<pb::Reservation>, Status> {
        let r = request.into_inner();
        let order =
            uuid::Uuid::parse_str(&r.order_id).map_err(|_| Status::invalid_argument("id"))?;
        assert_eq!(order.get_version_num(), 7, "order ids are UUIDv7");
        assert_eq!((r.lines.len(), r.lines[0].quantity), (1, 1));
        let mut s = self.state.lock().unwrap();
        assert!(
            s.2.insert(r.order_id.clone()),
            "order id {} sent twice",
            r.order_id
        );
        if s.0 < 1 && !self.oversell {
            let mut status = Status::failed_precondition("This item is out of stock");
            let code = "OUT_OF_STOCK".parse().unwrap();
            status.metadata_mut().insert("vici-error-code", code);
            return Err(status);
        }
        s.0 -= 1;
        s.1 += 1;
        Ok(Response::new(pb::Reservation {
            order_id: r.order_id,
            status: "HELD".into(),
            ..Default::default()
        }))
    }
}

async fn serve(available: i64, oversell: bool) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let svc = InventoryServiceServer::new(Inventory {
        state: Mutex::new((available, 3, HashSet::new())),
        oversell,
    });
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(svc)
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener)),
    );
    format!("http://{addr}")
}

fn config(url: String, baseline: bool) -> ReserveConfig {
    ReserveConfig {
        url,
        product_id: "p-1".into(),
        concurrency: 8,
        requests: 60,
        ttl_secs: 3600,
        timeout: Duration::from_secs(5),
        baseline,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_correct_service_sells_its_stock_once() {
    let url = serve(50, false).await;
    let r = run(&config(url.clone(), false)).await.unwrap();
    assert_eq!(
        (r.load.requests, r.out_of_stock, r.load.errors, r.calls),
        (50, 10, 0, 60)
    );
    assert_eq!((r.before.available, r.before.reserved), (50, 3));
    assert_eq!((r.after.available, r.after.reserved), (0, 53));
    assert!(!r.oversold && r.violations.is_empty(), "{r:?}");
    assert!(r.load.requests_per_sec > 0.0 && r.load.latency_ms.p50 <= r.load.latency_ms.p99);
    // The baseline reads the same item as often and leaves it alone.
    let b = run(&config(url, true)).await.unwrap();
    assert_eq!(
        (b.load.method.as_str(), b.load.requests, b.calls),
        ("GetStockLevels", 60, 60)
    );
    assert_eq!(b.before, b.after);
    assert!(!b.oversold);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn selling_stock_that_is_not_there_is_caught() {
    let r = run(&config(serve(50, true).await, false)).await.unwrap();
    assert_eq!((r.load.requests, r.after.available), (60, -10));
    assert!(r.oversold, "{r:?}");
    assert!(r.violations[0].contains("negative"), "{:?}", r.violations);
}

#[tokio::test]
async fn an_unreachable_service_is_an_error() {
    let closed = vici_kit::testing::RefusedPort::new();
    assert!(run(&config(closed.url(), false)).await.is_err());
}
