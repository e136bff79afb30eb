//! A consumer group member: receives, stores the offsets its caller commits for librdkafka to
//! send in batches (every [`COMMIT_INTERVAL`], on a rebalance and on leaving), and starts over
//! as a new member (leaving, then joining again) when its group stops working for it. The
//! soak found two such cases with tansu: a member whose partitions were revoked, or that just
//! joined, and that is never given an assignment (even an empty one) within [`REJOIN_LIMIT`];
//! and a group that stands still behind waiting messages for [`progress::STALL_LIMIT`] while
//! this member has nothing to receive (`progress`). Offsets are the group's, so the new member resumes after
//! the last commit, and what was delivered but not committed comes again.
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use rdkafka::client::ClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext, Rebalance, StreamConsumer};
use rdkafka::error::KafkaError;
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};

use super::client_config;
use super::progress::{self, StallWatch};
use crate::{Delivery, Subscription};

/// Longest pause between retries of a receive error librdkafka reports as non-fatal.
const MAX_RECEIVE_BACKOFF: Duration = Duration::from_secs(5);
/// How long a member may wait for an assignment, after joining or after losing its
/// partitions. A rebalance takes a few seconds (session 6 s, heartbeats every second); far
/// longer means the join is stuck.
const REJOIN_LIMIT: Duration = Duration::from_secs(30);
/// How often stored offsets are sent to the group coordinator. What a crash loses is at most
/// this much of progress: those events come again, and consumers de-duplicate them.
const COMMIT_INTERVAL: Duration = Duration::from_millis(1000);
/// How often a waiting receive looks at the membership.
const MEMBERSHIP_CHECK: Duration = Duration::from_secs(5);
/// How long leaving the group may take before the new member joins anyway.
const LEAVE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long reading the group's position may take (a few broker requests of up to 5 s each);
/// a look that takes longer proves nothing either way.
const POSITION_TIMEOUT: Duration = Duration::from_secs(30);

/// Where the member stands in its group, told by librdkafka's rebalance callbacks.
pub(super) struct Membership {
    /// Since when the member has had no partitions assigned: since it was created, or since
    /// its partitions were revoked. An assignment (even an empty one) clears it.
    unassigned_since: Mutex<Option<Instant>>,
}

impl Membership {
    fn joining() -> Self {
        Self {
            unassigned_since: Mutex::new(Some(Instant::now())),
        }
    }

    fn stuck(&self) -> bool {
        let since = self
            .unassigned_since
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        since.is_some_and(|t| t.elapsed() > REJOIN_LIMIT)
    }
}

impl ClientContext for Membership {}

impl ConsumerContext for Membership {
    fn post_rebalance(&self, _: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        let mut since = self
            .unassigned_since
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        match rebalance {
            Rebalance::Revoke(_) => *since = since.or(Some(Instant::now())),
            Rebalance::Assign(_) => *since = None,
            Rebalance::Error(_) => {}
        }
    }
}

type Member = StreamConsumer<Membership>;

pub(super) struct KafkaSubscription {
    /// Taken on drop (or replacement), to close the consumer off the async threads.
    consumer: Option<Arc<Member>>,
    brokers: String,
    group: String,
    topics: Vec<String>,
    stall: StallWatch,
}

/// A new member of `group` subscribed to `topics`.
fn join(brokers: &str, group: &str, topics: &[String]) -> anyhow::Result<Member> {
    let consumer: Member = client_config(brokers)
        .set("group.id", group)
        // Offsets are stored by `commit` and sent by librdkafka every COMMIT_INTERVAL, when the
        // partitions are revoked and when the member leaves: one request to the broker per
        // interval instead of one synchronous round trip per event (issue 18: a PostgreSQL
        // checkout made about thirty, and the broker's CPU was a fifth of the machine's).
        .set("enable.auto.commit", "true")
        .set(
            "auto.commit.interval.ms",
            COMMIT_INTERVAL.as_millis().to_string(),
        )
        .set("enable.auto.offset.store", "false")
        .set("auto.offset.reset", "earliest")
        // Kafka's lowest allowed session timeout by default: a crashed member's partitions
        // move on quickly. Heartbeats carry the news of a rebalance, so a shorter interval
        // than the default 3 s lets members rejoin promptly when another joins.
        .set("session.timeout.ms", "6000")
        .set("heartbeat.interval.ms", "1000")
        // How long the broker may hold a fetch that found nothing new. The default 500 ms
        // was the whole latency of a quiet topic (a password-reset mail or an in-app
        // notification took ~490 ms on Kafka against 75 ms in process: bench/RESULTS.md).
        .set("fetch.wait.max.ms", "50")
        .create_with_context(Membership::joining())
        .with_context(|| format!("creating a Kafka consumer for group `{group}` at {brokers}"))?;
    let names: Vec<&str> = topics.iter().map(String::as_str).collect();
    consumer
        .subscribe(&names)
        .with_context(|| format!("subscribing group `{group}` to {}", names.join(", ")))?;
    Ok(consumer)
}

impl KafkaSubscription {
    pub(super) fn new(brokers: &str, group: &str, topics: &[&str]) -> anyhow::Result<Self> {
        let topics: Vec<String> = topics.iter().map(|t| t.to_string()).collect();
        Ok(Self {
            consumer: Some(Arc::new(join(brokers, group, &topics)?)),
            brokers: brokers.to_owned(),
            group: group.to_owned(),
            topics,
            stall: StallWatch::default(),
        })
    }

