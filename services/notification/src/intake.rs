//! The consumer of the shop's events: each event that asks for messages becomes one pending
//! delivery per channel, written in the transaction that records the event as processed, so a
//! redelivered event adds nothing (and the (event, channel, template) key would refuse it
//! anyway). The worker is woken once the deliveries have committed.
use std::sync::Arc;

use anyhow::anyhow;
use sqlx::AnyConnection;
use tokio::sync::Notify;
use vici_bus::{CloudEvent, SharedBus};
use vici_kit::server::Shutdown;
use vici_store::consumer::{self, EventHandler};
use vici_store::{Db, now_ms};

use crate::plan::{TOPICS, plan, route};
use crate::store::deliveries::{self, Delivery, Status};

/// The consumer group: replicas share it, so each event is planned once by the service.
pub const CONSUMER: &str = "notification-intake";

struct Intake {
    wake: Arc<Notify>,
}

#[async_trait::async_trait]
impl EventHandler for Intake {
    fn wants(&self, event_type: &str) -> bool {
        route(event_type).is_some()
    }

    async fn handle(&self, conn: &mut AnyConnection, event: &CloudEvent) -> anyhow::Result<()> {
        let now = now_ms();
        for planned in plan(event).map_err(|e| anyhow!(e))? {
            let delivery = Delivery {
                id: uuid::Uuid::now_v7().to_string(),
                event_id: event.id.clone(),
                channel: planned.channel,
                template: planned.template,
                user_id: planned.user_id,
                data: event.data.clone(),
                status: Status::Pending,
                attempts: 0,
                next_attempt_at: now,
                message_id: None,
                recipient: None,
                reason: None,
                resend_of: None,
                created_at: now,
                updated_at: now,
                sent_at: None,
            };
            deliveries::insert(conn, &delivery).await?;
        }
        Ok(())
    }

    fn applied(&self, _event: &CloudEvent) {
        self.wake.notify_one();
    }
}

/// Consumes the shop's events until `shutdown`, waking `wake` after each planned event.
pub fn spawn(
    db: Db,
    bus: SharedBus,
    wake: Arc<Notify>,
    shutdown: Shutdown,
) -> tokio::task::JoinHandle<()> {
    consumer::spawn(
        db,
        bus,
        CONSUMER,
        TOPICS,
        Arc::new(Intake { wake }),
        shutdown,
    )
}
