//! The checkout saga orchestrator: the [`Engine`] holds the neighbours' ports, `steps` has one
//! idempotent function per step and its undo, `flows` runs them for PlaceOrder and PayOrder,
//! `undo` compensates and cancels, `recover` finishes or undoes sagas a crash left behind.
//!
//! Every step is keyed by the order id or the attempt id recorded before the call, and the
//! record's `step` is written after the steps whose undo differs (`Engine::passed` says which
//! are not), so any step can be repeated after a crash and recovery knows how far a saga got.
pub mod flows;
pub mod recover;
pub mod steps;
pub mod undo;

use std::sync::Arc;

use sqlx::pool::PoolConnection;
use sqlx::{Any, Transaction};
use vici_kit::{Error, Result};
use vici_store::error::SqlxResultExt as _;
use vici_store::outbox::Outbox;
use vici_store::{Db, now_ms};

use crate::config::OrderConfig;
use crate::domain::outcome::{Encode, Outcome};
use crate::domain::saga::{State, Step};
use crate::ports::{CartPort, PaymentPort, Ports, StockPort};
use crate::store::{idempotency, sagas};

pub use crate::domain::saga::Record;

/// Runs sagas against the cart, inventory and payment services.
pub struct Engine {
    pub(crate) db: Db,
    pub(crate) outbox: Option<Outbox>,
    pub(crate) cart: Arc<dyn CartPort>,
    pub(crate) stock: Arc<dyn StockPort>,
    pub(crate) payments: Arc<dyn PaymentPort>,
    pub(crate) config: OrderConfig,
    /// How a finalised order is stored as its key's answer.
    pub(crate) encode: Encode,
}

/// Why a saga answered with an error, and whether it is over. An unsettled saga (interrupted,
/// or its compensation could not finish) is still running: recovery will finish or undo it,
/// so its idempotency row stays `in_progress` and its lock stays taken until then.
#[derive(Debug)]
pub struct Failure {
    pub error: Error,
    pub settled: bool,
}

/// How a saga's idempotency row ends with the saga.
pub enum Settle {
    /// Store this answer for replays.
    Keep(Outcome),
    /// Drop the claim: a retry with the same key runs afresh.
    Forget,
    /// Leave the row as it is (the answer was stored when the order was finalised).
    AsIs,
}

impl Settle {
    /// The row for an error answer: kept unless it is a server fault.
    pub fn error(e: &Error) -> Self {
        if Outcome::keeps(e) {
            Self::Keep(Outcome::failure(e))
        } else {
            Self::Forget
        }
    }
}

impl Engine {
    pub fn new(
        db: Db,
        outbox: Option<Outbox>,
        ports: Ports,
        config: OrderConfig,
        encode: Encode,
    ) -> Self {
        Self {
            db,
            outbox,
            cart: ports.cart,
            stock: ports.stock,
            payments: ports.payments,
            config,
            encode,
        }
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// A read connection; `doing` says what for, should none be had ("taking a read
    /// connection for an order").
    pub(crate) async fn reader(&self, doing: &'static str) -> Result<PoolConnection<Any>> {
        self.db.reader().acquire().await.db_err(doing)
    }

    /// A connection to the writer; `doing` says what for, should none be had.
    pub(crate) async fn writer(&self, doing: &'static str) -> Result<PoolConnection<Any>> {
        self.db.writer().acquire().await.db_err(doing)
    }

    /// Begins a transaction; `doing` names it ("starting the order cancellation transaction").
    pub(crate) async fn begin(&self, doing: &'static str) -> Result<Transaction<'static, Any>> {
        self.db.begin().await.db_err(doing)
    }

    pub(crate) fn wake(&self) {
        if let Some(o) = &self.outbox {
            o.wake();
        }
    }

    /// When a saga last touched at `now` may be taken over by recovery.
    pub(crate) fn due_after(&self, now: i64) -> i64 {
        now + i64::try_from(self.config.recovery_after.as_millis()).unwrap_or(i64::MAX / 4)
    }

    /// The saga record `id`, as stored now.
    pub async fn record(&self, id: &str) -> Result<Option<Record>> {
        let mut conn = self
            .reader("taking a read connection for a saga record")
            .await?;
        sagas::get(&mut conn, id).await
    }

    /// Notes that `rec` completed `step` without writing it down, then stops there when the test
    /// hook says so: for the steps recovery decides on without their record. Held stock and a
    /// redeemed coupon are released on every undo (idempotently, by order id; releasing what
    /// was never held is a no-op), and whether the money was authorised or captured recovery
    /// asks the payment service, the owner of that fact, once the order is written (step 6,
    /// which is recorded). Each checkout then writes four fewer times to the order database
    /// (a commit each: SQLite's single writer, PostgreSQL's WAL).
    pub(crate) fn passed(&self, rec: &mut Record, step: Step, stop: Option<Step>) -> Result<()> {
        rec.step = step;
        stop_at(rec, step, stop)
    }
}

/// The test hook: stops the saga right after `step` when `stop` names it, leaving it exactly
/// as a crash at that point would (record running, lock taken, nothing undone).
pub(crate) fn stop_at(rec: &Record, step: Step, stop: Option<Step>) -> Result<()> {
    if stop == Some(step) {
        return Err(Error::unavailable(format!(
            "Checkout stopped after step `{}` (test hook)",
            step.as_str()
        ))
        .with_detail("sagaId", rec.id.clone())
        .with_detail("orderId", rec.order_id.as_str()));
    }
    Ok(())
}

impl Engine {
    /// Ends a running saga as `state` with its lock released (a finalised saga gave it back
    /// with its order) and its idempotency row settled, in one transaction.
    pub(crate) async fn end(&self, rec: &Record, state: State, settle: Settle) -> Result<()> {
        let now = now_ms();
        let settles = rec.idempotency.is_some() && !matches!(settle, Settle::AsIs);
        if rec.step >= Step::Finalised && !settles {
            // The usual end of a checkout: the lock and the answer went with the order, so
            // the state alone is left, one statement without a transaction around it.
            let mut conn = self.writer("taking a connection to end a saga").await?;
            return sagas::end(&mut conn, &rec.id, state, now).await;
        }
        let mut tx = self.begin("starting the transaction ending a saga").await?;
        sagas::end(&mut tx, &rec.id, state, now).await?;
        if rec.step < Step::Finalised {
            sagas::unlock(&mut tx, &rec.user_id, &rec.id).await?;
        }
        settle_idempotency(&mut tx, rec, settle, now).await?;
        tx.commit().await.db_err("committing the end of a saga")?;
        Ok(())
    }

    /// Whether the saga `id` is over (or never existed).
    pub(crate) async fn settled(&self, id: &str) -> bool {
        match self.record(id).await {
            Ok(Some(r)) => r.state != State::Running,
            Ok(None) => true,
            // Cannot tell: assume it still runs, so nothing is replayed from a guess.
            Err(_) => false,
        }
    }
}

pub(crate) async fn settle_idempotency(
    conn: &mut sqlx::AnyConnection,
    rec: &Record,
    settle: Settle,
    now: i64,
) -> Result<()> {
    let Some(key) = &rec.idempotency else {
        return Ok(());
    };
    match settle {
        Settle::Keep(o) => idempotency::finish(conn, &rec.user_id, key, &o.to_text(), now).await,
        Settle::Forget => idempotency::forget(conn, &rec.user_id, key).await,
        Settle::AsIs => Ok(()),
    }
}
