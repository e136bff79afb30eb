//! The conformance suite every bus adapter passes: each case is written once against `SharedBus`
//! and run against the in-process broker and against Kafka at `VICI_TEST_KAFKA` (default
//! 127.0.0.1:9092). An unreachable broker fails the Kafka cases; it never skips them.
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use vici_bus::kafka::KafkaBus;
use vici_bus::memory::MemoryBus;
use vici_bus::topics::TopicSpec;
use vici_bus::{Delivery, SharedBus, Subscription};

const PARTITIONS: i32 = 3;
/// Generous because a Kafka consumer's first delivery waits for its group join.
const RECEIVE_TIMEOUT: Duration = Duration::from_secs(30);

fn memory() -> SharedBus {
    Arc::new(MemoryBus::new(PARTITIONS))
}

async fn kafka() -> SharedBus {
    let brokers = std::env::var("VICI_TEST_KAFKA").unwrap_or_else(|_| "127.0.0.1:9092".into());
    let bus = KafkaBus::connect(&brokers, PARTITIONS)
        .await
        .expect("Kafka clients are created");
    if let Err(e) = vici_bus::Bus::ping(&bus).await {
        panic!(
            "the Kafka conformance cases need a Kafka-protocol broker at {brokers} (set VICI_TEST_KAFKA): {e:#}"
        );
    }
    Arc::new(bus)
}

/// A name no other test or earlier run uses, so cases share one broker without interfering.
fn unique(prefix: &str) -> String {
    format!("conformance-{prefix}-{}", uuid::Uuid::new_v4().simple())
}

fn topic_spec(name: &str) -> TopicSpec {
    // Specs name topics for the life of the process; a test leaks a few short strings.
    TopicSpec {
        name: Box::leak(name.to_owned().into_boxed_str()),
        retention_days: 1,
    }
}

async fn recv(sub: &mut Box<dyn Subscription>) -> Delivery {
    match tokio::time::timeout(RECEIVE_TIMEOUT, sub.next()).await {
        Ok(delivery) => delivery.expect("receiving succeeds"),
        Err(_) => panic!("no delivery within {RECEIVE_TIMEOUT:?}"),
    }
}

async fn recv_n(sub: &mut Box<dyn Subscription>, n: usize) -> Vec<Delivery> {
    let mut got = Vec::with_capacity(n);
    for _ in 0..n {
        got.push(recv(sub).await);
    }
    got
}

fn text(d: &Delivery) -> String {
    String::from_utf8(d.payload.to_vec()).expect("test payloads are UTF-8")
}

async fn publish_all(bus: &SharedBus, topic: &str, messages: &[(String, String)]) {
    for (key, payload) in messages {
        bus.publish(topic, key, payload.as_bytes())
            .await
            .expect("publishing succeeds");
    }
}

/// One message `tag:key` for each of 12 keys, enough to reach every partition.
fn batch(tag: &str) -> Vec<(String, String)> {
    (0..12)
        .map(|i| (format!("key-{i}"), format!("{tag}:key-{i}")))
        .collect()
}

/// Commits `d` if the group still lets this member, and returns its payload. During a rebalance
/// a commit may be refused; the message then comes again, which callers collecting sets absorb.
async fn try_commit(sub: &mut Box<dyn Subscription>, d: Delivery) -> String {
    if let Err(e) = sub.commit(&d).await {
        eprintln!("commit refused (expected around a rebalance): {e:#}");
    }
    text(&d)
}

/// Messages `key:i` for every key, interleaved across keys.
fn interleaved(keys: &[&str], per_key: usize) -> Vec<(String, String)> {
    (0..per_key)
        .flat_map(|i| {
            keys.iter()
                .map(move |k| (k.to_string(), format!("{k}:{i}")))
        })
        .collect()
}

mod cases {
    use super::*;

    pub async fn ping_answers(bus: SharedBus) {
        bus.ping().await.expect("ping succeeds");
    }

