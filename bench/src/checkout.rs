//! `checkout`: closed-loop shoppers through the gateway. Each shopper (one bearer token, one
//! keep-alive connection) puts one unit of its product in its cart and confirms the checkout
//! with a fresh `Idempotency-Key`, again and again; completed checkouts per second and the
//! confirm's latency are the measure. Given the inventory service's address, the products' stock
//! is read before and after: every unit that left `available` must be in a confirmed checkout
//! and none may stay reserved, or the run oversold.
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::client::{Conn, RequestSpec, Response, Target};
use crate::load::{Latency, LoadReport};
use crate::reserve::{Stock, connect, stock_levels, violations};

#[derive(Clone, Debug)]
pub struct CheckoutConfig {
    /// The gateway's API base, `http://host:port/api`.
    pub api: String,
    /// One `(name, value)` header per shopper, e.g. its bearer token: shopper i sends line i.
    pub shoppers: Vec<(String, String)>,
    /// Shopper i buys `products[i mod n]`: as many products as shoppers spreads them, one
    /// product makes it hot.
    pub products: Vec<String>,
    pub payment_method: String,
    /// The inventory service's gRPC address, for the stock checks; none skips them (e.g.
    /// against the baseline, which keeps no stock).
    pub inventory: Option<String>,
    /// A shopper stops at its first out-of-stock answer (selling a product out).
    pub until_sold_out: bool,
    pub duration: Duration,
    pub warmup: Duration,
    /// Per connect and per request; a slower request is an error.
    pub timeout: Duration,
}

/// What a run measured. The flattened part has the shape of a `load` run (`requests` are the
/// checkouts completed in the measured window, `latency_ms` their confirms', `errors` every
/// failed request other than out-of-stock), so the scripts record and report it like one.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CheckoutReport {
    #[serde(flatten)]
    pub load: LoadReport,
    /// How many products the shoppers bought (shopper i buys product i mod n).
    pub products: usize,
    /// Checkouts completed over the whole run, warm-up included: the units sold.
    pub checkouts_total: u64,
    /// Adds or confirms answered `OUT_OF_STOCK`, over the whole run.
    pub out_of_stock: u64,
    /// Per product (in the order given): stock before and after, and the units sold.
    pub stock: Vec<ProductStock>,
    /// Any stock check failed (needs the inventory address; false without it).
    pub oversold: bool,
    /// Which checks failed, in words.
    pub violations: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ProductStock {
    pub product_id: String,
    pub before: Stock,
    pub after: Stock,
    pub sold: u64,
}

/// Encoded requests of one shopper: all but the confirm (whose key changes) are fixed.
struct ShopperRequests {
    add: Arc<[u8]>,
    empty_cart: Arc<[u8]>,
    confirm: Target,
    confirm_spec: RequestSpec,
    product: usize,
}

#[derive(Default)]
struct Tally {
    latencies: Vec<u64>,
    measured: u64,
    total: u64,
    out_of_stock: u64,
    connects: u64,
    body_bytes: u64,
    errors: BTreeMap<String, u64>,
}

impl Tally {
    fn error(&mut self, kind: String) {
        *self.errors.entry(kind).or_default() += 1;
    }
}

