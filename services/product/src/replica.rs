//! Keeping every replica's search index in step. The process that makes a change updates its
//! own index right after the commit; every other replica learns of it from `product-events`
//! (`product.created`, `product.updated`, `product.deleted`, `product.price_changed`) and
//! re-reads that product from the shared database, so it indexes the stored truth rather
//! than the event's copy and the order in which events arrive does not matter.
//!
//! A category edit (`product.category_updated`, keyed by category id) re-indexes the products
//! filed under that category the same way, so a renamed category is searchable by its new name
//! on every replica at once. Every category event also drops the category list held in memory
//! (`search::categories`), so the next read takes the tree as stored.
//!
//! Each replica consumes under its own consumer group (every replica must see every event).
//! Re-indexing is idempotent, so the processed-event ledger that `vici_store::consumer` keeps
//! is not needed for correctness; its rows are the price of reusing the shared consumer
//! (retries, dead letters). Events older than the index built at start are skipped: the
//! build already read their effect.
use std::sync::Arc;

use sqlx::AnyConnection;
use vici_bus::{CloudEvent, SharedBus};
use vici_kit::server::Shutdown as CancellationToken;
use vici_store::Db;
use vici_store::consumer::{self, EventHandler};

use crate::domain::Product;
use crate::search::SearchIndex;
use crate::{events, store};

struct Reindex {
    index: Arc<SearchIndex>,
    /// Events stamped before this (unix ms) are already reflected in the index.
    since_ms: i64,
}

#[async_trait::async_trait]
impl EventHandler for Reindex {
    fn wants(&self, event_type: &str) -> bool {
        event_type.starts_with("product.")
    }

    async fn handle(&self, conn: &mut AnyConnection, event: &CloudEvent) -> anyhow::Result<()> {
        if event.event_type.starts_with("product.category_") {
            self.index.categories.forget();
        }
        let at = chrono::DateTime::parse_from_rfc3339(&event.time)
            .map(|t| t.timestamp_millis())
            .unwrap_or(i64::MAX);
        if at < self.since_ms {
            return Ok(());
        }
        if matches!(
            event.event_type.as_str(),
            events::CATEGORY_CREATED | events::CATEGORY_DELETED
        ) {
            return Ok(());
        }
        let read = async { stored(conn, event).await.map_err(anyhow::Error::from) };
        let refreshed = self.index.refresh(read).await;
        if refreshed.is_err() && event.event_type != events::CATEGORY_UPDATED {
            // Until the retry reads it, batches by id read the product from the database.
            self.index.forget(std::slice::from_ref(&event.subject));
        }
        refreshed
    }
}

/// The products `event` concerns, as stored now.
async fn stored(conn: &mut AnyConnection, event: &CloudEvent) -> vici_kit::Result<Vec<Product>> {
    Ok(match event.event_type.as_str() {
        events::CATEGORY_UPDATED => {
            let ids = store::categories::product_ids(conn, &event.subject).await?;
            store::products::get_many(conn, &ids).await?
        }
        _ => store::products::get(conn, Some(&event.subject), None)
            .await?
            .into_iter()
            .collect(),
    })
}

/// Starts this replica's consumer of `product-events`.
pub fn spawn(
    db: Db,
    bus: SharedBus,
    index: Arc<SearchIndex>,
    since_ms: i64,
    shutdown: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    // One group per replica process; `consumer::spawn` wants a name that lives forever.
    let group: &'static str =
        Box::leak(format!("product-search-{}", vici_types::new_id()).into_boxed_str());
    consumer::spawn(
        db,
        bus,
        group,
        &[vici_bus::topics::PRODUCT_EVENTS],
        Arc::new(Reindex { index, since_ms }),
        shutdown,
    )
}
