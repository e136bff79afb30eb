//! Unit tests of the in-process broker's partitioning, retention and partition sharing; the
//! behaviour it shares with Kafka is in tests/conformance.
use std::collections::BTreeSet;
use std::time::Duration;

use super::*;

async fn recv(sub: &mut Box<dyn Subscription>) -> Delivery {
    tokio::time::timeout(Duration::from_secs(2), sub.next())
        .await
        .expect("a delivery within 2 s")
        .unwrap()
}

async fn assert_idle(sub: &mut Box<dyn Subscription>) {
    let got = tokio::time::timeout(Duration::from_millis(50), sub.next()).await;
    assert!(got.is_err(), "expected no delivery, got {:?}", got.unwrap());
}

/// A key for each partition of a topic with `partitions` partitions.
fn key_per_partition(partitions: i32) -> Vec<String> {
    (0..partitions)
        .map(|p| {
            (0..)
                .map(|i| format!("k{i}"))
                .find(|k| partition_for(k, partitions) == p)
                .unwrap()
        })
        .collect()
}

#[test]
fn keys_hash_stably_into_range_and_spread() {
    assert_eq!(partition_for("order-1", 3), partition_for("order-1", 3));
    let hit: BTreeSet<i32> = (0..100)
        .map(|i| partition_for(&format!("user-{i}"), 3))
        .collect();
    assert_eq!(hit, BTreeSet::from([0, 1, 2]));
    assert_eq!(
        partition_for("anything", 0),
        0,
        "a non-positive count acts as one partition"
    );
}

#[tokio::test]
async fn one_key_lands_on_one_partition_in_order() {
    let bus = MemoryBus::new(3);
    for i in 0..5 {
        bus.publish("t", "user-7", format!("{i}").as_bytes())
            .await
            .unwrap();
    }
    let p = partition_for("user-7", 3);
    assert_eq!(bus.retained_range("t", p), Some((0, 5)));
    let mut sub = bus.subscribe("g", &["t"]).await.unwrap();
    for i in 0..5 {
        let d = recv(&mut sub).await;
        assert_eq!((d.partition, d.offset, d.key.as_str()), (p, i, "user-7"));
        assert_eq!(d.payload, format!("{i}").as_bytes());
    }
}

#[tokio::test]
async fn retention_drops_the_oldest_and_lagging_groups_resume_at_the_oldest_kept() {
    let bus = MemoryBus::with_retention(1, 3);
    let mut sub = bus.subscribe("g", &["t"]).await.unwrap();
    bus.publish("t", "k", b"0").await.unwrap();
    let first = recv(&mut sub).await;
    sub.commit(&first).await.unwrap();
    drop(sub);
    for i in 1..6 {
        bus.publish("t", "k", i.to_string().as_bytes())
            .await
            .unwrap();
    }
    assert_eq!(
        bus.retained_range("t", 0),
        Some((3, 6)),
        "offsets keep counting after a drop"
    );
    let mut sub = bus.subscribe("g", &["t"]).await.unwrap();
    let offsets = [
        recv(&mut sub).await.offset,
        recv(&mut sub).await.offset,
        recv(&mut sub).await.offset,
    ];
    assert_eq!(offsets, [3, 4, 5]);
    assert_idle(&mut sub).await;
}

#[tokio::test]
async fn members_of_a_group_share_its_partitions() {
    let bus = MemoryBus::new(4);
    let mut a = bus.subscribe("g", &["t"]).await.unwrap();
    let mut b = bus.subscribe("g", &["t"]).await.unwrap();
    for key in key_per_partition(4) {
        bus.publish("t", &key, b"x").await.unwrap();
    }
    let a_parts = BTreeSet::from([recv(&mut a).await.partition, recv(&mut a).await.partition]);
    let b_parts = BTreeSet::from([recv(&mut b).await.partition, recv(&mut b).await.partition]);
    assert_eq!(a_parts, BTreeSet::from([0, 2]));
    assert_eq!(b_parts, BTreeSet::from([1, 3]));
    assert_idle(&mut a).await;
    assert_idle(&mut b).await;
}

