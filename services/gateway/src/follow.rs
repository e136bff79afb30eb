//! Catalogue and stock changes made anywhere reach this gateway's micro-cache within the bus's
//! delivery time. The gateway that serves a write empties its own cache right after it (routes
//! declared `refreshes`); every gateway process also learns of every change from
//! `product-events` (product, price and category writes) and `inventory-events` (every stock
//! move: sales, cancellations, expiries, adjustments) and empties its cache on each. Each
//! process consumes in a consumer group of its own, since every process must see every event.
use std::time::Duration;

use tokio::task::JoinHandle;
use vici_bus::SharedBus;
use vici_bus::topics::{INVENTORY_EVENTS, PRODUCT_EVENTS};
use vici_kit::server::Shutdown;

use crate::cache::MicroCache;

/// Pause before subscribing again after the bus failed.
const RETRY: Duration = Duration::from_secs(2);

/// Empties `cache` on every catalogue and stock event until `shutdown`.
pub fn spawn(bus: SharedBus, cache: MicroCache, shutdown: Shutdown) -> JoinHandle<()> {
    let group = format!("gateway-cache-{}", vici_types::new_id());
    tokio::spawn(async move {
        loop {
            if let Err(e) = follow(&bus, &group, &cache, &shutdown).await {
                tracing::warn!(group, error = %format!("{e:#}"), "following catalogue and stock events failed; retrying");
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
    cache: &MicroCache,
    shutdown: &Shutdown,
) -> anyhow::Result<()> {
    let mut subscription = bus
        .subscribe(group, &[PRODUCT_EVENTS, INVENTORY_EVENTS])
        .await?;
    loop {
        let delivery = tokio::select! {
            _ = shutdown.cancelled() => return Ok(()),
            delivery = subscription.next() => delivery?,
        };
        cache.clear();
        subscription.commit(&delivery).await?;
    }
}