/// Runs the shoppers and returns the report; every request is bounded by the timeout.
pub async fn run(config: &CheckoutConfig) -> anyhow::Result<CheckoutReport> {
    anyhow::ensure!(
        !config.shoppers.is_empty(),
        "at least one shopper is needed"
    );
    anyhow::ensure!(
        !config.products.is_empty(),
        "at least one product is needed"
    );
    anyhow::ensure!(!config.duration.is_zero(), "the duration must be positive");
    let api = config.api.trim_end_matches('/');
    let inventory = match &config.inventory {
        Some(url) => Some(connect(url).await?),
        None => None,
    };
    let before = match &inventory {
        Some(client) => stock_levels(client, &config.products).await?,
        None => Vec::new(),
    };
    let start = Instant::now();
    let window = (
        start + config.warmup,
        start + config.warmup + config.duration,
    );
    let mut tasks = Vec::new();
    for (i, header) in config.shoppers.iter().enumerate() {
        let requests = shopper_requests(api, config, i, header)?;
        tasks.push(tokio::spawn(shopper(requests, config.clone(), window)));
    }
    let mut all = Tally::default();
    let mut sold = vec![0u64; config.products.len()];
    // A shopper overruns the window by at most its last add and confirm.
    let deadline = tokio::time::Instant::from_std(window.1 + 2 * config.timeout);
    for task in tasks {
        let abort = task.abort_handle();
        let (product, t) = match tokio::time::timeout_at(deadline, task).await {
            Ok(joined) => joined.context("a shopper panicked")?,
            Err(_) => {
                abort.abort();
                anyhow::bail!("a shopper did not finish within its timeouts");
            }
        };
        sold[product] += t.total;
        all.latencies.extend_from_slice(&t.latencies);
        (all.measured, all.total) = (all.measured + t.measured, all.total + t.total);
        all.out_of_stock += t.out_of_stock;
        all.connects += t.connects;
        all.body_bytes += t.body_bytes;
        for (k, n) in t.errors {
            *all.errors.entry(k).or_default() += n;
        }
    }
    let mut stock = Vec::new();
    let mut found = Vec::new();
    if let Some(client) = &inventory {
        let after = stock_levels(client, &config.products).await?;
        for (i, id) in config.products.iter().enumerate() {
            let v = violations(before[i], after[i], sold[i], 0);
            found.extend(v.into_iter().map(|v| format!("{id}: {v}")));
            stock.push(ProductStock {
                product_id: id.clone(),
                before: before[i],
                after: after[i],
                sold: sold[i],
            });
        }
    }
    all.latencies.sort_unstable();
    let secs = config.duration.as_secs_f64();
    Ok(CheckoutReport {
        load: LoadReport {
            url: format!("{api}/checkout/confirm"),
            method: "POST".into(),
            connections: config.shoppers.len(),
            duration_secs: secs,
            warmup_secs: config.warmup.as_secs_f64(),
            requests: all.measured,
            errors: all.errors.values().sum(),
            requests_per_sec: all.measured as f64 / secs,
            latency_ms: Latency::from_sorted(&all.latencies),
            body_bytes: match all.total {
                0 => 0.0,
                n => all.body_bytes as f64 / n as f64,
            },
            connects: all.connects,
            error_kinds: all.errors,
        },
        products: config.products.len(),
        checkouts_total: all.total,
        out_of_stock: all.out_of_stock,
        stock,
        oversold: !found.is_empty(),
        violations: found,
    })
}

fn shopper_requests(
    api: &str,
    config: &CheckoutConfig,
    i: usize,
    header: &(String, String),
) -> anyhow::Result<ShopperRequests> {
    let product = i % config.products.len();
    let spec = |method: &str, body: Option<serde_json::Value>| RequestSpec {
        method: method.into(),
        headers: vec![header.clone()],
        body: body.map(|b| b.to_string().into_bytes()),
    };
    let add = spec(
        "POST",
        Some(json!({"productId": config.products[product], "quantity": 1})),
    );
    let cart = Target::parse(&format!("{api}/cart"))?;
    Ok(ShopperRequests {
        add: Target::parse(&format!("{api}/cart/items"))?
            .with(&add)?
            .request()
            .into(),
        empty_cart: cart.with(&spec("DELETE", None))?.request().into(),
        confirm: Target::parse(&format!("{api}/checkout/confirm"))?,
        confirm_spec: spec(
            "POST",
            Some(json!({
                "shippingAddress": {
                    "firstName": "Bench", "lastName": "Shopper",
                    "addressLine1": "1 Load Street", "city": "London", "state": "LDN",
                    "postalCode": "SW1A 1AA", "country": "GB", "phone": "+44 20 7946 0000"
                },
                "paymentMethod": config.payment_method,
            })),
        ),
        product,
    })
}

/// How one request ended.
#[derive(Debug, PartialEq, Eq)]
enum Answer {
    /// 2xx, with the body's length.
    Ok(usize),
    OutOfStock,
    /// Anything else, by kind.
    Failed(String),
}

type Outcome = Result<std::io::Result<Response>, tokio::time::error::Elapsed>;

fn classify(what: &str, outcome: Outcome) -> Answer {
    match outcome {
        Ok(Ok(r)) if (200..300).contains(&r.status) => Answer::Ok(r.body_len),
        Ok(Ok(r)) => {
            let body = r.body.unwrap_or_default();
            if r.status == 409 && String::from_utf8_lossy(&body).contains("\"OUT_OF_STOCK\"") {
                Answer::OutOfStock
            } else {
                Answer::Failed(format!("{what} status {}", r.status))
            }
        }
        Ok(Err(e)) => Answer::Failed(format!("{what} io {:?}", e.kind())),
        Err(_) => Answer::Failed(format!("{what} timeout")),
    }
}

impl ShopperRequests {
    /// The confirm with its own idempotency key: each checkout is a new one.
    fn confirm(&self) -> anyhow::Result<Vec<u8>> {
        let mut spec = self.confirm_spec.clone();
        let key = uuid::Uuid::now_v7().to_string();
        spec.headers.push(("Idempotency-Key".into(), key));
        Ok(self.confirm.clone().with(&spec)?.request().to_vec())
    }
}

