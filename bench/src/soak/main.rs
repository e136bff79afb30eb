//! `vici-soak`: a bounded soak of the eleven-process shop on PostgreSQL, Redis and Kafka
//! (tansu) under faults. Shoppers browse, check out, pay later, pay, cancel and get refunds
//! while the keeper kills and restarts services, freezes the broker and restarts Redis; then the
//! shop settles and the ledger is checked over every database. Prints a Markdown section for
//! bench/RESULTS.md; exits 1 when the ledger is not clean. See bench/soak.sh.
mod events;
mod faults;
mod ledger;
mod shoppers;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use serde_json::Value;

use faults::{Fault, Order};
use ledger::{Check, Databases};
use shoppers::{Shopper, Tally};

#[derive(Parser)]
#[command(
    name = "vici-soak",
    about = "A soak of the distributed shop under faults, then a ledger check"
)]
struct Cli {
    /// How long the shoppers shop while faults are injected.
    #[arg(long, default_value_t = 10.0)]
    minutes: f64,
    /// Shoppers at once (each a closed loop with its own account and address).
    #[arg(long, default_value_t = 24)]
    shoppers: usize,
    /// Seeds the shoppers' choices and the faults.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// How long an order awaiting payment holds its stock (short, so some expire in the run).
    #[arg(long, default_value_t = 60)]
    unpaid_hold_secs: u64,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match soak(&cli) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("vici-soak: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn soak(cli: &Cli) -> anyhow::Result<bool> {
    let settings = vec![
        (
            "VICI_ORDER_UNPAID_HOLD_SECS".into(),
            cli.unpaid_hold_secs.to_string(),
        ),
        // A saga cut short by a kill is taken over within half a minute.
        ("VICI_ORDER_RECOVERY_AFTER_SECS".into(), "20".into()),
        ("VICI_ORDER_RECOVERY_SECS".into(), "5".into()),
    ];
    eprintln!("vici-soak: booting eleven processes on a private broker and Redis");
    let (shop, keeper) = faults::keeper(settings, cli.seed);
    let template = shop
        .deployment
        .env
        .iter()
        .rev()
        .find(|(k, _)| k == "VICI_DATABASE_URL")
        .map(|(_, v)| v.clone())
        .ok_or_else(|| anyhow::anyhow!("the deployment has no database URL"))?;
    let db = Databases { template };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let clean = runtime.block_on(async {
        let inventory = db.open("inventory").await?;
        let began_ms = now_ms();
        let before = ledger::stock(&inventory).await?;
        inventory.close().await;
        let products = product_ids(shop).await?;
        let tally = Arc::new(Tally::default());
        let stop = Arc::new(AtomicBool::new(false));
        let mut shoppers = Vec::new();
        for i in 0..cli.shoppers {
            let shopper = Shopper {
                base: shop.base.clone(),
                client: reqwest::Client::builder()
                    .timeout(Duration::from_secs(15))
                    .build()?,
                ip: format!("10.77.{}.{}", i / 250, i % 250 + 1),
                token: None,
                tally: tally.clone(),
                products: products.clone(),
                seed: cli
                    .seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(i as u64 * 2 + 1),
            };
            shoppers.push(tokio::spawn(shopper.run(stop.clone())));
        }
        let keeper_of_stock = Shopper {
            base: shop.base.clone(),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(15))
                .build()?,
            ip: "10.77.254.1".into(),
            token: None,
            tally: tally.clone(),
            products: products.clone(),
            seed: 1,
        };
        let restocking = tokio::spawn(keeper_of_stock.restock(stop.clone()));
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        keeper.send(Order::Faults {
            stop: stop.clone(),
            done: done_tx,
        })?;
        eprintln!(
            "vici-soak: {} shoppers for {} min under faults",
            cli.shoppers, cli.minutes
        );
        tokio::time::sleep(Duration::from_secs_f64(cli.minutes * 60.0)).await;
        stop.store(true, Ordering::Relaxed);
        let faults = tokio::task::spawn_blocking(move || done_rx.recv()).await??;
        let _ = tokio::time::timeout(Duration::from_secs(120), restocking).await;
        for s in shoppers {
            let _ = tokio::time::timeout(Duration::from_secs(120), s).await;
        }
        eprintln!("vici-soak: load stopped; waiting for the shop to settle");
        let settle_started = Instant::now();
        let mut waiting = String::new();
        while settle_started.elapsed() < Duration::from_secs(600) {
            match ledger::unsettled(&db, now_ms()).await? {
                None => break,
                Some(what) => waiting = what,
            }
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
        let settled_in = settle_started.elapsed();
        let acks = tally.acks.lock().unwrap().clone();
        let checks = ledger::check(&db, &before, &acks, began_ms, now_ms()).await?;
        let clean = checks.iter().all(|c| c.broken.is_empty());
        print!(
            "{}",
            report(cli, &faults, &tally, &checks, settled_in, &waiting)
        );
        if clean {
            db.drop_all().await?;
        } else {
            eprintln!(
                "vici-soak: the ledger is not clean; databases kept: {}",
                db.template
            );
        }
        anyhow::Ok(clean)
    })?;
    Ok(clean)
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// The demo catalogue's product ids, from the first page of the listing.
async fn product_ids(shop: &vici_testkit::system::Shop) -> anyhow::Result<Arc<Vec<String>>> {
    let body: Value = shop
        .client
        .get(shop.url("/api/products?limit=50"))
        .header("x-forwarded-for", "10.77.255.1")
        .send()
        .await?
        .json()
        .await?;
    let ids: Vec<String> = body["data"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["id"].as_str().map(String::from))
        .collect();
    anyhow::ensure!(!ids.is_empty(), "the catalogue lists no products: {body}");
    Ok(Arc::new(ids))
}

fn report(
    cli: &Cli,
    faults: &[Fault],
    tally: &Tally,
    checks: &[Check],
    settled_in: Duration,
    waiting: &str,
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### Soak under faults ({} min, {} shoppers, seed {})\n",
        cli.minutes, cli.shoppers, cli.seed
    );
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for f in faults {
        let kind = f.what.split(" (").next().unwrap_or(&f.what).to_string();
        *kinds.entry(kind).or_default() += 1;
    }
    let _ = writeln!(
        out,
        "Faults injected: {} ({}).\n",
        faults.len(),
        kinds
            .iter()
            .map(|(k, n)| format!("{n}× {k}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(out, "| step | answers by status |\n|---|---|");
    let answers = tally.answers.lock().unwrap();
    let mut by_step: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for ((step, status), n) in answers.iter() {
        by_step
            .entry(step)
            .or_default()
            .push(format!("{status}: {n}"));
    }
    for (step, counts) in by_step {
        let _ = writeln!(out, "| {step} | {} |", counts.join(", "));
    }
    let acks = tally.acks.lock().unwrap();
    let _ = writeln!(
        out,
        "\nAcknowledged: {} order events; the shop settled {:.0} s after the load{}.\n",
        acks.len(),
        settled_in.as_secs_f64(),
        if waiting.is_empty() {
            String::new()
        } else {
            format!(" (last waited for: {waiting})")
        }
    );
    let _ = writeln!(out, "| ledger check | looked at | broken |\n|---|---|---|");
    for c in checks {
        let shown: Vec<_> = c.broken.iter().take(5).cloned().collect();
        let detail = if shown.is_empty() {
            "0".to_string()
        } else {
            format!("{}: {}", c.broken.len(), shown.join("; "))
        };
        let _ = writeln!(out, "| {} | {} | {} |", c.name, c.looked_at, detail);
    }
    let _ = writeln!(out, "\nFaults in order:\n");
    for f in faults {
        let _ = writeln!(
            out,
            "- {:>5.0} s: {} ({:.0} s)",
            f.at_secs, f.what, f.lasted_secs
        );
    }
    out
}
