//! The `account-events` consumer: a `user.registered` gives the new user a profile row and the
//! default preferences (api-contract: "a new user gets … default preferences"). Other account
//! events carry nothing this service keeps, so they are passed over.
//!
//! Exactly once in effect: `vici_store::consumer` records the event id in `processed_events` in
//! the transaction of the inserts, and the inserts themselves are `ON CONFLICT DO NOTHING`, so
//! a redelivery — or a user who already read their preferences — changes nothing.
use std::sync::Arc;

use anyhow::Context as _;
use sqlx::AnyConnection;
use vici_bus::{CloudEvent, SharedBus};
use vici_kit::server::Shutdown;
use vici_store::consumer::{self, EventHandler};
use vici_store::{Db, now_ms};

use crate::domain::preferences::Preferences;
use crate::domain::profile;
use crate::store::{preferences, profiles};

/// The consumer group (and `processed_events` consumer name). Replicas share it: each event is
/// applied once by the service, not once per process.
pub const CONSUMER: &str = "user-accounts";

pub const REGISTERED: &str = "user.registered";

struct Registrations;

#[async_trait::async_trait]
impl EventHandler for Registrations {
    fn wants(&self, event_type: &str) -> bool {
        event_type == REGISTERED
    }

    async fn handle(&self, conn: &mut AnyConnection, event: &CloudEvent) -> anyhow::Result<()> {
        let given = event
            .data
            .get("userId")
            .and_then(serde_json::Value::as_str)
            .unwrap_or(&event.subject);
        // A malformed id cannot be fixed by retrying; failing sends it to the dead letters.
        let user_id = uuid::Uuid::parse_str(given.trim())
            .with_context(|| format!("{REGISTERED} {} has no valid userId", event.id))?
            .to_string();
        // Profile times say when the user last saved their details: a row made for them here
        // has none (0), so their profile shows the account's own times until they do.
        profiles::create_if_missing(conn, &user_id, profile::NEVER_SAVED)
            .await
            .map_err(anyhow::Error::from)?;
        preferences::create_if_missing(conn, &Preferences::defaults(&user_id), now_ms())
            .await
            .map_err(anyhow::Error::from)?;
        Ok(())
    }
}

/// Consumes `account-events` until `shutdown`.
pub fn spawn(db: Db, bus: SharedBus, shutdown: Shutdown) -> tokio::task::JoinHandle<()> {
    consumer::spawn(
        db,
        bus,
        CONSUMER,
        &[vici_bus::topics::ACCOUNT_EVENTS],
        Arc::new(Registrations),
        shutdown,
    )
}
