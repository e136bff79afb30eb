//! Publishing as another service would, and reading what services announced: a consumer group drained from the bus (waiting for each
//! event with a generous bound, never sleeping), or the events a service's outbox holds (they
//! commit with their change, so no waiting for the relay).
use std::time::Duration;

use sqlx::Row as _;
use vici_bus::{CloudEvent, Subscription};
use vici_store::Db;

use crate::Services;

/// How long an awaited event may take on a busy machine before the case fails.
pub const EVENT_WAIT: Duration = Duration::from_secs(30);

/// A consumer group reading topics from their start.
pub struct Drain {
    sub: Box<dyn Subscription>,
    topics: String,
}

impl Services {
    /// Publishes `event` on `topic` as another service would.
    pub async fn publish(&self, topic: &str, event: &CloudEvent) {
        let bus = self.bus();
        let payload = event.to_json();
        let published = bus.publish(topic, &event.subject, &payload).await;
        published.expect("publish");
    }

    /// Joins consumer group `group` on `topics` (a new group reads from the first event).
    pub async fn drain(&self, group: &str, topics: &[&str]) -> Drain {
        let sub = self
            .bus()
            .subscribe(group, topics)
            .await
            .expect("subscribe");
        Drain {
            sub,
            topics: topics.join(", "),
        }
    }
}

impl Drain {
    /// The next event and its key, committed.
    pub async fn next(&mut self) -> (String, CloudEvent) {
        let delivery = tokio::time::timeout(EVENT_WAIT, self.sub.next())
            .await
            .unwrap_or_else(|_| panic!("no event on {} within {EVENT_WAIT:?}", self.topics))
            .expect("the bus delivers");
        self.sub.commit(&delivery).await.expect("commit");
        let event = CloudEvent::from_json(&delivery.payload).expect("a CloudEvent");
        (delivery.key, event)
    }

    /// The next `n` events with their keys.
    pub async fn take(&mut self, n: usize) -> Vec<(String, CloudEvent)> {
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            out.push(self.next().await);
        }
        out
    }

    /// Events until `enough` says so (checked before each wait).
    pub async fn until(&mut self, enough: impl Fn(&[CloudEvent]) -> bool) -> Vec<CloudEvent> {
        let mut out = Vec::new();
        while !enough(&out) {
            out.push(self.next().await.1);
        }
        out
    }

    /// Asserts that no further event arrives within `quiet`.
    pub async fn assert_quiet(&mut self, quiet: Duration) {
        let got = tokio::time::timeout(quiet, self.sub.next()).await;
        if let Ok(delivery) = got {
            let payload = delivery.map(|d| String::from_utf8_lossy(&d.payload).into_owned());
            panic!("unexpected event on {}: {payload:?}", self.topics);
        }
    }
}

/// Every event `db`'s outbox holds for `topic`, oldest first, with its key.
pub async fn outbox(db: &Db, topic: &str) -> Vec<(String, CloudEvent)> {
    let rows = sqlx::query(
        "SELECT event_key, payload FROM outbox WHERE topic = $1 ORDER BY created_at, id",
    )
    .bind(topic)
    .fetch_all(db.reader())
    .await
    .expect("reading the outbox");
    rows.iter()
        .map(|r| {
            let payload: String = r.get("payload");
            let event = CloudEvent::from_json(payload.as_bytes()).expect("a CloudEvent");
            (r.get("event_key"), event)
        })
        .collect()
}

/// Waits until `check` holds, asking again every 25 ms; fails the case naming `what` after
/// [`EVENT_WAIT`]. For facts that follow asynchronously (a consumer applied an event, a sweeper
/// ran) and have no event of their own to wait on.
pub async fn eventually<F, Fut>(what: &str, check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    eventually_every(what, Duration::from_millis(25), EVENT_WAIT, check).await;
}

/// [`eventually`] asking every `every` for up to `within`: e.g. through the shop's front door,
/// whose per-address rate limit a 25 ms poll would exceed. Returns how long the fact took.
pub async fn eventually_every<F, Fut>(
    what: &str,
    every: Duration,
    within: Duration,
    mut check: F,
) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = tokio::time::Instant::now();
    while !check().await {
        assert!(
            start.elapsed() < within,
            "timed out after {within:?} waiting for {what}"
        );
        tokio::time::sleep(every).await;
    }
    start.elapsed()
}
