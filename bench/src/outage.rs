//! `vici-outage`: the loss benchmark of issue 14. `vici up` (the release binary in `VICI_BIN`)
//! publishes to a tansu broker of its own while tracked events arrive at a steady rate in
//! batches; the broker is frozen (SIGSTOP) for a while and resumed; then every accepted event
//! is counted on `user-events`: lost, published twice, how long the spool took to empty, and
//! the latencies of the batches and of a product page before, during and after the freeze.
//! Prints the measurements as bench/lib.sh's metric lines (bench/events.sh records them).
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use serde_json::json;
use tokio::task::JoinSet;
use vici_bench::stats::percentile;
use vici_testkit::system::{Broker, Mode, OwnShop, arrivals, clicks};

#[derive(Parser)]
#[command(
    name = "vici-outage",
    about = "Tracked events through a broker outage, counted on Kafka"
)]
struct Cli {
    /// Events offered per second (in batches, paced).
    #[arg(long, default_value_t = 5_000)]
    events_per_second: u32,
    /// Events per `POST /api/events/batch`.
    #[arg(long, default_value_t = 100)]
    batch: usize,
    /// Seconds of load before the freeze, of freeze, and of load after it.
    #[arg(long, default_value_t = 15)]
    before_secs: u64,
    #[arg(long, default_value_t = 60)]
    freeze_secs: u64,
    #[arg(long, default_value_t = 15)]
    after_secs: u64,
    /// How long the accepted events may take to arrive once the load ends.
    #[arg(long, default_value_t = 600)]
    delivery_secs: u64,
    /// The spool counts as drained below this many bytes: under a steady load it is never
    /// quite empty.
    #[arg(long, default_value_t = 1 << 20)]
    drained_below_bytes: u64,
    /// The report section the metric lines belong to.
    #[arg(long)]
    section: String,
}

/// When a request was sent, relative to the freeze.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Phase {
    Before,
    Frozen,
    After,
}

impl Phase {
    fn name(self) -> &'static str {
        match self {
            Phase::Before => "before the freeze",
            Phase::Frozen => "broker frozen",
            Phase::After => "after it",
        }
    }
}

/// Latencies in microseconds per phase.
type Latencies = BTreeMap<Phase, Vec<u64>>;

struct Outcome {
    accepted: Vec<String>,
    refused: usize,
    batches: Latencies,
    pages: Latencies,
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let broker = Broker::start();
    let bus = format!("kafka://{}", broker.address);
    let shop = Arc::new(OwnShop::boot(Mode::Embedded, &[("VICI_BUS_URL", &bus)]).await);
    let product = shop
        .get("/api/products/slug/logitech-mx-master-3s")
        .await
        .data()["id"]
        .as_str()
        .expect("the demo catalogue has the product")
        .to_string();
    eprintln!(
        "vici-outage: shop up; {} events/s in batches of {}",
        cli.events_per_second, cli.batch
    );
    let started = Instant::now();
    let freeze_at = Duration::from_secs(cli.before_secs);
    let resume_at = freeze_at + Duration::from_secs(cli.freeze_secs);
    let end_at = resume_at + Duration::from_secs(cli.after_secs);
    let phase = move || match started.elapsed() {
        t if t < freeze_at => Phase::Before,
        t if t < resume_at => Phase::Frozen,
        _ => Phase::After,
    };
    let outage = async {
        tokio::time::sleep_until((started + freeze_at).into()).await;
        broker.pause();
        eprintln!("vici-outage: broker frozen");
        tokio::time::sleep_until((started + resume_at).into()).await;
        broker.resume();
        eprintln!("vici-outage: broker resumed");
        let resumed = Instant::now();
        let drained = spool_drained(&shop, cli.drained_below_bytes, cli.delivery_secs).await;
        (resumed, drained)
    };
    let load = offer(&cli, &shop, &product, started + end_at, phase);
    let (outcome, (resumed, drained)) = tokio::join!(load, outage);
    let offered = outcome.accepted.len() + outcome.refused * cli.batch;
    eprintln!("vici-outage: {offered} offered; counting them on user-events");
    let quiet = Duration::from_secs(10);
    let within = Duration::from_secs(cli.delivery_secs);
    let seen = arrivals(
        &broker.address,
        "user-events",
        &outcome.accepted,
        within,
        quiet,
    )
    .await
    .unwrap_or_else(|seen| seen);
    let lost = outcome
        .accepted
        .iter()
        .filter(|id| !seen.contains_key(*id))
        .count();
    let doubled = outcome
        .accepted
        .iter()
        .filter(|id| seen.get(*id).is_some_and(|n| *n > 1))
        .count();

