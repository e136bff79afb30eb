//! Learning who bought what from `purchase-events` (`behaviour.purchase`, one per paid order
//! line) and which orders were cancelled from `order-events` (`order.cancelled`), so reviews are
//! marked `verified` while the reviewer has an order of the product that stands. All replicas share one consumer group: the
//! effect lands in the shared database once, and the processed-event ledger makes a redelivery
//! harmless.
use std::sync::Arc;

use sqlx::AnyConnection;
use vici_bus::{CloudEvent, SharedBus};
use vici_kit::server::Shutdown;
use vici_store::Db;
use vici_store::consumer::{self, EventHandler};

use crate::store;

const PURCHASE: &str = "behaviour.purchase";
const CANCELLED: &str = "order.cancelled";

struct RecordPurchase;

#[async_trait::async_trait]
impl EventHandler for RecordPurchase {
    fn wants(&self, event_type: &str) -> bool {
        event_type == PURCHASE || event_type == CANCELLED
    }

    async fn handle(&self, conn: &mut AnyConnection, event: &CloudEvent) -> anyhow::Result<()> {
        let text = |field: &str| event.data[field].as_str().unwrap_or_default().to_string();
        let (user_id, order_id) = (text("userId"), text("orderId"));
        if user_id.is_empty() && event.data["imported"] == true {
            // An anonymous visit's purchase from a former shop's history: no review of ours
            // can be its buyer's.
            return Ok(());
        }
        if user_id.is_empty() || order_id.is_empty() {
            anyhow::bail!("{} {} lacks userId or orderId", event.event_type, event.id);
        }
        let at = chrono::DateTime::parse_from_rfc3339(&event.time)
            .map(|t| t.timestamp_millis())
            .unwrap_or_else(|_| vici_store::now_ms());
        if event.event_type == CANCELLED {
            let products: Vec<String> = event.data["items"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|i| i["productId"].as_str().map(str::to_string))
                .collect();
            store::purchases::cancel(conn, &user_id, &order_id, &products, at)
                .await
                .map_err(anyhow::Error::from)?;
            return Ok(());
        }
        let product_id = text("productId");
        if product_id.is_empty() {
            anyhow::bail!("behaviour.purchase {} lacks productId", event.id);
        }
        store::purchases::record(conn, &user_id, &product_id, &order_id, at)
            .await
            .map_err(anyhow::Error::from)?;
        Ok(())
    }
}

/// Starts the consumer of `purchase-events` and `order-events`.
pub fn spawn(db: Db, bus: SharedBus, shutdown: Shutdown) -> tokio::task::JoinHandle<()> {
    consumer::spawn(
        db,
        bus,
        "product-purchases",
        &[
            vici_bus::topics::PURCHASE_EVENTS,
            vici_bus::topics::ORDER_EVENTS,
        ],
        Arc::new(RecordPurchase),
        shutdown,
    )
}
