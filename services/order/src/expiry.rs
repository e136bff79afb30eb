//! Consumes `inventory.reservation_expired` (topic `inventory-events`, group `order`): the
//! PAYMENT_PENDING order it names is CANCELLED "Payment was not received in time" in the
//! consumer's transaction, with a `cancel` saga due at once for the rest (coupon released, any
//! payment attempt reversed), which the recovery task runs when woken.
use std::sync::Arc;

use sqlx::AnyConnection;
use tokio::sync::Notify;
use vici_bus::CloudEvent;
use vici_kit::{ErrorCode, Result};
use vici_store::consumer::EventHandler;
use vici_store::now_ms;
use vici_types::{OrderId, TypedId as _};

use crate::domain::order::SYSTEM;
use crate::domain::saga::Record;
use crate::domain::status::OrderStatus;
use crate::moves::{self, Move};
use crate::store::{orders, sagas};

pub const CONSUMER: &str = "order";
pub const TOPICS: &[&str] = &[vici_bus::topics::INVENTORY_EVENTS];
pub const RESERVATION_EXPIRED: &str = "inventory.reservation_expired";
pub const NOT_IN_TIME: &str = "Payment was not received in time";

pub struct Expired {
    /// Wakes the recovery task to run the cancellation's compensation.
    pub wake: Arc<Notify>,
}

#[async_trait::async_trait]
impl EventHandler for Expired {
    fn wants(&self, event_type: &str) -> bool {
        event_type == RESERVATION_EXPIRED
    }

    async fn handle(&self, tx: &mut AnyConnection, event: &CloudEvent) -> anyhow::Result<()> {
        let order_id = event.data.get("orderId").and_then(|v| v.as_str());
        let Some(order_id) = order_id.and_then(|raw| OrderId::parse(raw).ok()) else {
            anyhow::bail!("reservation_expired without an order id");
        };
        // Debug keeps the logged cause, which the error's Display (its public message) hides.
        self.cancel_unpaid(tx, &order_id)
            .await
            .map_err(anyhow::Error::from)
    }
}

impl Expired {
    /// Cancels the order if it still waits for payment, recording the rest as a due saga.
    async fn cancel_unpaid(&self, tx: &mut AnyConnection, order_id: &OrderId) -> Result<()> {
        let Some(order) = orders::get(tx, order_id).await? else {
            // A checkout whose order was never written: its saga undoes itself.
            return Ok(());
        };
        if order.status != OrderStatus::PaymentPending {
            return Ok(());
        }
        let now = now_ms();
        let mv = Move::new(OrderStatus::Cancelled, NOT_IN_TIME, SYSTEM).because(NOT_IN_TIME);
        match moves::cancel(tx, order_id, mv, now).await {
            Ok(_) => {}
            // A payment is being taken: it confirms the order, or its saga cancels it.
            Err(e) if e.code == ErrorCode::Conflict => return Ok(()),
            Err(e) => return Err(e),
        }
        // Due at once: the recovery task woken below runs the rest.
        let rec = Record::cancelling(&order, SYSTEM, NOT_IN_TIME, now, now);
        sagas::insert(tx, &rec).await?;
        self.wake.notify_one();
        Ok(())
    }
}
