//! `reserve`: gRPC load on the inventory service's reservations of one hot item. C tasks share N
//! `Reserve` calls (each a fresh UUIDv7 order id for quantity 1), and the item's stock is read
//! before and after to prove nothing was oversold. As its baseline, the same number of
//! `GetStockLevels` reads of the item on the same path (channel, server, database connection).
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use serde::{Deserialize, Serialize};
use vici_kit::grpc::Channel;
use vici_proto::inventory::v1 as pb;
use vici_proto::inventory::v1::inventory_service_client::InventoryServiceClient;

use crate::load::{Latency, LoadReport};

/// The gRPC metadata key and value a vici service marks "not enough stock" with (the contract of
/// `crates/kit/src/error.rs`, copied rather than linking the services' runtime into the tool).
const ERROR_CODE_METADATA: &str = "vici-error-code";
const OUT_OF_STOCK: &str = "OUT_OF_STOCK";

#[derive(Clone, Debug)]
pub struct ReserveConfig {
    /// The inventory service, `http://host:port`.
    pub url: String,
    pub product_id: String,
    pub concurrency: usize,
    /// Total calls, shared by the tasks.
    pub requests: u64,
    /// Hold of each reservation. Long enough that none expires during a benchmark: an expiry
    /// returns stock mid-run and would look like a miscount.
    pub ttl_secs: u32,
    /// Per call; a slower one is an error.
    pub timeout: Duration,
    /// Send `GetStockLevels` for the product instead of `Reserve`.
    pub baseline: bool,
}

/// One product's stock as `GetStockLevels` reports it (product level, variants aside).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stock {
    pub available: i64,
    pub reserved: i64,
}

/// What a run measured. The flattened part has the shape of a `load` run (`connections` is the
/// concurrency, `duration_secs` the elapsed time, `requests` the successful calls, `errors` the
/// failures other than out-of-stock), so the scripts record and report it like one.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReserveReport {
    #[serde(flatten)]
    pub load: LoadReport,
    /// Calls made: successes + out-of-stock + errors.
    pub calls: u64,
    /// `Reserve` calls refused for lack of stock (never in the baseline).
    pub out_of_stock: u64,
    pub before: Stock,
    pub after: Stock,
    /// Any of: negative stock after, or the stock moved by other than the successes.
    pub oversold: bool,
    /// Which of those checks failed, in words.
    pub violations: Vec<String>,
}

/// How one call ended.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Ok,
    OutOfStock,
    Error(String),
}

fn classify(result: Result<(), tonic::Status>) -> Outcome {
    let Err(status) = result else {
        return Outcome::Ok;
    };
    let code = status
        .metadata()
        .get(ERROR_CODE_METADATA)
        .and_then(|v| v.to_str().ok());
    match code {
        Some(OUT_OF_STOCK) => Outcome::OutOfStock,
        Some(code) => Outcome::Error(format!("{:?} {code}", status.code())),
        None => Outcome::Error(format!("{:?}", status.code())),
    }
}

/// The stock checks of a run on one item: `taken` units left `available`, `held` of them are
/// still in `reserved` (a reservation holds its unit; a committed checkout holds none), and
/// `available` never went below zero.
pub fn violations(before: Stock, after: Stock, taken: u64, held: u64) -> Vec<String> {
    let (taken, held) = (taken as i64, held as i64);
    let mut v = Vec::new();
    if after.available < 0 {
        v.push(format!("available is negative after: {}", after.available));
    }
    if after.reserved - before.reserved != held {
        v.push(format!(
            "reserved grew by {} for {held} units held",
            after.reserved - before.reserved
        ));
    }
    if before.available - after.available != taken {
        v.push(format!(
            "available fell by {} for {taken} units taken",
            before.available - after.available
        ));
    }
    v
}

#[derive(Default)]
struct Tally {
    latencies: Vec<u64>,
    ok: u64,
    out_of_stock: u64,
    errors: BTreeMap<String, u64>,
}

