//! The payment service's use cases. Money-moving calls share one shape: record the intention
//! first (an attempt or refund row, PROCESSING, with a lease) and commit, then call the
//! provider outside any transaction with an idempotency key derived from that row, then record
//! the outcome in a second transaction with its event. A duplicate arriving meanwhile waits
//! for the first caller's outcome instead of calling the provider again; a caller that crashed
//! or met an unknown outcome leaves a lapsed or released lease that the next repeat takes over.
pub mod authorize;
pub mod intents;
pub mod refunds;
pub mod settle;
pub mod webhook;

use std::future::Future;
use std::time::Duration;
use vici_types::OrderId;

use sqlx::pool::PoolConnection;
use sqlx::{Any, Transaction};
use vici_kit::{Error, Result};
use vici_store::claim::{Patience, Poll, wait_for_first};
use vici_store::error::SqlxResultExt as _;
use vici_store::outbox::Outbox;
use vici_store::{Db, now_ms};

use crate::domain::Payment;
use crate::provider::SharedProvider;
use crate::store::payments;

/// How long a provider call may hold its row before a repeat takes over: the HTTP timeout
/// toward the provider (15 s) with room to record the outcome. A crashed caller's attempt is
/// undone this long after it began, so keep it well under `order.recovery_after_secs`.
pub const LEASE_MS: i64 = 25_000;
/// How long a duplicate waits for the first caller before answering "retry" (well under the
/// order service's own wait, so a repeated checkout step still gets an answer), looking every
/// 20 ms: a provider call takes about that long.
const PATIENCE: Patience = Patience {
    total: Duration::from_secs(10),
    every: Duration::from_millis(20),
};

/// Webhook verification settings.
#[derive(Clone)]
pub struct WebhookSettings {
    pub secret: Option<String>,
    pub tolerance: Duration,
}

pub struct Service {
    pub db: Db,
    pub provider: SharedProvider,
    pub outbox: Outbox,
    pub webhooks: WebhookSettings,
}

impl Service {
    /// A read connection; `doing` says what for, should none be had ("taking a read
    /// connection for an order's payment").
    pub async fn reader(&self, doing: &'static str) -> Result<PoolConnection<Any>> {
        self.db.reader().acquire().await.db_err(doing)
    }

    /// Begins a transaction; `doing` names it for the log should that fail ("starting the
    /// refund transaction").
    pub async fn begin(&self, doing: &'static str) -> Result<Transaction<'static, Any>> {
        self.db.begin().await.db_err(doing)
    }

    /// Commits and lets the outbox relay publish what the transaction enqueued; `doing` names
    /// the commit for the log ("committing a new refund").
    pub async fn commit(&self, tx: Transaction<'static, Any>, doing: &'static str) -> Result<()> {
        tx.commit().await.db_err(doing)?;
        self.outbox.wake();
        Ok(())
    }

    /// The order's live payment, else its latest attempt; NOT_FOUND when it has none.
    /// Waits (looking with `poll`) for the first caller of a money-moving call: its outcome, or
    /// `None` once its lease lapsed or was released and the caller may take the row over. A row
    /// still leased after [`PATIENCE`] answers "retry" (503), as the provider's own
    /// uncertainty does.
    pub async fn wait_for<T, F, Fut>(&self, poll: F) -> Result<Option<T>>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Poll<T>>>,
    {
        wait_for_first(PATIENCE, poll, || {
            Error::unavailable("This payment is still being processed; retry shortly")
                .with_detail("retryable", "true")
        })
        .await
    }

    pub async fn payment_of(&self, order_id: &OrderId) -> Result<Payment> {
        let order_id = order_id.as_str();
        let mut conn = self
            .reader("taking a read connection for an order's payment")
            .await?;
        if let Some(p) = payments::live(&mut conn, order_id).await? {
            return Ok(p);
        }
        payments::latest(&mut conn, order_id)
            .await?
            .ok_or_else(|| Error::not_found("This order has no payment"))
    }
}

/// Whether a lease taken until `lease_until` still holds.
pub fn leased(lease_until: i64) -> bool {
    lease_until > now_ms()
}
