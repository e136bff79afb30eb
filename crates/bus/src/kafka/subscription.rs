//! A consumer group member: receives, commits synchronously, and starts over as a new member
//! when its group membership is lost for good. The soak found that case: after the broker
//! froze past the session timeout, librdkafka revoked the member's partitions and its rejoin
//! never completed (tansu kept the group waiting), so the consumer received nothing ever
//! again, silently. A member revoked and not given an assignment (even an empty one) within
//! [`REJOIN_LIMIT`] is closed and replaced; offsets are the group's, so the new member resumes
//! after the last commit and what was delivered but not committed comes again.
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use rdkafka::client::ClientContext;
use rdkafka::consumer::{
    BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance, StreamConsumer,
};
use rdkafka::error::KafkaError;
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};

use super::client_config;
use crate::{Delivery, Subscription};

/// Longest pause between retries of a receive error librdkafka reports as non-fatal.
const MAX_RECEIVE_BACKOFF: Duration = Duration::from_secs(5);
/// How long a member may wait between losing its partitions and its next assignment. A
/// rebalance takes a few seconds (session 6 s, heartbeats every second); far longer means the
/// rejoin is stuck.
const REJOIN_LIMIT: Duration = Duration::from_secs(30);
/// How long a commit may wait for the group coordinator.
const COMMIT_TIMEOUT: Duration = Duration::from_secs(10);
/// How often a waiting receive looks at the membership.
const MEMBERSHIP_CHECK: Duration = Duration::from_secs(5);

/// Where the member stands in its group, told by librdkafka's rebalance callbacks.
#[derive(Default)]
pub(super) struct Membership {
    /// Since when the member has had its partitions revoked without a new assignment.
    revoked_since: Mutex<Option<Instant>>,
}

impl Membership {
    fn stuck(&self) -> bool {
        let since = self
            .revoked_since
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        since.is_some_and(|t| t.elapsed() > REJOIN_LIMIT)
    }
}

impl ClientContext for Membership {}

impl ConsumerContext for Membership {
    fn post_rebalance(&self, _: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        let mut since = self
            .revoked_since
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
}

/// A new member of `group` subscribed to `topics`.
fn join(brokers: &str, group: &str, topics: &[String]) -> anyhow::Result<Member> {
    let consumer: Member = client_config(brokers)
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        .set("auto.offset.reset", "earliest")
        // Kafka's lowest allowed session timeout by default: a crashed member's partitions
        // move on quickly. Heartbeats carry the news of a rebalance, so a shorter interval
        // than the default 3 s lets members rejoin promptly when another joins.
        .set("session.timeout.ms", "6000")
        .set("heartbeat.interval.ms", "1000")
        .create_with_context(Membership::default())
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
        })
    }

    fn consumer(&self) -> &Arc<Member> {
        self.consumer
            .as_ref()
            .expect("the consumer lives until drop")
    }

    /// Closes the stuck member and joins again as a new one.
    fn rejoin(&mut self) -> anyhow::Result<()> {
        let fresh = join(&self.brokers, &self.group, &self.topics)?;
        tracing::warn!(group = %self.group, "Kafka group membership lost for good; rejoined as a new member");
        close(self.consumer.replace(Arc::new(fresh)));
        Ok(())
    }

    /// The next message, or the error librdkafka reported, checking the membership meanwhile.
    async fn receive(&mut self) -> anyhow::Result<Result<Delivery, KafkaError>> {
        loop {
            let consumer = self.consumer().clone();
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
                Some(result) => return Ok(result),
                None if consumer.context().stuck() => self.rejoin()?,
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
            .context("building the commit request")?;
        let consumer = self.consumer().clone();
        // A synchronous commit so that, once this returns, a new member resumes after it; it
        // blocks its thread until the coordinator answers — bounded, because a coordinator that
        // never answers (a frozen broker) would otherwise stop the consumer for good: the
        // caller goes on, and the event comes again if the commit was lost.
        let commit =
            tokio::task::spawn_blocking(move || consumer.commit(&offsets, CommitMode::Sync));
        tokio::time::timeout(COMMIT_TIMEOUT, commit)
            .await
            .map_err(|_| anyhow::anyhow!("no answer to a commit within {COMMIT_TIMEOUT:?}"))?
            .context("the Kafka commit task failed")?
            .with_context(|| {
                format!(
                    "committing {}/{}@{} for group `{}`",
                    delivery.topic, delivery.partition, delivery.offset, self.group
                )
            })
    }
}

/// Dropping a consumer leaves the group (so its partitions move at once rather than after the
/// session timeout), which blocks until the coordinator answers: done on a blocking thread.
fn close(consumer: Option<Arc<Member>>) {
    let Some(consumer) = consumer else {
        return;
    };
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        runtime.spawn_blocking(move || drop(consumer));
    }
}

impl Drop for KafkaSubscription {
    fn drop(&mut self) {
        close(self.consumer.take());
    }
}