/// Runs the calls and returns the report; every call is bounded by the configured timeout.
pub async fn run(config: &ReserveConfig) -> anyhow::Result<ReserveReport> {
    anyhow::ensure!(config.concurrency > 0, "--concurrency must be at least 1");
    anyhow::ensure!(config.requests > 0, "--requests must be at least 1");
    // One HTTP/2 connection shared by all tasks, as a service's client channel is.
    let client = connect(&config.url).await?;
    let ids = [config.product_id.clone()];
    let before = stock_levels(&client, &ids).await?[0];
    let config = Arc::new(config.clone());
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = (0..config.concurrency)
        .map(|_| tokio::spawn(worker(client.clone(), config.clone(), next.clone())))
        .collect();
    let mut all = Tally::default();
    for t in tasks {
        let t = t.await.context("a task panicked")?;
        all.latencies.extend_from_slice(&t.latencies);
        all.ok += t.ok;
        all.out_of_stock += t.out_of_stock;
        for (k, n) in t.errors {
            *all.errors.entry(k).or_default() += n;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let after = stock_levels(&client, &ids).await?[0];
    all.latencies.sort_unstable();
    let errors = all.errors.values().sum();
    let violations = if config.baseline {
        Vec::new()
    } else {
        violations(before, after, all.ok, all.ok)
    };
    Ok(ReserveReport {
        load: LoadReport {
            url: config.url.clone(),
            method: if config.baseline {
                "GetStockLevels"
            } else {
                "Reserve"
            }
            .into(),
            connections: config.concurrency,
            duration_secs: elapsed,
            warmup_secs: 0.0,
            requests: all.ok,
            errors,
            requests_per_sec: all.ok as f64 / elapsed,
            latency_ms: Latency::from_sorted(&all.latencies),
            body_bytes: 0.0,
            connects: 1,
            error_kinds: all.errors,
        },
        calls: all.ok + all.out_of_stock + errors,
        out_of_stock: all.out_of_stock,
        before,
        after,
        oversold: !violations.is_empty(),
        violations,
    })
}

/// One gRPC channel to the inventory service at `url` (`http://host:port`), calling as one of
/// the shop's services: the credential is signed with `VICI_SERVICE_KEYS` from the environment,
/// which the scripts give the server too.
pub async fn connect(url: &str) -> anyhow::Result<InventoryServiceClient<Channel>> {
    if let Ok(keys) = std::env::var("VICI_SERVICE_KEYS") {
        let keys: Vec<String> = keys.split(',').map(|k| k.trim().to_string()).collect();
        vici_kit::service_auth::install(&keys, "bench");
    }
    let channel = vici_kit::grpc::channel(url, Duration::from_secs(30))
        .with_context(|| format!("bad inventory URL {url}"))?;
    Ok(InventoryServiceClient::new(channel))
}

/// The products' stock, in the order of `product_ids`, read in one `GetStockLevels` call.
pub async fn stock_levels(
    client: &InventoryServiceClient<Channel>,
    product_ids: &[String],
) -> anyhow::Result<Vec<Stock>> {
    let levels = client
        .clone()
        .get_stock_levels(pb::GetStockLevelsRequest {
            product_ids: product_ids.to_vec(),
        })
        .await
        .context("GetStockLevels")?
        .into_inner()
        .levels;
    product_ids
        .iter()
        .map(|id| {
            let level = levels
                .iter()
                .find(|l| l.product_id == *id)
                .with_context(|| format!("GetStockLevels did not report {id}"))?;
            Ok(Stock {
                available: level.available,
                reserved: level.reserved,
            })
        })
        .collect()
}

async fn worker(
    mut client: InventoryServiceClient<Channel>,
    config: Arc<ReserveConfig>,
    next: Arc<AtomicU64>,
) -> Tally {
    let mut t = Tally::default();
    while next.fetch_add(1, Ordering::Relaxed) < config.requests {
        let begun = Instant::now();
        let call = async {
            if config.baseline {
                let ids = vec![config.product_id.clone()];
                let request = pb::GetStockLevelsRequest { product_ids: ids };
                client.get_stock_levels(request).await.map(drop)
            } else {
                client.reserve(reserve_request(&config)).await.map(drop)
            }
        };
        let outcome = match tokio::time::timeout(config.timeout, call).await {
            Ok(result) => classify(result),
            Err(_) => Outcome::Error("timeout".into()),
        };
        match outcome {
            Outcome::Ok => {
                t.ok += 1;
                t.latencies.push(begun.elapsed().as_nanos() as u64);
            }
            Outcome::OutOfStock => t.out_of_stock += 1,
            Outcome::Error(kind) => *t.errors.entry(kind).or_default() += 1,
        }
    }
    t
}

fn reserve_request(config: &ReserveConfig) -> pb::ReserveRequest {
    pb::ReserveRequest {
        order_id: uuid::Uuid::now_v7().to_string(),
        lines: vec![pb::ReserveLine {
            product_id: config.product_id.clone(),
            variant_id: None,
            quantity: 1,
        }],
        ttl_seconds: config.ttl_secs,
    }
}

impl ReserveReport {
    /// The human-readable summary `reserve` prints without `--json`.
    pub fn human(&self) -> String {
        let (l, s) = (&self.load.latency_ms, &self.load);
        let mut out = format!(
            "{method} ×{calls} on {url}, concurrency {c}: {elapsed:.2} s\n  \
             {rps:.0} successful/s ({ok} ok, {oos} out of stock, {e} errors)\n  \
             latency ms of successes: p50 {p50:.3}  p99 {p99:.3}  max {max:.3}\n  \
             stock before: available {ba}, reserved {br}; after: available {aa}, reserved {ar}\n",
            method = s.method,
            calls = self.calls,
            url = s.url,
            c = s.connections,
            elapsed = s.duration_secs,
            rps = s.requests_per_sec,
            ok = s.requests,
            oos = self.out_of_stock,
            e = s.errors,
            p50 = l.p50,
            p99 = l.p99,
            max = l.max,
            ba = self.before.available,
            br = self.before.reserved,
            aa = self.after.available,
            ar = self.after.reserved,
        );
        for (kind, n) in &s.error_kinds {
            out.push_str(&format!("  error {kind}: {n}\n"));
        }
        match (s.method.as_str(), self.oversold) {
            ("Reserve", false) => out.push_str("  oversold: no\n"),
            ("Reserve", true) => {
                out.push_str(&format!("  OVERSOLD: {}\n", self.violations.join("; ")))
            }
            _ => {}
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stock(available: i64, reserved: i64) -> Stock {
        Stock {
            available,
            reserved,
        }
    }

    #[test]
    fn consistent_runs_pass_and_each_miscount_is_named() {
        assert!(violations(stock(5000, 0), stock(0, 5000), 5000, 5000).is_empty());
        assert!(violations(stock(10, 7), stock(10, 7), 0, 0).is_empty());
        // Committed checkouts take units for good and hold none.
        assert!(violations(stock(100, 2), stock(60, 2), 40, 0).is_empty());
        // One more reserved than answered OK: a success the tool did not see, or a double take.
        let v = violations(stock(5000, 0), stock(-1, 5001), 5000, 5000);
        assert_eq!(v.len(), 3, "{v:?}");
        assert!(v[0].contains("negative"), "{v:?}");
        let v = violations(stock(100, 0), stock(50, 40), 40, 40);
        assert_eq!(v, ["available fell by 50 for 40 units taken"]);
        let v = violations(stock(100, 0), stock(60, 1), 40, 0);
        assert_eq!(v, ["reserved grew by 1 for 0 units held"]);
    }

    #[test]
    fn out_of_stock_is_told_by_the_metadata_not_the_grpc_code() {
        let tagged = |code: &str| {
            let mut s = tonic::Status::failed_precondition("Only 0 left of this item");
            s.metadata_mut()
                .insert(ERROR_CODE_METADATA, code.parse().unwrap());
            Err(s)
        };
        assert_eq!(classify(Ok(())), Outcome::Ok);
        assert_eq!(classify(tagged("OUT_OF_STOCK")), Outcome::OutOfStock);
        assert_eq!(
            classify(tagged("PAYMENT_FAILED")),
            Outcome::Error("FailedPrecondition PAYMENT_FAILED".into())
        );
        let unimplemented = Err(tonic::Status::unimplemented("later"));
        assert_eq!(
            classify(unimplemented),
            Outcome::Error("Unimplemented".into())
        );
    }

    #[test]
    fn reports_read_back_as_load_runs() {
        let report = ReserveReport {
            load: LoadReport {
                url: "http://127.0.0.1:4204".into(),
                method: "Reserve".into(),
                connections: 64,
                duration_secs: 2.0,
                warmup_secs: 0.0,
                requests: 5000,
                errors: 0,
                requests_per_sec: 2500.0,
                latency_ms: Latency::from_sorted(&[1_000_000, 3_000_000]),
                body_bytes: 0.0,
                connects: 1,
                error_kinds: BTreeMap::new(),
            },
            calls: 6000,
            out_of_stock: 1000,
            before: stock(5000, 0),
            after: stock(0, 5000),
            oversold: false,
            violations: vec![],
        };
        let json = serde_json::to_string(&report).unwrap();
        assert!(json.contains(r#""requests_per_sec":2500.0"#), "{json}");
        let load: LoadReport = serde_json::from_str(&json).unwrap();
        assert_eq!((load.connections, load.latency_ms.p99), (64, 3.0));
        assert!(report.human().contains("1000 out of stock"));
    }
}
