//! Following a topic in a consumer group of one's own: every process that keeps a copy of
//! something (a gateway's micro-cache, an inventory replica's known stock levels) must see
//! every event, not its share of a group's partitions.
use std::time::Duration;

use tokio::task::JoinHandle;
use vici_kit::server::Shutdown;

use crate::{Delivery, SharedBus};

/// Pause before subscribing again after the bus failed.
const RETRY: Duration = Duration::from_secs(2);

/// Calls `on_event` for every message of `topics`, in a group named `{group_prefix}-{random}`
/// that no other process shares, until `shutdown`. A failing bus is logged and subscribed to
/// again; a new group starts from the earliest message, so a follower that only forgets or
/// clears things on events may see old ones once.
pub fn follow_every_event(
    bus: SharedBus,
    group_prefix: &str,
    topics: &'static [&'static str],
    on_event: impl Fn(&Delivery) + Send + Sync + 'static,
    shutdown: Shutdown,
) -> JoinHandle<()> {
    let group = format!("{group_prefix}-{}", uuid::Uuid::now_v7().simple());
    tokio::spawn(async move {
        loop {
            if let Err(e) = follow(&bus, &group, topics, &on_event, &shutdown).await {
                tracing::warn!(group, error = %format!("{e:#}"), "following events failed; retrying");
            }
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(RETRY) => {}
            }
        }
    })
}

/// One subscription, until the bus fails (an error) or `shutdown` (`Ok`).
async fn follow(
    bus: &SharedBus,
    group: &str,
    topics: &[&str],
    on_event: &(impl Fn(&Delivery) + Send + Sync),
    shutdown: &Shutdown,
) -> anyhow::Result<()> {
    let mut subscription = bus.subscribe(group, topics).await?;
    loop {
        let delivery = tokio::select! {
            _ = shutdown.cancelled() => return Ok(()),
            delivery = subscription.next() => delivery?,
        };
        on_event(&delivery);
        subscription.commit(&delivery).await?;
    }
}