    fn consumer(&self) -> anyhow::Result<Arc<Member>> {
        self.consumer.clone().with_context(|| {
            format!(
                "group `{}`: the member left and could not join again",
                self.group
            )
        })
    }

    /// Leaves the group, then joins it again as a new member. In that order: a member that
    /// joined while its predecessor was still listed saw tansu keep the predecessor as the
    /// group's leader after it left, and wait for it for good.
    async fn rejoin(&mut self, why: &str) -> anyhow::Result<()> {
        tracing::warn!(group = %self.group, why, "Kafka group member starting over as a new member");
        if let Some(left) = close(self.consumer.take())
            && tokio::time::timeout(LEAVE_TIMEOUT, left).await.is_err()
        {
            tracing::warn!(group = %self.group, "leaving the group took longer than {LEAVE_TIMEOUT:?}; joining anyway");
        }
        self.consumer = Some(Arc::new(join(&self.brokers, &self.group, &self.topics)?));
        self.stall.moved();
        Ok(())
    }

    /// Whether the group stood still behind waiting messages since the last look.
    async fn group_stalled(&mut self, consumer: Arc<Member>) -> bool {
        let topics = self.topics.clone();
        let read = tokio::task::spawn_blocking(move || progress::read(consumer.as_ref(), &topics));
        match tokio::time::timeout(POSITION_TIMEOUT, read).await {
            Ok(Ok(Ok(position))) => self.stall.stalled(position),
            Ok(Ok(Err(e))) => {
                tracing::debug!(group = %self.group, error = %format!("{e:#}"), "could not read the group's position");
                false
            }
            _ => false,
        }
    }

    /// The next message, or the error librdkafka reported, watching the membership meanwhile.
    async fn receive(&mut self) -> anyhow::Result<Result<Delivery, KafkaError>> {
        loop {
            let consumer = self.consumer()?;
            let received = tokio::select! {
                m = consumer.recv() => Some(m.map(|m| Delivery {
                    topic: m.topic().to_owned(),
                    partition: m.partition(),
                    offset: m.offset(),
                    key: String::from_utf8_lossy(m.key().unwrap_or_default()).into_owned(),
                    payload: bytes::Bytes::copy_from_slice(m.payload().unwrap_or_default()),
                })),
                _ = tokio::time::sleep(MEMBERSHIP_CHECK) => None,
            };
            match received {
                Some(result) => {
                    self.stall.moved();
                    return Ok(result);
                }
                None if consumer.context().stuck() => {
                    self.rejoin("no assignment for too long").await?
                }
                None if self.stall.due() && self.group_stalled(consumer).await => {
                    self.rejoin("the group makes no progress while messages wait")
                        .await?
                }
                None => {}
            }
        }
    }
}

#[async_trait::async_trait]
impl Subscription for KafkaSubscription {
    // Cancel-safe: `recv` is, and the waits hold no message.
    async fn next(&mut self) -> anyhow::Result<Delivery> {
        let mut backoff = Duration::from_millis(100);
        loop {
            match self.receive().await? {
                Ok(delivery) => return Ok(delivery),
                // librdkafka reports consumer errors as informational unless fatal: it keeps
                // fetching (e.g. while a new topic's metadata propagates), so we wait with it
                // rather than make the caller rejoin the group.
                Err(KafkaError::MessageConsumption(code)) => {
                    tracing::warn!(group = %self.group, error = %code, "Kafka receive error; retrying");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_RECEIVE_BACKOFF);
                }
                Err(KafkaError::PartitionEOF(_)) => {}
                Err(e) => {
                    return Err(e).with_context(|| {
                        format!("receiving from Kafka for group `{}`", self.group)
                    });
                }
            }
        }
    }

    async fn commit(&mut self, delivery: &Delivery) -> anyhow::Result<()> {
        let mut offsets = TopicPartitionList::new();
        offsets
            .add_partition_offset(
                &delivery.topic,
                delivery.partition,
                Offset::Offset(delivery.offset + 1),
            )
            .context("building the offset to store")?;
        // Local and immediate: librdkafka sends it with the next batch, and refuses it when
        // the partition is no longer this member's (the new owner then gets the delivery).
        self.consumer()?.store_offsets(&offsets).with_context(|| {
            format!(
                "storing {}/{}@{} for group `{}`",
                delivery.topic, delivery.partition, delivery.offset, self.group
            )
        })
    }
}

/// Dropping a consumer leaves the group (so its partitions move at once rather than after the
/// session timeout), which blocks until the coordinator answers — for good when the broker is
/// gone. So the drop runs on a thread of its own, waited for by a blocking task for at most
/// [`LEAVE_TIMEOUT`]: a runtime shutting down waits for its blocking tasks, and must not wait
/// for a broker that will never answer (a test runtime hung so once its private broker had
/// stopped). Returns the task, for a caller that waits until the member has left.
fn close(consumer: Option<Arc<Member>>) -> Option<tokio::task::JoinHandle<()>> {
    let consumer = consumer?;
    let runtime = tokio::runtime::Handle::try_current().ok()?;
    Some(runtime.spawn_blocking(move || {
        let (left, leaving) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            drop(consumer);
            let _ = left.send(());
        });
        if leaving.recv_timeout(LEAVE_TIMEOUT).is_err() {
            tracing::warn!(
                "a Kafka group member did not leave within {LEAVE_TIMEOUT:?}; left behind"
            );
        }
    }))
}

impl Drop for KafkaSubscription {
    fn drop(&mut self) {
        let _ = close(self.consumer.take());
    }
}
