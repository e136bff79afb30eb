//! `vici-bench reserve` against the fake inventory with a known amount of stock.
use std::time::Duration;

use vici_bench::reserve::{ReserveConfig, run};

use crate::fake::{serve_inventory, stockroom};

async fn serve(available: i64, oversell: bool) -> String {
    serve_inventory(stockroom(available, 3, oversell)).await
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
    let closed = vici_testkit::RefusedPort::new();
    assert!(run(&config(closed.url(), false)).await.is_err());
}
