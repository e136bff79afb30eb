//! Learning who bought what from `purchase-events` (`behaviour.purchase`, one per paid order
//! line), so reviews can be marked `verified`. All replicas share one consumer group: the
//! effect lands in the shared database once, and the processed-event ledger makes a redelivery
//! harmless.
use std::sync::Arc;

use sqlx::AnyConnection;
use vici_bus::{CloudEvent, SharedBus};
use vici_kit::server::Shutdown;
use vici_store::Db;
use vici_store::consumer::{self, EventHandler};

use crate::store;

struct RecordPurchase;

#[async_trait::async_trait]
impl EventHandler for RecordPurchase {
    fn wants(&self, event_type: &str) -> bool {
        event_type == "behaviour.purchase"
    }

    async fn handle(&self, conn: &mut AnyConnection, event: &CloudEvent) -> anyhow::Result<()> {
        let text = |field: &str| event.data[field].as_str().unwrap_or_default().to_string();
        let (user_id, product_id) = (text("userId"), text("productId"));
        if user_id.is_empty() || product_id.is_empty() {
            anyhow::bail!("behaviour.purchase {} lacks userId or productId", event.id);
        }
        let at = chrono::DateTime::parse_from_rfc3339(&event.time)
            .map(|t| t.timestamp_millis())
            .unwrap_or_else(|_| vici_store::now_ms());
        store::purchases::record(conn, &user_id, &product_id, &text("orderId"), at).await?;
        Ok(())
    }
}

/// Starts the consumer of `purchase-events`.
pub fn spawn(db: Db, bus: SharedBus, shutdown: Shutdown) -> tokio::task::JoinHandle<()> {
    consumer::spawn(
        db,
        bus,
        "product-purchases",
        &[vici_bus::topics::PURCHASE_EVENTS],
        Arc::new(RecordPurchase),
        shutdown,
    )
}
