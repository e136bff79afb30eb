//! `vici-notify-speed`: how fast the shop's events become mail and live in-app notifications
//! (issue 16), on `vici up` (the release binary in `VICI_BIN`) with its bus in memory or on a
//! Kafka-protocol broker of its own (`--kafka`), sending to a real SMTP server (aiosmtpd, as in
//! the tests). Three measures:
//! - event to SMTP-accepted: password-reset requests offered at `--rate` per second (open
//!   loop, each for another shopper), each timed from its request to its mail at the server;
//! - notifications per second: as many reset requests as there are shoppers at once (16 in
//!   flight), timed from the first request to the last mail accepted;
//! - SSE delivery: shoppers with their live stream open check out one after another, each
//!   timed from the checkout's answer to its notification on the stream.
//!
//! Prints bench/lib.sh's metric records (bench/notify.sh keeps them).
use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clap::Parser;
use futures::StreamExt as _;
use serde_json::json;
use vici_bench::stats::percentile;
use vici_testkit::ReceivedMail;
use vici_testkit::system::{Broker, EventStream, Mode, OwnShop, Visitor, random_ip};

#[derive(Parser)]
#[command(
    name = "vici-notify-speed",
    about = "Notification latency and throughput"
)]
struct Cli {
    /// Shoppers registered first (each gets one reset mail in each measure).
    #[arg(long, default_value_t = 300)]
    shoppers: usize,
    /// Reset requests offered per second in the latency measure.
    #[arg(long, default_value_t = 30.0)]
    rate: f64,
    /// Checkouts timed on their live streams.
    #[arg(long, default_value_t = 40)]
    checkouts: usize,
    /// The bus on a Kafka-protocol broker of the run's own instead of in process.
    #[arg(long)]
    kafka: bool,
    /// The report section the metric lines belong to.
    #[arg(long)]
    section: String,
}

const SUBJECT: &str = "Reset your password";
const WAIT: Duration = Duration::from_secs(300);

fn metric(section: &str, name: &str, unit: &str, value: f64) {
    let line =
        json!({"kind": "metric", "section": section, "name": name, "unit": unit, "value": value});
    println!("{line}");
}

fn now_secs() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs_f64()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let broker = cli.kafka.then(Broker::start);
    let bus = broker.as_ref().map(|b| format!("kafka://{}", b.address));
    let mut settings = vec![
        ("VICI_RATE_LIMITS", "off"),
        ("VICI_PAYMENT_LATENCY_MS", "0"),
    ];
    if let Some(bus) = &bus {
        settings.push(("VICI_BUS_URL", bus));
    }
    let shop = OwnShop::boot(Mode::Embedded, &settings).await;
    let started = Instant::now();
    let shoppers: Vec<Visitor> = futures::stream::iter(0..cli.shoppers)
        .map(|n| {
            let shop = &shop;
            async move {
                let mut v = shop.visitor();
                v.register(&format!("notify-{n}")).await.data();
                v
            }
        })
        .buffer_unordered(8)
        .collect()
        .await;
    let mails = wait_for(
        &shop,
        2 * cli.shoppers,
        "the shoppers' welcome and verification mail",
    )
    .await;
    eprintln!(
        "vici-notify-speed: {} shoppers and their {} mails in {:.1} s",
        shoppers.len(),
        mails,
        started.elapsed().as_secs_f64()
    );

    let latencies = reset_latencies(&shop, &shoppers, cli.rate).await?;
    let section = cli.section.as_str();
    let ms = |s: f64| s * 1000.0;
    metric(
        section,
        "resets offered",
        "requests",
        latencies.len() as f64,
    );
    metric(
        section,
        &format!("event to SMTP-accepted p50 at {}/s", cli.rate),
        "ms",
        ms(quantile(&latencies, 0.5)),
    );
    metric(
        section,
        &format!("event to SMTP-accepted p95 at {}/s", cli.rate),
        "ms",
        ms(quantile(&latencies, 0.95)),
    );
    metric(
        section,
        &format!("event to SMTP-accepted max at {}/s", cli.rate),
        "ms",
        ms(quantile(&latencies, 1.0)),
    );

    let (sent, seconds) = burst(&shop, &shoppers).await?;
    metric(
        section,
        "notifications/s (a burst of resets, request to mail accepted)",
        "mails/s",
        sent as f64 / seconds,
    );

    let sse = sse_latencies(&shop, &shoppers[..cli.checkouts.min(shoppers.len())]).await?;
    metric(
        section,
        "checkout to in-app notification on the SSE stream p50",
        "ms",
        ms(quantile(&sse, 0.5)),
    );
    metric(
        section,
        "checkout to in-app notification on the SSE stream p95",
        "ms",
        ms(quantile(&sse, 0.95)),
    );
    Ok(())
}

fn quantile(values: &[f64], q: f64) -> f64 {
    let mut micros: Vec<u64> = values.iter().map(|s| (s * 1e6).max(0.0) as u64).collect();
    micros.sort_unstable();
    percentile(&micros, q * 100.0) as f64 / 1e6
}

