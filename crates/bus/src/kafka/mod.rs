//! The Kafka adapter (any Kafka-protocol broker, e.g. Apache Kafka, Redpanda, tansu): an
//! idempotent producer, consumer-group subscriptions whose commits are stored per event and
//! sent in batches, and topic creation through the admin API.
//!
//! Broker findings that shaped it (tansu 0.6, our test broker, with librdkafka 2.12):
//! - tansu does not auto-create topics: a produce to an unknown topic just times out. So the
//!   adapter creates a topic the first time this process publishes or subscribes to it (as the
//!   in-process broker does), treating "already exists" as success. Behaviour thus never hangs
//!   on a broker's `auto.create.topics.enable`.
//! - The idempotent producer, consumer groups, offset commits, CreateTopics with replication
//!   factor -1 and `retention.ms` all work against it.
//! - Its fetch always waits the whole `fetch.wait.max.ms`, data or not, and its memory storage
//!   lists every stored batch of a partition per fetch, so a fetch costs more the more the
//!   broker holds (docs/performance.md §3). Apache Kafka answers as soon as data is there.
//! - A member joining a group that already has one waits about 3 s for the rebalance before its
//!   first delivery; a member that leaves cleanly hands its partitions over in under a second.
//! - With `memory://` storage, topics, messages and committed offsets vanish when it restarts.
//! - After the broker freezes past a delivery's timeout, every later send of the idempotent
//!   producer is answered ProducerFenced, and a member whose session expired meanwhile never
//!   completes its rejoin: the producer is replaced (`renew_if_dead`) and the member rejoins as
//!   a new one (`subscription`).
use std::collections::HashSet;
use std::sync::{Mutex, PoisonError, RwLock};
use std::time::Duration;

use anyhow::{Context as _, bail};
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};

use crate::topics::{self, TopicSpec};
use crate::{Bus, Outgoing, Subscription};

mod progress;
mod subscription;
use subscription::KafkaSubscription;

/// How long a publish may wait for the broker's acknowledgement (librdkafka retries inside it,
/// with the same producer id and sequence numbers, which the broker deduplicates). Long on
/// purpose: a send given up on while the broker is frozen may still land when it thaws (its
/// request waits in the broker's socket), so giving up early and sending again publishes twice.
/// A broker away for up to this long thus costs no duplicate (measured with a 60 s freeze:
/// 10 s gave 7 duplicates in 6 110 events, this none; docs/decisions.md).
pub const DELIVERY_TIMEOUT: Duration = Duration::from_secs(150);
/// How long topic creation may take.
const ADMIN_TIMEOUT: Duration = Duration::from_secs(10);
/// How long `/ready` waits for the broker's metadata.
const PING_TIMEOUT: Duration = Duration::from_secs(3);
/// Retention of a topic events.md does not list (a `.dlq` topic keeps its source's retention).
const DEFAULT_RETENTION_DAYS: u32 = 7;

pub struct KafkaBus {
    brokers: String,
    partitions: i32,
    delivery_timeout: Duration,
    /// Replaced when librdkafka declares it dead (see [`KafkaBus::renew_if_fatal`]).
    producer: RwLock<FutureProducer>,
    admin: AdminClient<DefaultClientContext>,
    /// Topics known to exist, so only a topic's first use costs a create request.
    known_topics: Mutex<HashSet<String>>,
}

impl KafkaBus {
    /// Clients for the comma-separated `host:port` list `brokers`; topics it creates get
    /// `partitions` partitions. No connection is made yet: [`Bus::ping`] tells whether the
    /// broker answers, so a service can start before its broker and report not-ready meanwhile.
    pub async fn connect(brokers: &str, partitions: i32) -> anyhow::Result<Self> {
        if brokers.trim().is_empty() {
            bail!("the Kafka bus URL names no broker (expected kafka://host:port,…)");
        }
        let producer = new_producer(brokers, DELIVERY_TIMEOUT)?;
        let admin = client_config(brokers)
            .create()
            .with_context(|| format!("creating the Kafka admin client for {brokers}"))?;
        Ok(Self {
            brokers: brokers.to_owned(),
            partitions: partitions.max(1),
            delivery_timeout: DELIVERY_TIMEOUT,
            producer: RwLock::new(producer),
            admin,
            known_topics: Mutex::default(),
        })
    }

    /// The same bus with deliveries given up after `timeout` (a test of what follows).
    pub fn with_delivery_timeout(mut self, timeout: Duration) -> anyhow::Result<Self> {
        self.delivery_timeout = timeout;
        self.producer = RwLock::new(new_producer(&self.brokers, timeout)?);
        Ok(self)
    }

