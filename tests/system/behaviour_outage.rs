//! Behaviour events while the broker is away (a private tansu, frozen with SIGSTOP): a minute's
//! freeze under a steady load of tracked events loses none and publishes none twice, and the
//! pages never wait for the broker; the event service killed with events in its spool delivers
//! them after its restart (`vici up` as a whole in the embedded run). Each test boots a shop of
//! its own in the run's mode.
use std::collections::HashMap;
use std::time::{Duration, Instant};

use vici_testkit::system::{Broker, Mode, OwnShop, Shop, arrivals, clicks};

use crate::resilience::wait_healthy;

/// How long the broker stays frozen under load.
const FREEZE: Duration = Duration::from_secs(60);
/// Events per batch of the load, and the pause between batches: about 100 events a second.
const PER_BATCH: usize = 10;
const PACE: Duration = Duration::from_millis(100);
/// No page may take this long while the broker is frozen: one that waited on the broker would
/// take the whole freeze (or the Kafka adapter's 150 s delivery timeout); a busy machine's
/// slowest page is far below it.
const BROKER_WAIT: Duration = Duration::from_secs(10);
/// How long the events may take to arrive once the broker is back.
const DELIVERY: Duration = Duration::from_secs(180);

/// What the load did: the ids of the accepted events, and each page's latency with whether it
/// was served during the freeze.
#[derive(Default)]
struct Load {
    accepted: Vec<String>,
    pages: Vec<(Duration, bool)>,
}

/// Posts a batch of tracked events and opens a product page, again and again, until `stop`.
async fn steady_load(
    shop: &Shop,
    product: &str,
    frozen: &std::sync::atomic::AtomicBool,
    stop: &tokio::sync::Notify,
) -> Load {
    let mut load = Load::default();
    let page = format!("/api/products/{product}");
    loop {
        let (ids, batch) = clicks(PER_BATCH, product, "load");
        let answer = shop.post_json("/api/events/batch", &batch).await;
        assert_eq!(answer.status, 202, "{}", answer.body);
        assert_eq!(answer.data()["accepted"], PER_BATCH, "{}", answer.body);
        load.accepted.extend(ids);
        let during = frozen.load(std::sync::atomic::Ordering::SeqCst);
        let started = Instant::now();
        let served = shop.get(&page).await;
        assert_eq!(served.status, 200, "{}", served.body);
        load.pages.push((started.elapsed(), during));
        tokio::select! {
            _ = stop.notified() => return load,
            _ = tokio::time::sleep(PACE) => {}
        }
    }
}

/// How many times each id arrived on `user-events` of the broker at `address`; every one of
/// `ids` must come within [`DELIVERY`].
async fn delivered(address: &str, ids: &[String]) -> HashMap<String, usize> {
    let quiet = Duration::from_secs(5);
    arrivals(address, "user-events", ids, DELIVERY, quiet)
        .await
        .unwrap_or_else(|seen| {
            let missing = ids.iter().filter(|id| !seen.contains_key(*id)).count();
            panic!("{missing} of {} events never arrived", ids.len())
        })
}

async fn boot(broker: &Broker) -> OwnShop {
    let bus = format!("kafka://{}", broker.address);
    OwnShop::boot(Mode::from_env(), &[("VICI_BUS_URL", &bus)]).await
}

async fn a_product(shop: &Shop) -> String {
    let found = shop.get("/api/products/slug/logitech-mx-master-3s").await;
    found.data()["id"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_minute_without_the_broker_loses_no_event_and_doubles_none() {
    let broker = Broker::start();
    let shop = boot(&broker).await;
    let product = a_product(&shop).await;
    let frozen = std::sync::atomic::AtomicBool::new(false);
    let stop = tokio::sync::Notify::new();
    let outage = async {
        tokio::time::sleep(Duration::from_secs(3)).await;
        frozen.store(true, std::sync::atomic::Ordering::SeqCst);
        broker.pause();
        tokio::time::sleep(FREEZE).await;
        broker.resume();
        frozen.store(false, std::sync::atomic::Ordering::SeqCst);
        tokio::time::sleep(Duration::from_secs(3)).await;
        stop.notify_one();
    };
    let (load, ()) = tokio::join!(steady_load(&shop, &product, &frozen, &stop), outage);
    let slowest = load
        .pages
        .iter()
        .filter(|(_, during)| *during)
        .map(|(t, _)| *t)
        .max()
        .unwrap();
    assert!(
        slowest < BROKER_WAIT,
        "a page waited {slowest:?} while the broker was frozen"
    );
    let seen = delivered(&broker.address, &load.accepted).await;
    let twice: Vec<_> = load.accepted.iter().filter(|id| seen[*id] > 1).collect();
    assert!(
        twice.is_empty(),
        "{} of {} published more than once",
        twice.len(),
        load.accepted.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_in_the_spool_of_a_killed_event_service_are_delivered_after_its_restart() {
    let broker = Broker::start();
    let shop = boot(&broker).await;
    let product = a_product(&shop).await;
    broker.pause();
    let mut accepted = Vec::new();
    for _ in 0..20 {
        let (ids, batch) = clicks(PER_BATCH, &product, "crash");
        let answer = shop.post_json("/api/events/batch", &batch).await;
        assert_eq!(answer.status, 202, "{}", answer.body);
        accepted.extend(ids);
    }
    let victim = match shop.deployment.mode {
        Mode::Distributed => "event",
        Mode::Embedded => "up",
    };
    shop.deployment.kill(victim);
    // A service opens the bus when it starts, so it is started again once the broker is back.
    broker.resume();
    shop.deployment.restart(victim);
    wait_healthy(&shop).await;
    let seen = delivered(&broker.address, &accepted).await;
    assert!(accepted.iter().all(|id| seen.contains_key(id)));
}