    pub async fn messages_of_one_key_arrive_in_order_on_one_partition(bus: SharedBus) {
        let topic = unique("order");
        bus.ensure_topics(&[topic_spec(&topic)]).await.unwrap();
        let keys = ["user-a", "user-b", "user-c", "anon:s1"];
        let sent = interleaved(&keys, 5);
        publish_all(&bus, &topic, &sent).await;

        let mut sub = bus.subscribe(&unique("g"), &[&topic]).await.unwrap();
        let mut by_key: BTreeMap<String, Vec<Delivery>> = BTreeMap::new();
        for d in recv_n(&mut sub, sent.len()).await {
            assert_eq!(d.topic, topic);
            by_key.entry(d.key.clone()).or_default().push(d);
        }
        for key in keys {
            let got = &by_key[key];
            let payloads: Vec<String> = got.iter().map(text).collect();
            let expected: Vec<String> = (0..5).map(|i| format!("{key}:{i}")).collect();
            assert_eq!(payloads, expected, "order of key {key}");
            assert!(
                got.iter().all(|d| d.partition == got[0].partition),
                "key {key} stays on one partition"
            );
            assert!(
                got.windows(2).all(|w| w[0].offset < w[1].offset),
                "offsets grow for key {key}"
            );
        }
    }

    pub async fn a_group_resumes_after_its_last_commit(bus: SharedBus) {
        let topic = unique("commit");
        let group = unique("g");
        bus.ensure_topics(&[topic_spec(&topic)]).await.unwrap();
        publish_all(&bus, &topic, &interleaved(&["order-1"], 3)).await;

        let mut first = bus.subscribe(&group, &[&topic]).await.unwrap();
        let m0 = recv(&mut first).await;
        assert_eq!(text(&m0), "order-1:0");
        first.commit(&m0).await.expect("committing succeeds");
        let m1 = recv(&mut first).await;
        assert_eq!(text(&m1), "order-1:1");
        drop(first); // m1 was never committed

        let mut second = bus.subscribe(&group, &[&topic]).await.unwrap();
        let again = recv(&mut second).await;
        assert_eq!(
            text(&again),
            "order-1:1",
            "the uncommitted message comes back, the committed one does not"
        );
        assert_eq!((again.partition, again.offset), (m1.partition, m1.offset));
        let m2 = recv(&mut second).await;
        assert_eq!(text(&m2), "order-1:2");
        second.commit(&m2).await.expect("committing succeeds");
        drop(second);

        publish_all(&bus, &topic, &[("order-1".into(), "order-1:3".into())]).await;
        let mut third = bus.subscribe(&group, &[&topic]).await.unwrap();
        assert_eq!(
            text(&recv(&mut third).await),
            "order-1:3",
            "a fully committed group sees only new messages"
        );
    }

    pub async fn every_group_receives_every_message(bus: SharedBus) {
        let topic = unique("fanout");
        bus.ensure_topics(&[topic_spec(&topic)]).await.unwrap();
        let sent = interleaved(&["p1", "p2", "p3", "p4"], 3);
        publish_all(&bus, &topic, &sent).await;
        let expected: BTreeSet<String> = sent.iter().map(|(_, p)| p.clone()).collect();

        let mut a = bus.subscribe(&unique("ga"), &[&topic]).await.unwrap();
        let mut b = bus.subscribe(&unique("gb"), &[&topic]).await.unwrap();
        let got_a: BTreeSet<String> = recv_n(&mut a, sent.len()).await.iter().map(text).collect();
        let got_b: BTreeSet<String> = recv_n(&mut b, sent.len()).await.iter().map(text).collect();
        assert_eq!(got_a, expected);
        assert_eq!(got_b, expected);
    }

    pub async fn ensure_topics_is_idempotent_and_uses_the_configured_partitions(bus: SharedBus) {
        let topic = unique("ensure");
        let spec = topic_spec(&topic);
        bus.ensure_topics(&[spec]).await.expect("creating succeeds");
        bus.ensure_topics(&[spec, spec])
            .await
            .expect("ensuring again succeeds");

        let sent: Vec<(String, String)> = (0..30)
            .map(|i| (format!("key-{i}"), format!("m{i}")))
            .collect();
        publish_all(&bus, &topic, &sent).await;
        let mut sub = bus.subscribe(&unique("g"), &[&topic]).await.unwrap();
        let partitions: BTreeSet<i32> = recv_n(&mut sub, sent.len())
            .await
            .iter()
            .map(|d| d.partition)
            .collect();
        assert_eq!(
            partitions,
            (0..PARTITIONS).collect(),
            "30 keys spread over every partition"
        );
    }