    fn producer(&self) -> FutureProducer {
        self.producer
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Replaces `failed` with a new producer when it cannot send again: librdkafka declared it
    /// dead, or the broker fenced it. An idempotent producer whose deliveries timed out in
    /// flight (a broker frozen past its delivery timeout) must bump its epoch, and a broker that
    /// refuses that (tansu answers ProducerFenced to every later send) would leave the outbox
    /// unpublished for good. A new producer gets a new id; what the old one may have delivered
    /// is sent again, which the consumers' de-duplication absorbs.
    fn renew_if_dead(&self, failed: &FutureProducer, error: &KafkaError) {
        let fenced = error.rdkafka_error_code() == Some(RDKafkaErrorCode::ProducerFenced);
        if !fenced && failed.client().fatal_error().is_none() {
            return;
        }
        let mut current = self
            .producer
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        // Another publish may have replaced it already.
        if current.client().native_ptr() != failed.client().native_ptr() {
            return;
        }
        match new_producer(&self.brokers, self.delivery_timeout) {
            Ok(fresh) => {
                tracing::warn!(error = %error, "the Kafka producer cannot send again; replaced it");
                *current = fresh;
            }
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "the Kafka producer could not be replaced")
            }
        }
    }

    /// Creates those of `topics` this process has not yet seen exist. A failure (e.g. no right
    /// to create topics on a cluster whose topics are pre-provisioned) is only logged: the
    /// publish or subscribe that follows fails on its own if a topic is really missing.
    async fn create_unseen(&self, topics: &[&str]) {
        let unknown: Vec<(&str, u32)> = {
            let known = self
                .known_topics
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            topics
                .iter()
                .filter(|t| !known.contains(**t))
                .map(|t| (*t, retention_days_of(t)))
                .collect()
        };
        if unknown.is_empty() {
            return;
        }
        if let Err(e) = self.create_topics(&unknown).await {
            tracing::warn!(error = %format!("{e:#}"), "could not ensure Kafka topics; going on");
        }
    }

    /// Hands one message to the producer and waits for the broker's acknowledgement.
    async fn send(&self, topic: &str, key: &str, payload: &[u8]) -> anyhow::Result<()> {
        // Dead letters wrap an event with its error, so they are plain JSON, not CloudEvents.
        let content_type = if topic.ends_with(".dlq") {
            "application/json"
        } else {
            "application/cloudevents+json"
        };
        let headers = OwnedHeaders::new().insert(Header {
            key: "content-type",
            value: Some(content_type),
        });
        let record = FutureRecord::to(topic)
            .key(key)
            .payload(payload)
            .headers(headers);
        // librdkafka ends the delivery at message.timeout.ms; the outer bound only guards against
        // a report that never comes.
        let producer = self.producer();
        let sent = tokio::time::timeout(
            self.delivery_timeout + Duration::from_secs(5),
            producer.send(record, self.delivery_timeout),
        )
        .await;
        if let Ok(Err((e, _))) = &sent {
            self.renew_if_dead(&producer, e);
        }
        match sent {
            Ok(Ok(_)) => Ok(()),
            Ok(Err((e, _))) => Err(e).with_context(|| {
                format!("publishing to Kafka topic `{topic}` at {}", self.brokers)
            }),
            Err(_) => bail!(
                "publishing to Kafka topic `{topic}` at {}: no delivery report",
                self.brokers
            ),
        }
    }

    /// Creates each `(name, retention days)` of `specs` that does not exist yet.
    async fn create_topics(&self, specs: &[(&str, u32)]) -> anyhow::Result<()> {
        // librdkafka refuses a request naming a topic twice ("Bad message format").
        let mut seen = HashSet::new();
        let specs: Vec<(&str, u32)> = specs
            .iter()
            .copied()
            .filter(|(name, _)| seen.insert(*name))
            .collect();
        let retention: Vec<String> = specs
            .iter()
            .map(|(_, days)| (u64::from(*days) * 86_400_000).to_string())
            .collect();
        let new_topics: Vec<NewTopic> = specs
            .iter()
            .zip(&retention)
            // Replication -1 takes the broker's default.replication.factor, right for a
            // one-node test broker and a three-node cluster alike.
            .map(|((name, _), ms)| {
                NewTopic::new(name, self.partitions, TopicReplication::Fixed(-1))
                    .set("retention.ms", ms)
            })
            .collect();
        let options = AdminOptions::new()
            .operation_timeout(Some(ADMIN_TIMEOUT))
            .request_timeout(Some(ADMIN_TIMEOUT));
        let names = || {
            specs
                .iter()
                .map(|(name, _)| *name)
                .collect::<Vec<_>>()
                .join(", ")
        };
        let results = tokio::time::timeout(
            ADMIN_TIMEOUT + Duration::from_secs(2),
            self.admin.create_topics(&new_topics, &options),
        )
        .await
        .map_err(|_| {
            anyhow::anyhow!(
                "Kafka at {} did not answer within {ADMIN_TIMEOUT:?}",
                self.brokers
            )
        })
        .and_then(|r| Ok(r?))
        .with_context(|| format!("creating Kafka topics {}", names()))?;
        let mut failures = Vec::new();
        let mut known = self
            .known_topics
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        for result in results {
            match result {
                Ok(name) | Err((name, RDKafkaErrorCode::TopicAlreadyExists)) => {
                    known.insert(name);
                }
                Err((name, code)) => failures.push(format!("{name}: {code}")),
            }
        }
        if !failures.is_empty() {
            bail!(
                "creating Kafka topics at {} failed: {}",
                self.brokers,
                failures.join("; ")
            );
        }
        Ok(())
    }
}