/// Sends one request on the shopper's connection, connecting first when there is none, and
/// drops the connection when the server will not reuse it or the request failed.
async fn exchange(
    conn: &mut Option<Conn>,
    r: &ShopperRequests,
    request: &[u8],
    what: &str,
    timeout: Duration,
    t: &mut Tally,
) -> Answer {
    if conn.is_none() {
        match tokio::time::timeout(timeout, Conn::connect(&r.confirm)).await {
            Ok(Ok(c)) => {
                t.connects += 1;
                *conn = Some(c);
            }
            Ok(Err(e)) => return Answer::Failed(format!("connect {:?}", e.kind())),
            Err(_) => return Answer::Failed("connect timeout".into()),
        }
    }
    let c = conn.as_mut().expect("connected above");
    let outcome = tokio::time::timeout(timeout, c.send_request(request, true)).await;
    if !matches!(&outcome, Ok(Ok(r)) if r.reusable) {
        *conn = None;
    }
    classify(what, outcome)
}

/// One shopper's loop; returns the index of its product and what it counted.
async fn shopper(
    r: ShopperRequests,
    config: CheckoutConfig,
    (measure_from, end): (Instant, Instant),
) -> (usize, Tally) {
    let mut t = Tally::default();
    let mut conn = None;
    // After a failed add or confirm the cart may still hold the unit: it is emptied before the
    // next add, so that every confirm buys exactly one unit and the stock check can count.
    let mut cart_dirty = false;
    let pause = || tokio::time::sleep(Duration::from_millis(10));
    while Instant::now() < end {
        let timeout = config.timeout;
        if cart_dirty {
            match exchange(&mut conn, &r, &r.empty_cart, "empty cart", timeout, &mut t).await {
                Answer::Ok(_) => cart_dirty = false,
                failed => {
                    t.error(match failed {
                        Answer::Failed(kind) => kind,
                        _ => "empty cart status 409".into(),
                    });
                    pause().await;
                    continue;
                }
            }
        }
        match exchange(&mut conn, &r, &r.add, "add", timeout, &mut t).await {
            Answer::Ok(_) => {}
            Answer::OutOfStock if config.until_sold_out => {
                t.out_of_stock += 1;
                break;
            }
            Answer::OutOfStock => {
                t.out_of_stock += 1;
                continue;
            }
            Answer::Failed(kind) => {
                t.error(kind);
                cart_dirty = true;
                pause().await;
                continue;
            }
        }
        let request = match r.confirm() {
            Ok(request) => request,
            Err(e) => {
                t.error(format!("confirm request: {e}"));
                break;
            }
        };
        let begun = Instant::now();
        let answer = exchange(&mut conn, &r, &request, "confirm", timeout, &mut t).await;
        let done = Instant::now();
        match answer {
            Answer::Ok(len) => {
                t.total += 1;
                if begun >= measure_from && done <= end {
                    t.measured += 1;
                    t.body_bytes += len as u64;
                    t.latencies
                        .push(done.duration_since(begun).as_nanos() as u64);
                }
            }
            Answer::OutOfStock => {
                t.out_of_stock += 1;
                cart_dirty = true;
                if config.until_sold_out {
                    break;
                }
            }
            Answer::Failed(kind) => {
                t.error(kind);
                cart_dirty = true;
                pause().await;
            }
        }
    }
    (r.product, t)
}

impl CheckoutReport {
    /// The human-readable summary `checkout` prints without `--json`.
    pub fn human(&self) -> String {
        let (l, s) = (&self.load.latency_ms, &self.load);
        let mut out = format!(
            "{c} shoppers on {n} product(s), {d:.0} s measured after {w:.0} s warm-up\n  \
             {rps:.1} checkouts/s ({ok} measured, {total} in all, {oos} out of stock, {e} errors)\n  \
             confirm latency ms: p50 {p50:.3}  p90 {p90:.3}  p99 {p99:.3}  max {max:.3}\n",
            c = s.connections,
            n = self.products,
            d = s.duration_secs,
            w = s.warmup_secs,
            rps = s.requests_per_sec,
            ok = s.requests,
            total = self.checkouts_total,
            oos = self.out_of_stock,
            e = s.errors,
            p50 = l.p50,
            p90 = l.p90,
            p99 = l.p99,
            max = l.max,
        );
        for (kind, n) in &s.error_kinds {
            out.push_str(&format!("  error {kind}: {n}\n"));
        }
        match (self.stock.is_empty(), self.oversold) {
            (true, _) => out.push_str("  stock: not checked (no inventory address)\n"),
            (false, false) => out.push_str("  stock: every unit sold is a confirmed checkout\n"),
            (false, true) => out.push_str(&format!("  OVERSOLD: {}\n", self.violations.join("; "))),
        }
        out
    }
}