/// Waits until `n` mails have arrived in all; how many there are.
async fn wait_for(shop: &OwnShop, n: usize, what: &str) -> usize {
    let deadline = Instant::now() + WAIT;
    loop {
        let got = shop.smtp.received().len();
        if got >= n {
            return got;
        }
        assert!(Instant::now() < deadline, "only {got} of {n} mails: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn ask_reset(shop: &OwnShop, email: &str) -> anyhow::Result<()> {
    let answer = shop
        .client
        .post(shop.url("/api/auth/forgot-password"))
        .header("x-forwarded-for", random_ip())
        .json(&json!({"email": email}))
        .send()
        .await?;
    anyhow::ensure!(
        answer.status().is_success(),
        "forgot-password answered {}",
        answer.status()
    );
    Ok(())
}

fn email_of(v: &Visitor) -> String {
    v.user["email"].as_str().expect("an email").to_string()
}

/// The reset mails to each of `emails` received after `since` (server time, seconds).
fn resets_since(shop: &OwnShop, since: f64) -> HashMap<String, ReceivedMail> {
    let mails = shop.smtp.received().into_iter();
    let resets = mails.filter(|m| m.subject == SUBJECT && m.received_at >= since);
    resets
        .filter_map(|m| Some((m.rcpt_to.first()?.clone(), m)))
        .collect()
}

/// One reset per shopper, offered at `rate` per second; each one's seconds to its mail.
async fn reset_latencies(
    shop: &OwnShop,
    shoppers: &[Visitor<'_>],
    rate: f64,
) -> anyhow::Result<Vec<f64>> {
    let since = now_secs();
    let start = tokio::time::Instant::now();
    let asked = futures::stream::iter(shoppers.iter().enumerate())
        .map(|(i, v)| async move {
            tokio::time::sleep_until(start + Duration::from_secs_f64(i as f64 / rate)).await;
            let at = now_secs();
            ask_reset(shop, &email_of(v))
                .await
                .map(|()| (email_of(v), at))
        })
        .buffer_unordered(256)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<anyhow::Result<Vec<_>>>()?;
    let arrived = resets_arrived(shop, since, asked.len()).await?;
    Ok(asked
        .iter()
        .map(|(email, at)| arrived[email].received_at - at)
        .collect())
}

/// Waits until `n` reset mails received after `since` are there; them, by recipient.
async fn resets_arrived(
    shop: &OwnShop,
    since: f64,
    n: usize,
) -> anyhow::Result<HashMap<String, ReceivedMail>> {
    let deadline = Instant::now() + WAIT;
    loop {
        let arrived = resets_since(shop, since);
        if arrived.len() >= n {
            return Ok(arrived);
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "{} of {n} reset mails",
            arrived.len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A reset for every shopper at once (16 requests in flight); how many mails and the seconds
/// from the first request to the last mail accepted.
async fn burst(shop: &OwnShop, shoppers: &[Visitor<'_>]) -> anyhow::Result<(usize, f64)> {
    let since = now_secs();
    futures::stream::iter(shoppers)
        .map(|v| async move { ask_reset(shop, &email_of(v)).await })
        .buffer_unordered(16)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<anyhow::Result<Vec<_>>>()?;
    let arrived = resets_arrived(shop, since, shoppers.len()).await?;
    let last = arrived
        .values()
        .map(|m| m.received_at)
        .fold(since, f64::max);
    Ok((arrived.len(), last - since))
}

/// Each shopper, stream open, buys one product; seconds from the checkout's answer to the
/// order's notification on the stream.
async fn sse_latencies(shop: &OwnShop, shoppers: &[Visitor<'_>]) -> anyhow::Result<Vec<f64>> {
    let products = shop.get("/api/products?limit=50&inStock=true").await;
    let products: Vec<String> = products
        .data()
        .as_array()
        .expect("products")
        .iter()
        .filter(|p| p["stock"].as_i64().unwrap_or(0) > 50)
        .map(|p| p["id"].as_str().expect("an id").to_string())
        .collect();
    anyhow::ensure!(!products.is_empty(), "no product with stock to buy");
    let mut seconds = Vec::new();
    for (i, v) in shoppers.iter().enumerate() {
        let product = &products[i % products.len()];
        let added = v
            .post(
                "/api/cart/items",
                &json!({"productId": product, "quantity": 1}),
            )
            .await;
        anyhow::ensure!(added.status == 201, "add to cart: {}", added.body);
        let mut stream = EventStream::open(v).await;
        let paid = v.post("/api/checkout/confirm", &checkout()).await;
        anyhow::ensure!(paid.status == 201, "checkout: {}", paid.body);
        let answered = Instant::now();
        let heard = stream.next().await;
        anyhow::ensure!(heard["type"] == "order_confirmation", "heard {heard}");
        seconds.push(answered.elapsed().as_secs_f64());
    }
    Ok(seconds)
}

fn checkout() -> serde_json::Value {
    let address = json!({
        "firstName": "Bench", "lastName": "Shopper", "addressLine1": "1 Load Street",
        "city": "Springfield", "state": "IL", "postalCode": "62701", "country": "US",
        "phone": "+15555550100",
    });
    json!({"shippingAddress": address, "paymentMethod": "pm_card_visa"})
}
