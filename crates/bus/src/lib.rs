//! The event bus: one [`Bus`] trait with an in-process adapter (the embedded default) and a Kafka
//! adapter, the CloudEvents envelope every message uses, and the topic list of events.md.

pub mod envelope;
mod follow;
pub mod kafka;
pub mod memory;
pub mod topics;

use std::sync::Arc;

pub use envelope::CloudEvent;
pub use follow::follow_every_event;

/// One message as received: the raw CloudEvent JSON and where it came from.
#[derive(Clone, Debug)]
pub struct Delivery {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    pub key: String,
    pub payload: bytes::Bytes,
}

/// A consumer-group subscription. Deliveries are at least once: a delivery that is not committed
/// comes back after a restart or rebalance. Subscriptions of one group share its partitions;
/// dropping one leaves the group, handing its partitions to the others.
#[async_trait::async_trait]
pub trait Subscription: Send {
    /// Waits for the next message. Cancel-safe: dropping the future (e.g. in `select!`) loses
    /// no message.
    async fn next(&mut self) -> anyhow::Result<Delivery>;
    /// Marks `delivery` (and everything before it on its partition) as processed for the group.
    /// Fails when the partition has meanwhile moved to another member; it then gets the delivery.
    /// Kafka sends the marks in batches (within a second, and when the member leaves or loses
    /// the partition): a crash can bring back the last second's deliveries.
    async fn commit(&mut self, delivery: &Delivery) -> anyhow::Result<()>;
}

/// One message to publish.
#[derive(Clone, Copy, Debug)]
pub struct Outgoing<'a> {
    pub topic: &'a str,
    pub key: &'a str,
    pub payload: &'a [u8],
}

#[async_trait::async_trait]
pub trait Bus: Send + Sync {
    /// Publishes one message; ordering holds per `key`. Returns once the broker has it.
    async fn publish(&self, topic: &str, key: &str, payload: &[u8]) -> anyhow::Result<()>;
    /// Publishes `messages` in their order (which holds per key, as for [`Bus::publish`]),
    /// the broker taking them together rather than one acknowledgement at a time; per
    /// message, whether the broker has it.
    async fn publish_all(&self, messages: &[Outgoing<'_>]) -> Vec<anyhow::Result<()>> {
        let mut results = Vec::with_capacity(messages.len());
        for m in messages {
            results.push(self.publish(m.topic, m.key, m.payload).await);
        }
        results
    }
    /// Joins consumer group `group` on `topics`, starting from the earliest uncommitted message.
    async fn subscribe(
        &self,
        group: &str,
        topics: &[&str],
    ) -> anyhow::Result<Box<dyn Subscription>>;
    /// Creates the topics that do not exist yet (idempotent).
    async fn ensure_topics(&self, topics: &[topics::TopicSpec]) -> anyhow::Result<()>;
    /// Whether the broker answers, for `/ready`.
    async fn ping(&self) -> anyhow::Result<()>;
}

pub type SharedBus = Arc<dyn Bus>;

/// Opens the bus named by `VICI_BUS_URL`: `kafka://host:port,…`, or `None`/`memory://` for the
/// in-process broker (one per process, shared by every service in `vici up`).
pub async fn open(url: Option<&str>, partitions: i32) -> anyhow::Result<SharedBus> {
    match url {
        None => Ok(Arc::new(memory::MemoryBus::new(partitions))),
        Some(u) if u.starts_with("memory://") => Ok(Arc::new(memory::MemoryBus::new(partitions))),
        Some(u) => {
            let brokers = u.strip_prefix("kafka://").ok_or_else(|| {
                anyhow::anyhow!("bus_url `{u}` must start with kafka:// or memory://")
            })?;
            let bus = kafka::KafkaBus::connect(brokers, partitions).await?;
            Ok(Arc::new(bus))
        }
    }
}

/// Readiness check for a bus.
pub struct BusReady(pub SharedBus);

#[async_trait::async_trait]
impl vici_kit::server::ReadyCheck for BusReady {
    fn name(&self) -> &'static str {
        "bus"
    }
    async fn check(&self) -> anyhow::Result<()> {
        self.0.ping().await
    }
}
