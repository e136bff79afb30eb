//! `vici-recs-speed`: the recommendation pipeline's speed (issue 15) on `vici up` (the release
//! binary in `VICI_BIN`), its store in process or on Redis (`--cache-url`). Shoppers' product
//! views arrive at a steady rate in batches (each session browsing products of one taste
//! cluster, so the lists have something to learn); the lag from an event's time to its lists
//! written is read from the pipeline's `rec_pipeline_lag_seconds` histogram over the load.
//! Then `GET /api/products/recommended` is loaded by `--connections` connections, each as one
//! of the sessions that browsed (`X-Session-Id`), next to `GET /api/health` on the same
//! gateway as the floor, as fast as answered and then at `--shelf-rate` shelves per second
//! offered (the latency a shop sees below saturation; at saturation on a shared 2-core machine
//! it is the queue's). Prints bench/lib.sh's metric records (bench/recs.sh keeps them).
use std::time::{Duration, Instant};

use clap::Parser;
use serde_json::{Value, json};
use tokio::task::JoinSet;
use vici_bench::client::RequestSpec;
use vici_bench::load::{self, LoadConfig};
use vici_bench::variants::Variation;
use vici_testkit::system::{Mode, OwnShop};

#[derive(Parser)]
#[command(
    name = "vici-recs-speed",
    about = "Recommendation lag and serving latency"
)]
struct Cli {
    /// Behaviour events offered per second (in batches, paced).
    #[arg(long, default_value_t = 1_000)]
    events_per_second: u32,
    #[arg(long, default_value_t = 50)]
    batch: usize,
    /// Seconds of event load.
    #[arg(long, default_value_t = 30)]
    events_secs: u64,
    /// Sessions browsing (and then asking for their recommendations).
    #[arg(long, default_value_t = 2_000)]
    sessions: usize,
    #[arg(long, default_value_t = 64)]
    connections: usize,
    #[arg(long, default_value_t = 10.0)]
    load_secs: f64,
    /// Recommended shelves per second offered in the open-loop run (over `connections`).
    #[arg(long, default_value_t = 1_000.0)]
    shelf_rate: f64,
    /// The store on Redis (e.g. redis://127.0.0.1:6379/9, emptied by the caller) instead of in
    /// process.
    #[arg(long)]
    cache_url: Option<String>,
    /// The report section the metric lines belong to.
    #[arg(long)]
    section: String,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let mut settings = vec![("VICI_RATE_LIMITS", "off".to_string())];
    if let Some(url) = &cli.cache_url {
        settings.push(("VICI_CACHE_URL", url.clone()));
    }
    let pairs: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let shop = OwnShop::boot(Mode::Embedded, &pairs).await;
    let products: Vec<String> = shop
        .get("/api/products?limit=100")
        .await
        .data()
        .as_array()
        .expect("a product list")
        .iter()
        .map(|p| p["id"].as_str().expect("an id").to_string())
        .collect();
    eprintln!(
        "vici-recs-speed: shop up, {} products; {} events/s",
        products.len(),
        cli.events_per_second
    );