    let metric = |name: &str, unit: &str, value: f64| {
        println!(
            "{}",
            json!({"kind": "metric", "section": cli.section, "name": name, "unit": unit, "value": value})
        );
    };
    metric("events offered", "count", offered as f64);
    metric(
        "events offered per second",
        "events/s",
        offered as f64 / end_at.as_secs_f64(),
    );
    metric("events accepted", "count", outcome.accepted.len() as f64);
    metric("batches refused", "count", outcome.refused as f64);
    metric("accepted events lost", "count", lost as f64);
    metric("accepted events published twice", "count", doubled as f64);
    metric(
        &format!(
            "spool back under {} KiB after the broker returned",
            cli.drained_below_bytes / 1024
        ),
        "s",
        (drained? - resumed).as_secs_f64(),
    );
    for (what, latencies) in [
        ("batch POST", &outcome.batches),
        ("product page", &outcome.pages),
    ] {
        for (phase, micros) in latencies {
            let mut sorted = micros.clone();
            sorted.sort_unstable();
            let ms = |p: f64| percentile(&sorted, p) as f64 / 1000.0;
            metric(&format!("{what} p50, {}", phase.name()), "ms", ms(50.0));
            metric(&format!("{what} p99, {}", phase.name()), "ms", ms(99.0));
            metric(&format!("{what} max, {}", phase.name()), "ms", ms(100.0));
        }
    }
    Ok(())
}

/// Posts a batch on each tick (each in a task of its own, so a slow answer delays no later
/// batch) and opens the product page ten times a second, until `end`.
async fn offer(
    cli: &Cli,
    shop: &Arc<OwnShop>,
    product: &str,
    end: Instant,
    phase: impl Fn() -> Phase,
) -> Outcome {
    let tick = Duration::from_secs_f64(cli.batch as f64 / f64::from(cli.events_per_second));
    let mut batches = tokio::time::interval(tick);
    let mut pages = tokio::time::interval(Duration::from_millis(100));
    let mut posts = JoinSet::new();
    let mut outcome = Outcome {
        accepted: Vec::new(),
        refused: 0,
        batches: Latencies::new(),
        pages: Latencies::new(),
    };
    let page = format!("/api/products/{product}");
    let mut page_views = JoinSet::new();
    while Instant::now() < end {
        tokio::select! {
            _ = batches.tick() => {
                let (ids, body) = clicks(cli.batch, product, "outage");
                let (shop, phase) = (shop.clone(), phase());
                posts.spawn(async move {
                    let sent = Instant::now();
                    let answer = shop.post_json("/api/events/batch", &body).await;
                    let all = answer.status == 202 && answer.data()["accepted"] == ids.len();
                    (all.then_some(ids), phase, sent.elapsed())
                });
            }
            _ = pages.tick() => {
                let (shop, page, phase) = (shop.clone(), page.clone(), phase());
                page_views.spawn(async move {
                    let sent = Instant::now();
                    let answer = shop.get(&page).await;
                    assert_eq!(answer.status, 200, "the product page failed: {}", answer.body);
                    (phase, sent.elapsed())
                });
            }
        }
    }
    while let Some(done) = posts.join_next().await {
        let (ids, phase, took) = done.expect("a batch task");
        outcome
            .batches
            .entry(phase)
            .or_default()
            .push(took.as_micros() as u64);
        match ids {
            Some(ids) => outcome.accepted.extend(ids),
            None => outcome.refused += 1,
        }
    }
    while let Some(done) = page_views.join_next().await {
        let (phase, took) = done.expect("a page task");
        outcome
            .pages
            .entry(phase)
            .or_default()
            .push(took.as_micros() as u64);
    }
    outcome
}

/// Waits until the event service's spool holds fewer than `below` bytes (its gauge, measured
/// every 2 s); when it did.
async fn spool_drained(shop: &OwnShop, below: u64, within_secs: u64) -> anyhow::Result<Instant> {
    let metrics = format!("http://127.0.0.1:{}/metrics", shop.deployment.port_base + 9);
    let deadline = Instant::now() + Duration::from_secs(within_secs);
    loop {
        let text = shop.client.get(&metrics).send().await?.text().await?;
        let bytes = text
            .lines()
            .find_map(|l| l.strip_prefix("vici_events_spool_bytes "))
            .and_then(|v| v.trim().parse::<f64>().ok());
        if bytes.is_some_and(|b| b < below as f64) {
            return Ok(Instant::now());
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "the spool did not drain within {within_secs} s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
