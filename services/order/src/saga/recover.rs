//! Recovery: sagas still running past their `due_at` (their process died, or a neighbour was
//! down while compensating) are claimed one by one with a conditional update, so two replicas
//! never work on the same one, and finished or undone. A checkout whose payment the payment
//! service reports SUCCEEDED goes forward (commit, confirm, clear the cart); any other is
//! compensated. The same pass purges idempotency rows past their 24 hours.
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use vici_kit::{ErrorCode, Result};
use vici_types::idempotency::KEEP_MS;

use super::flows::EXPIRED;
use super::undo::Undo;
use super::{Engine, Record, Settle};
use crate::domain::order::{CASH_ON_DELIVERY, SYSTEM};
use crate::domain::payment::ChargeStatus;
use crate::domain::saga::{Kind, Step};
use crate::store::{idempotency, sagas};

/// What a checkout interrupted before payment ends with.
pub const INTERRUPTED: &str = "Checkout was interrupted; nothing was charged";
const BATCH: i64 = 50;

/// What one pass did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Sagas taken forward to the end.
    pub finished: usize,
    /// Sagas compensated (or cancellations completed).
    pub undone: usize,
    /// Sagas that could not be handled now (retried on a later pass).
    pub failed: usize,
    pub purged_keys: u64,
}

enum Recovered {
    Finished,
    Undone,
}

/// One recovery pass as of `now` (tests pass a time past `recovery_after` instead of waiting).
pub async fn recover_once(engine: &Engine, now: i64) -> Result<Report> {
    let mut report = Report::default();
    {
        let mut conn = engine
            .writer("taking a connection to purge idempotency keys")
            .await?;
        report.purged_keys = idempotency::purge(&mut conn, now - KEEP_MS).await?;
    }
    // Each saga at most once per pass, even when handling it moved its due time back.
    let mut seen = HashSet::new();
    loop {
        let due = {
            let mut conn = engine
                .reader("taking a read connection for the sagas due")
                .await?;
            sagas::due(&mut conn, now, BATCH).await?
        };
        let fresh: Vec<Record> = due
            .into_iter()
            .filter(|r| seen.insert(r.id.clone()))
            .collect();
        if fresh.is_empty() {
            break;
        }
        for rec in fresh {
            let claimed = {
                let mut conn = engine
                    .writer("taking a connection to claim a saga for recovery")
                    .await?;
                sagas::claim(&mut conn, &rec.id, rec.due_at, engine.due_after(now)).await?
            };
            if !claimed {
                continue;
            }
            match engine.recover(rec.clone()).await {
                Ok(Recovered::Finished) => report.finished += 1,
                Ok(Recovered::Undone) => report.undone += 1,
                Err(e) => {
                    tracing::warn!(saga = %rec.id, error = ?e, "recovery will retry this saga");
                    report.failed += 1;
                }
            }
        }
    }
    Ok(report)
}

/// Runs [`recover_once`] every `every`, and at once when `wake` is notified.
pub fn spawn(
    engine: Arc<Engine>,
    every: Duration,
    wake: Arc<Notify>,
    shutdown: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = tokio::time::sleep(every) => {}
                _ = wake.notified() => {}
            }
            match recover_once(&engine, vici_store::now_ms()).await {
                Ok(r) if r == Report::default() => {}
                Ok(r) => tracing::info!(?r, "order recovery pass"),
                Err(e) => tracing::warn!(error = ?e, "order recovery failed; will retry"),
            }
        }
    })
}

impl Engine {
    async fn recover(&self, mut rec: Record) -> Result<Recovered> {
        if rec.kind == Kind::Cancel {
            self.run_cancel(&rec).await?;
            return Ok(Recovered::Undone);
        }
        if rec.step >= Step::Finalised {
            // The order stands; only the cart and the record are left.
            self.wind_up(&rec).await?;
            return Ok(Recovered::Finished);
        }
        let payment = if rec.step >= Step::OrderWritten {
            self.payment(&rec.order_id).await?
        } else {
            None
        };
        let paid = payment
            .as_ref()
            .is_some_and(|p| p.status == ChargeStatus::Succeeded);
        let cash_promised = rec.payment_method == CASH_ON_DELIVERY && rec.step >= Step::Committed;
        if let Some(p) = payment.filter(|_| paid || cash_promised) {
            return self.go_forward(&mut rec, &p.id).await;
        }
        let undo = if rec.kind == Kind::Pay && rec.step < Step::Committed {
            // Its order stays PAYMENT_PENDING with its stock held; only the attempt goes.
            Undo::Payment {
                reason: INTERRUPTED.into(),
            }
        } else {
            Undo::All {
                reason: INTERRUPTED.into(),
                payment_status: None,
                by: SYSTEM.into(),
            }
        };
        // A retry with the same key then runs afresh rather than replaying an interruption.
        self.compensate(&rec, undo, Settle::Forget).await?;
        Ok(Recovered::Undone)
    }

    /// Steps 8, 10 and 11 for a saga whose money is taken.
    async fn go_forward(&self, rec: &mut Record, payment_id: &str) -> Result<Recovered> {
        if let Err(e) = self.commit_stock(&rec.order_id).await {
            if e.code != ErrorCode::Conflict {
                return Err(e);
            }
            // The stock is gone: the payment is refunded and the order cancelled.
            let undo = Undo::All {
                reason: EXPIRED.into(),
                payment_status: None,
                by: SYSTEM.into(),
            };
            self.compensate(rec, undo, Settle::Forget).await?;
            return Ok(Recovered::Undone);
        }
        match self.confirm(rec, payment_id).await {
            Ok(_) => {
                self.wind_up(rec).await?;
                Ok(Recovered::Finished)
            }
            // The order was cancelled meanwhile and `confirm` compensated the saga.
            Err(_) if self.settled(&rec.id).await => Ok(Recovered::Undone),
            Err(e) => Err(e),
        }
    }
}