#[tokio::test]
async fn a_leaving_member_hands_its_uncommitted_deliveries_over() {
    let bus = MemoryBus::new(2);
    let keys = key_per_partition(2);
    let mut a = bus.subscribe("g", &["t"]).await.unwrap();
    let mut b = bus.subscribe("g", &["t"]).await.unwrap();
    bus.publish("t", &keys[0], b"m").await.unwrap();
    let got = recv(&mut a).await;
    assert_eq!(got.partition, 0);
    assert_idle(&mut b).await;
    drop(a);
    let again = recv(&mut b).await;
    assert_eq!((again.partition, again.offset), (got.partition, got.offset));
}

#[tokio::test]
async fn a_member_cannot_commit_a_partition_it_lost() {
    let bus = MemoryBus::new(2);
    let keys = key_per_partition(2);
    let mut a = bus.subscribe("g", &["t"]).await.unwrap();
    bus.publish("t", &keys[1], b"m").await.unwrap();
    let got = recv(&mut a).await;
    let mut b = bus.subscribe("g", &["t"]).await.unwrap();
    let err = a.commit(&got).await.unwrap_err();
    assert!(err.to_string().contains("reassigned"), "{err}");
    assert_eq!(recv(&mut b).await.offset, got.offset);
}

#[tokio::test]
async fn next_sleeps_until_a_publish_wakes_it() {
    let bus = MemoryBus::new(1);
    let mut sub = bus.subscribe("g", &["t"]).await.unwrap();
    let waiter = tokio::spawn(async move { recv(&mut sub).await });
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert!(!waiter.is_finished());
    bus.publish("t", "k", b"late").await.unwrap();
    assert_eq!(waiter.await.unwrap().payload, &b"late"[..]);
}

#[tokio::test]
async fn busy_partitions_do_not_starve_the_others() {
    let bus = MemoryBus::new(2);
    let keys = key_per_partition(2);
    for _ in 0..10 {
        bus.publish("t", &keys[0], b"busy").await.unwrap();
    }
    bus.publish("t", &keys[1], b"quiet").await.unwrap();
    let mut sub = bus.subscribe("g", &["t"]).await.unwrap();
    let first_two = BTreeSet::from([
        recv(&mut sub).await.partition,
        recv(&mut sub).await.partition,
    ]);
    assert_eq!(first_two, BTreeSet::from([0, 1]));
}

/// Publishes "0", "1", … to topic `t` under one key.
async fn publish_numbered(bus: &MemoryBus, n: usize) {
    for i in 0..n {
        bus.publish("t", "k", i.to_string().as_bytes())
            .await
            .unwrap();
    }
}

/// Reads and commits `n` deliveries.
async fn read_and_commit(sub: &mut Box<dyn Subscription>, n: usize) {
    for _ in 0..n {
        let d = recv(sub).await;
        sub.commit(&d).await.unwrap();
    }
}

#[tokio::test]
async fn messages_every_reader_committed_are_dropped_beyond_a_recent_tail() {
    let bus = MemoryBus::new(1);
    let mut fast = bus.subscribe("fast", &["t"]).await.unwrap();
    let mut slow = bus.subscribe("slow", &["t"]).await.unwrap();
    let _elsewhere = bus.subscribe("other-topic", &["u"]).await.unwrap();
    let total = KEPT_AFTER_READ + 50;
    publish_numbered(&bus, total).await;
    read_and_commit(&mut fast, total).await;
    assert_eq!(
        bus.retained_range("t", 0),
        Some((0, total as i64)),
        "nothing the slow group has not committed is dropped"
    );
    read_and_commit(&mut slow, 20).await;
    assert_eq!(bus.retained_range("t", 0), Some((20, total as i64)));
    read_and_commit(&mut slow, total - 20).await;
    assert_eq!(
        bus.retained_range("t", 0),
        Some((50, total as i64)),
        "the last messages stay for groups that join later"
    );
    let mut late = bus.subscribe("late", &["t"]).await.unwrap();
    assert_eq!(recv(&mut late).await.offset, 50);
}

#[tokio::test]
async fn a_group_without_members_does_not_hold_messages_back() {
    let bus = MemoryBus::new(1);
    let gone = bus.subscribe("gone", &["t"]).await.unwrap();
    let mut reader = bus.subscribe("reader", &["t"]).await.unwrap();
    drop(gone);
    let total = KEPT_AFTER_READ + 5;
    publish_numbered(&bus, total).await;
    read_and_commit(&mut reader, total).await;
    assert_eq!(bus.retained_range("t", 0), Some((5, total as i64)));
}
