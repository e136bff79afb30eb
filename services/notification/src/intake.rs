//! The consumer of the shop's events: each event that asks for messages becomes one pending
//! delivery per channel, written in the transaction that records the event as processed, so a
//! redelivered event adds nothing (and the (event, channel, template) key would refuse it
//! anyway). The worker is woken once the deliveries have committed.
//!
//! Some messages wait before they go, so that a later event can change its mind in the same
//! way: an order the user places calls off their waiting abandoned-cart reminder, and later
//! shipping news of an order supersedes earlier news still waiting (one message, the latest).
use std::sync::Arc;

use anyhow::anyhow;
use sqlx::AnyConnection;
use tokio::sync::Notify;
use vici_bus::{CloudEvent, SharedBus};
use vici_kit::server::Shutdown;
use vici_store::consumer::{self, EventHandler};
use vici_store::{Db, now_ms};

use crate::config::Delays;
use crate::message::Template;
use crate::plan::{
    ORDER_CREATED, ORDERED_FIRST, Planned, SHIPPING_NEWS, SUPERSEDED, TOPICS, plan, route,
};
use crate::store::deliveries::{self, Delivery, Status};
use crate::store::orders_placed;
use crate::store::rules::{self, CallOff};

/// The consumer group: replicas share it, so each event is planned once by the service.
pub const CONSUMER: &str = "notification-intake";

struct Intake {
    wake: Arc<Notify>,
    delays: Delays,
}

impl Intake {
    /// How long `planned` waits before it goes.
    fn wait_ms(&self, planned: &Planned) -> i64 {
        let wait = match planned.template {
            Template::AbandonedCart => self.delays.abandoned_cart,
            t if SHIPPING_NEWS.contains(&t) => self.delays.shipping,
            _ => std::time::Duration::ZERO,
        };
        wait.as_millis() as i64
    }
}

/// When `event` happened, in unix milliseconds (its receipt when its time is unreadable).
fn happened(event: &CloudEvent, now: i64) -> i64 {
    let at = chrono::DateTime::parse_from_rfc3339(&event.time);
    at.map_or(now, |t| t.timestamp_millis())
}

/// An order placed: remembered, and the user's waiting abandoned-cart reminders called off.
async fn ordered(conn: &mut AnyConnection, event: &CloudEvent, now: i64) -> anyhow::Result<()> {
    let given = event.data.get("userId").and_then(|v| v.as_str());
    let Some(user) = given.and_then(|u| uuid::Uuid::parse_str(u.trim()).ok()) else {
        return Ok(()); // nothing to call off for nobody
    };
    let user = user.to_string();
    orders_placed::record(conn, &user, happened(event, now)).await?;
    let call_off = CallOff {
        user_id: &user,
        templates: &[Template::AbandonedCart],
        about: None,
        channel: None,
        reason: ORDERED_FIRST,
    };
    rules::call_off(conn, &call_off, now).await?;
    Ok(())
}

/// Whether a reminder of the cart `event` abandoned is moot: its user has ordered since (the
/// order's event was heard first).
async fn ordered_since(
    conn: &mut AnyConnection,
    event: &CloudEvent,
    planned: &Planned,
    now: i64,
) -> anyhow::Result<bool> {
    if planned.template != Template::AbandonedCart {
        return Ok(false);
    }
    let last = orders_placed::last(conn, &planned.user_id).await?;
    Ok(last.is_some_and(|at| at >= happened(event, now)))
}

#[async_trait::async_trait]
impl EventHandler for Intake {
    fn wants(&self, event_type: &str) -> bool {
        route(event_type).is_some() || event_type == ORDER_CREATED
    }

    async fn handle(&self, conn: &mut AnyConnection, event: &CloudEvent) -> anyhow::Result<()> {
        let now = now_ms();
        if event.event_type == ORDER_CREATED {
            return ordered(conn, event, now).await;
        }
        for planned in plan(event).map_err(|e| anyhow!(e))? {
            if SHIPPING_NEWS.contains(&planned.template) {
                let superseded = CallOff {
                    user_id: &planned.user_id,
                    templates: SHIPPING_NEWS,
                    about: Some(&planned.about),
                    channel: Some(planned.channel),
                    reason: SUPERSEDED,
                };
                rules::call_off(conn, &superseded, now).await?;
            }
            let moot = ordered_since(conn, event, &planned, now).await?;
            let next_attempt_at = now + self.wait_ms(&planned);
            let delivery = Delivery {
                id: uuid::Uuid::now_v7().to_string(),
                event_id: event.id.clone(),
                channel: planned.channel,
                template: planned.template,
                user_id: planned.user_id,
                about: planned.about,
                data: event.data.clone(),
                status: Status::Pending,
                attempts: 0,
                next_attempt_at,
                message_id: None,
                recipient: None,
                reason: None,
                resend_of: None,
                created_at: now,
                updated_at: now,
                sent_at: None,
            };
            deliveries::insert(conn, &delivery).await?;
            if moot {
                let skipped = deliveries::Outcome::Skipped {
                    reason: ORDERED_FIRST.into(),
                };
                deliveries::finish(conn, &delivery, &skipped, now).await?;
            }
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
    delays: Delays,
    shutdown: Shutdown,
) -> tokio::task::JoinHandle<()> {
    let intake = Arc::new(Intake { wake, delays });
    consumer::spawn(db, bus, CONSUMER, TOPICS, intake, shutdown)
}