    let before = lag_histogram(&shop).await;
    let offered = offer(&cli, &shop, &products).await;
    // The last batch's lists are written within a flush of its arrival; wait for the count.
    let deadline = Instant::now() + Duration::from_secs(60);
    let after = loop {
        let now = lag_histogram(&shop).await;
        if now.count - before.count >= offered as f64 || Instant::now() > deadline {
            break now;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let learnt = after.count - before.count;
    let metric = |name: &str, unit: &str, value: f64| {
        let line = json!({"kind": "metric", "section": cli.section, "name": name, "unit": unit, "value": value});
        println!("{line}");
    };
    metric("events offered", "events", offered as f64);
    metric("events learnt", "events", learnt);
    anyhow::ensure!(
        learnt > 0.0,
        "the pipeline learnt none of the events: see the shop's log"
    );
    for (q, name) in [
        (0.5, "lag p50 (bucket bound)"),
        (0.99, "lag p99 (bucket bound)"),
    ] {
        metric(name, "s", after.since(&before).quantile(q));
    }

    let url = format!("{}/api/products/recommended?limit=10", shop.base);
    let sessions: Vec<String> = (0..cli.sessions).map(session).collect();
    let variation = Variation {
        header_lines: sessions
            .iter()
            .map(|s| ("X-Session-Id".to_string(), s.clone()))
            .collect(),
        spread_headers: true,
        ..Variation::default()
    };
    let run = |url: String, variation: Variation| LoadConfig {
        url,
        request: RequestSpec::default(),
        variation,
        connections: cli.connections,
        duration: Duration::from_secs_f64(cli.load_secs),
        warmup: Duration::from_secs(2),
        timeout: Duration::from_secs(5),
        rate: None,
    };
    let floor = load::run(&run(
        format!("{}/api/health", shop.base),
        Variation::default(),
    ))
    .await?;
    // Paced first: the closed loop's burst of impressions keeps the shop busy for a while
    // after it (recorded, published, read by the pipeline).
    let paced = load::run(&LoadConfig {
        rate: Some(cli.shelf_rate),
        ..run(url.clone(), variation.clone())
    })
    .await?;
    let shelf = load::run(&run(url, variation)).await?;
    metric("recommended req/s", "req/s", shelf.requests_per_sec);
    metric("recommended p99", "ms", shelf.latency_ms.p99);
    metric("recommended errors", "requests", shelf.errors as f64);
    let offered = format!("at {} req/s offered", cli.shelf_rate);
    metric(
        &format!("recommended p50 {offered}"),
        "ms",
        paced.latency_ms.p50,
    );
    metric(
        &format!("recommended p99 {offered}"),
        "ms",
        paced.latency_ms.p99,
    );
    metric(
        &format!("recommended errors {offered}"),
        "requests",
        paced.errors as f64,
    );
    metric("health req/s (floor)", "req/s", floor.requests_per_sec);
    metric("health p99 (floor)", "ms", floor.latency_ms.p99);
    metric(
        "recommended / health req/s",
        "ratio",
        shelf.requests_per_sec / floor.requests_per_sec,
    );
    Ok(())
}

const BROWSER: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";

fn session(i: usize) -> String {
    format!("bench-visit-{i}")
}

/// Offers views for the whole run, paced; how many the shop accepted.
async fn offer(cli: &Cli, shop: &OwnShop, products: &[String]) -> usize {
    let tick = Duration::from_secs_f64(cli.batch as f64 / f64::from(cli.events_per_second));
    let mut batches = tokio::time::interval(tick);
    let end = Instant::now() + Duration::from_secs(cli.events_secs);
    let mut posts = JoinSet::new();
    let mut sent = 0usize;
    // Five taste clusters: a session views products of its own cluster.
    let clusters = 5;
    while Instant::now() < end {
        batches.tick().await;
        let events: Vec<Value> = (0..cli.batch)
            .map(|k| {
                let n = sent + k;
                let visitor = n % cli.sessions;
                let cluster = visitor % clusters;
                let in_cluster: Vec<&String> = products.iter().skip(cluster).step_by(clusters).collect();
                let product = in_cluster[(n / cli.sessions) % in_cluster.len()];
                json!({"type": "behaviour.product_view", "productId": product, "sessionId": session(visitor)})
            })
            .collect();
        sent += cli.batch;
        let body = json!({ "events": events });
        let client = shop.client.clone();
        let url = format!("{}/api/events/batch", shop.base);
        posts.spawn(async move {
            // A browser's: the event service flags other agents as bots, whose events teach
            // the pipeline nothing.
            let answer = client
                .post(url)
                .header("user-agent", BROWSER)
                .json(&body)
                .send()
                .await
                .ok()?;
            let body: Value = answer.json().await.ok()?;
            body["data"]["accepted"].as_u64()
        });
    }
    let mut accepted = 0;
    while let Some(done) = posts.join_next().await {
        accepted += done.ok().flatten().unwrap_or(0) as usize;
    }
    accepted
}

/// The cumulative buckets of `rec_pipeline_lag_seconds`.
struct Histogram {
    buckets: Vec<(f64, f64)>,
    count: f64,
}

impl Histogram {
    /// What was observed after `earlier` (empty before the first observation registers the
    /// metric).
    fn since(&self, earlier: &Histogram) -> Histogram {
        let before = |le: f64| {
            let bucket = earlier.buckets.iter().find(|(bound, _)| *bound == le);
            bucket.map_or(0.0, |(_, n)| *n)
        };
        Histogram {
            buckets: self
                .buckets
                .iter()
                .map(|(le, n)| (*le, n - before(*le)))
                .collect(),
            count: self.count - earlier.count,
        }
    }

    /// The smallest bucket bound holding the `q` quantile.
    fn quantile(&self, q: f64) -> f64 {
        let wanted = self.count * q;
        self.buckets
            .iter()
            .find(|(_, n)| *n >= wanted)
            .map_or(f64::INFINITY, |(le, _)| *le)
    }
}

async fn lag_histogram(shop: &OwnShop) -> Histogram {
    let text = shop
        .client
        .get(format!("{}/metrics", shop.base))
        .send()
        .await
        .expect("the metrics answer")
        .text()
        .await
        .expect("a text body");
    let mut buckets = Vec::new();
    let mut count = 0.0;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("rec_pipeline_lag_seconds_bucket{le=\"") {
            let (le, value) = rest.split_once("\"} ").expect("a bucket line");
            let le = if le == "+Inf" {
                f64::INFINITY
            } else {
                le.parse().expect("a bound")
            };
            buckets.push((le, value.trim().parse().expect("a count")));
        } else if let Some(value) = line.strip_prefix("rec_pipeline_lag_seconds_count ") {
            count = value.trim().parse().expect("a count");
        }
    }
    Histogram { buckets, count }
}
