//! Catalogue and stock changes made anywhere reach this gateway's micro-cache within the bus's
//! delivery time. The gateway that serves a write empties its own cache right after it (routes
//! declared `refreshes`); every gateway process also learns of every change from
//! `product-events` (product, price and category writes) and `inventory-events` (every stock
//! move: sales, cancellations, expiries, adjustments) and empties its cache on each.
use tokio::task::JoinHandle;
use vici_bus::SharedBus;
use vici_bus::topics::{INVENTORY_EVENTS, PRODUCT_EVENTS};
use vici_kit::server::Shutdown;

use crate::cache::MicroCache;

/// Empties `cache` on every catalogue and stock event until `shutdown`.
pub fn spawn(bus: SharedBus, cache: MicroCache, shutdown: Shutdown) -> JoinHandle<()> {
    vici_bus::follow_every_event(
        bus,
        "gateway-cache",
        &[PRODUCT_EVENTS, INVENTORY_EVENTS],
        move |_| cache.clear(),
        shutdown,
    )
}