    pub async fn publishing_to_a_new_topic_creates_it(bus: SharedBus) {
        let topic = format!("{}.dlq", unique("auto"));
        bus.publish(&topic, "k", b"dead letter")
            .await
            .expect("publishing to a new topic succeeds");
        let mut sub = bus.subscribe(&unique("g"), &[&topic]).await.unwrap();
        let d = recv(&mut sub).await;
        assert_eq!((d.key.as_str(), text(&d).as_str()), ("k", "dead letter"));
    }

    pub async fn subscriptions_of_one_group_share_its_partitions(bus: SharedBus) {
        let topic = unique("share");
        let group = unique("g");
        bus.ensure_topics(&[topic_spec(&topic)]).await.unwrap();
        let mut a = bus.subscribe(&group, &[&topic]).await.unwrap();
        let mut b = bus.subscribe(&group, &[&topic]).await.unwrap();
        let (mut got_a, mut got_b, mut sent) = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
        // Kafka deals partitions to a second member only after a rebalance, so keep feeding
        // batches until both have had work.
        let deadline = Instant::now() + RECEIVE_TIMEOUT;
        for round in 0.. {
            if !got_a.is_empty() && !got_b.is_empty() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "both members received work within {RECEIVE_TIMEOUT:?}"
            );
            let batch = batch(&format!("r{round}"));
            publish_all(&bus, &topic, &batch).await;
            sent.extend(batch.into_iter().map(|(_, p)| p));
            loop {
                tokio::select! {
                    d = a.next() => got_a.insert(try_commit(&mut a, d.unwrap()).await),
                    d = b.next() => got_b.insert(try_commit(&mut b, d.unwrap()).await),
                    _ = tokio::time::sleep(Duration::from_millis(300)) => break,
                };
            }
        }

        drop(a);
        let after = batch("after");
        publish_all(&bus, &topic, &after).await;
        sent.extend(after.into_iter().map(|(_, p)| p));
        // The survivor takes over every partition, including whatever `a` left unreceived.
        while !sent.iter().all(|p| got_a.contains(p) || got_b.contains(p)) {
            let d = recv(&mut b).await;
            got_b.insert(try_commit(&mut b, d).await);
        }
    }

    pub async fn a_subscription_receives_messages_published_after_it_joined(bus: SharedBus) {
        let topic = unique("live");
        bus.ensure_topics(&[topic_spec(&topic)]).await.unwrap();
        let mut sub = bus.subscribe(&unique("g"), &[&topic]).await.unwrap();
        let waiting = tokio::spawn(async move { text(&recv(&mut sub).await) });
        tokio::time::sleep(Duration::from_millis(200)).await;
        bus.publish(&topic, "k", b"later").await.unwrap();
        assert_eq!(waiting.await.unwrap(), "later");
    }
}

/// Runs each case once per adapter: `memory::<case>` and `kafka::<case>`.
macro_rules! conformance {
    ($($case:ident),* $(,)?) => {
        mod memory {
            $(#[tokio::test]
            async fn $case() {
                super::cases::$case(super::memory()).await;
            })*
        }
        mod kafka {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                super::cases::$case(super::kafka().await).await;
            })*
        }
    };
}

conformance!(
    ping_answers,
    messages_of_one_key_arrive_in_order_on_one_partition,
    a_group_resumes_after_its_last_commit,
    every_group_receives_every_message,
    ensure_topics_is_idempotent_and_uses_the_configured_partitions,
    publishing_to_a_new_topic_creates_it,
    subscriptions_of_one_group_share_its_partitions,
    a_subscription_receives_messages_published_after_it_joined,
);

#[path = "conformance/faults.rs"]
mod faults;