/// The idempotent producer every publish goes through.
fn new_producer(brokers: &str, delivery_timeout: Duration) -> anyhow::Result<FutureProducer> {
    client_config(brokers)
        .set("enable.idempotence", "true")
        // A send that fails makes every later one of this producer fail too (librdkafka raises
        // a fatal error rather than leave a gap), so the outbox relay, which hands a batch over
        // at once and keeps the rows from the first failure on, never has a later row of a key
        // on the topic before an earlier one, nor sends it twice. The dead producer is replaced.
        .set("enable.gapless.guarantee", "true")
        .set("acks", "all")
        .set(
            "message.timeout.ms",
            delivery_timeout.as_millis().to_string(),
        )
        // The Java client's partitioner, so a key lands on the same partition whichever
        // language produced it.
        .set("partitioner", "murmur2_random")
        .set("linger.ms", "5")
        .create()
        .with_context(|| format!("creating the Kafka producer for {brokers}"))
}

/// Settings every client of ours shares. `VICI_KAFKA_DEBUG` passes librdkafka's own `debug`
/// setting (e.g. `cgrp,consumer`) for diagnosing a broker; its lines are logged at debug level
/// under the `librdkafka` target.
fn client_config(brokers: &str) -> ClientConfig {
    let mut config = ClientConfig::new();
    config
        .set("bootstrap.servers", brokers)
        .set("client.id", "vici");
    if let Ok(contexts) = std::env::var("VICI_KAFKA_DEBUG") {
        config.set("debug", contexts);
    }
    config
}

/// The retention of `topic` in days: its events.md one, or its source topic's for a DLQ.
fn retention_days_of(topic: &str) -> u32 {
    let base = topic.strip_suffix(".dlq").unwrap_or(topic);
    topics::ALL
        .iter()
        .find(|s| s.name == base)
        .map_or(DEFAULT_RETENTION_DAYS, |s| s.retention_days)
}

#[async_trait::async_trait]
impl Bus for KafkaBus {
    async fn publish(&self, topic: &str, key: &str, payload: &[u8]) -> anyhow::Result<()> {
        self.create_unseen(&[topic]).await;
        self.send(topic, key, payload).await
    }

    /// Every send is handed to the producer before any is awaited (the futures are first
    /// polled in order), so the messages of a key keep their order and travel in the same
    /// produce requests.
    async fn publish_all(&self, messages: &[Outgoing<'_>]) -> Vec<anyhow::Result<()>> {
        let topics: Vec<&str> = messages.iter().map(|m| m.topic).collect();
        self.create_unseen(&topics).await;
        futures::future::join_all(
            messages
                .iter()
                .map(|m| self.send(m.topic, m.key, m.payload)),
        )
        .await
    }

    async fn subscribe(
        &self,
        group: &str,
        topics: &[&str],
    ) -> anyhow::Result<Box<dyn Subscription>> {
        if topics.is_empty() {
            bail!("group `{group}` must subscribe to at least one topic");
        }
        self.create_unseen(topics).await;
        let subscription = KafkaSubscription::new(&self.brokers, group, topics)?;
        Ok(Box::new(subscription))
    }

    async fn ensure_topics(&self, topics: &[TopicSpec]) -> anyhow::Result<()> {
        let specs: Vec<(&str, u32)> = topics.iter().map(|s| (s.name, s.retention_days)).collect();
        self.create_topics(&specs).await
    }

    async fn ping(&self) -> anyhow::Result<()> {
        let producer = self.producer();
        // fetch_metadata blocks its thread until the broker answers or the timeout passes.
        tokio::task::spawn_blocking(move || producer.client().fetch_metadata(None, PING_TIMEOUT))
            .await
            .context("the Kafka ping task failed")?
            .with_context(|| {
                format!(
                    "Kafka at {} did not answer a metadata request within {PING_TIMEOUT:?}",
                    self.brokers
                )
            })?;
        Ok(())
    }
}
