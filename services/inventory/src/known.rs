//! Stock levels this replica has read, remembered until a change makes them wrong, so that a
//! catalogue page does not cost a database read for its stock (docs/decisions.md "Inventory").
//!
//! A level is forgotten: by this replica's own stock writes, right after they commit and
//! before they answer (so whoever caused a change reads it next); by every `inventory-events`
//! event (changes other replicas made, within the bus's delivery time); and in any case
//! [`MAX_AGE`] after it was read, for the writes that announce nothing (thresholds and new
//! stock records made by another replica). A read that began before a forget does not store
//! what it read, since it may predate the change.
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::task::JoinHandle;
use vici_bus::SharedBus;
use vici_bus::topics::INVENTORY_EVENTS;
use vici_kit::Result;
use vici_kit::server::Shutdown;
use vici_store::Db;
use vici_types::ProductId;

use crate::store::{StockRow, stock};

/// The backstop for changes this replica cannot hear of.
pub const MAX_AGE: Duration = Duration::from_secs(5);
/// Bounds memory: past this many products, all are forgotten.
const MAX_PRODUCTS: usize = 50_000;

struct Known {
    read_at: Instant,
    /// The product's own row and its variants' rows, in the store's order.
    rows: Vec<StockRow>,
}

#[derive(Clone, Default)]
pub struct KnownLevels {
    products: Arc<Mutex<HashMap<String, Known>>>,
    /// Counts forgets: what a read fetched is stored only if none happened since it began.
    forgets: Arc<AtomicU64>,
}

impl KnownLevels {
    /// Stock rows of `ids` (as [`stock::levels`]), from memory where known; a product without a
    /// stock record is never remembered, so its first record shows at once.
    pub async fn levels(&self, db: &Db, ids: &[ProductId]) -> Result<Vec<StockRow>> {
        let began = self.forgets.load(Ordering::SeqCst);
        let mut rows = Vec::new();
        let mut unknown = Vec::new();
        {
            let products = self.lock();
            for id in ids {
                match products.get(id.as_str()) {
                    Some(k) if k.read_at.elapsed() < MAX_AGE => rows.extend_from_slice(&k.rows),
                    _ => unknown.push(id.clone()),
                }
            }
        }
        if unknown.is_empty() {
            return Ok(rows);
        }
        let read = stock::levels(db, &unknown).await?;
        self.remember(began, &read);
        rows.extend(read);
        Ok(rows)
    }

    /// Forgets the levels of `products` (product ids); call after a stock write commits.
    pub fn forget<'a>(&self, products: impl IntoIterator<Item = &'a str>) {
        let mut known = self.lock();
        self.forgets.fetch_add(1, Ordering::SeqCst);
        for id in products {
            known.remove(id);
        }
    }

    /// Forgets every level: after a write whose products are not known (a failed or
    /// interrupted one may still have committed).
    pub fn forget_all(&self) {
        let mut known = self.lock();
        self.forgets.fetch_add(1, Ordering::SeqCst);
        known.clear();
    }

    /// Forgets a product on each `inventory-events` event (keyed by product id; other keys
    /// name nothing remembered) until `shutdown`.
    pub fn follow(&self, bus: SharedBus, shutdown: Shutdown) -> JoinHandle<()> {
        let known = self.clone();
        vici_bus::follow_every_event(
            bus,
            "inventory-levels",
            &[INVENTORY_EVENTS],
            move |event| known.forget([event.key.as_str()]),
            shutdown,
        )
    }

    /// Stores `read` (rows in the store's order, grouped by product) unless a forget happened
    /// since `began`.
    fn remember(&self, began: u64, read: &[StockRow]) {
        let mut known = self.lock();
        if self.forgets.load(Ordering::SeqCst) != began {
            return;
        }
        if known.len() + read.len() > MAX_PRODUCTS {
            known.clear();
        }
        let read_at = Instant::now();
        for product in read.chunk_by(|a, b| a.product_id == b.product_id) {
            known.insert(
                product[0].product_id.clone(),
                Known {
                    read_at,
                    rows: product.to_vec(),
                },
            );
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Known>> {
        self.products.lock().unwrap_or_else(|e| e.into_inner())
    }
}
