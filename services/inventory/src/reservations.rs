//! The reservation use cases of the checkout saga: reserve (all lines or none, once per order),
//! commit, release, and expire (the sweeper's). Each is safe to repeat and to race with itself
//! and with the others: the first caller's effect is the only one.
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use vici_kit::{Error, Result};
use vici_store::outbox::Outbox;
use vici_store::{Db, now_ms};
use vici_types::OrderId;

use crate::domain::reservation::{
    Line, Status, Step, commit_step, different_reservation, expire_step, release_step,
    reservation_not_found,
};
use crate::events;
use crate::known::KnownLevels;
use crate::store::reservations::{self as store, Created, Reservation};

pub struct Reservations {
    pub db: Db,
    pub outbox: Outbox,
    /// The hold of a reservation whose caller names no TTL.
    pub default_ttl: Duration,
    /// Forgotten after every stock move here, before the caller hears of it.
    pub levels: KnownLevels,
}

impl Reservations {
    /// Holds `lines` (merged, in lock order) for `order_id` until `ttl` from now; a repeat for
    /// the same order returns the first reservation as it is now, whatever its status.
    pub async fn reserve(
        &self,
        order_id: &OrderId,
        lines: Vec<Line>,
        ttl: Duration,
    ) -> Result<Reservation> {
        let order_id = order_id.as_str();
        // No read first: the reservation's row goes in before any stock is touched, so a
        // repeat finds the order's reservation there (`Created::Exists`) and moves nothing.
        let ttl_ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
        let expires_at = now_ms().saturating_add(ttl_ms);
        let created = store::create(&self.db, order_id, &lines, expires_at).await;
        self.levels
            .forget(lines.iter().map(|l| l.product_id.as_str()));
        match created? {
            Created::New(r) => {
                self.outbox.wake();
                Ok(r)
            }
            Created::Exists => {
                // A repeat, or a concurrent call for the same order that committed first:
                // answer with that reservation.
                let winner = store::get(&self.db, order_id).await?.ok_or_else(|| {
                    Error::unavailable("This order's reservation is changing; please retry")
                })?;
                same_lines(winner, &lines)
            }
        }
    }

    pub async fn commit(&self, order_id: &OrderId) -> Result<Reservation> {
        self.advance(order_id, commit_step, None).await
    }

    pub async fn release(&self, order_id: &OrderId, note: Option<&str>) -> Result<Reservation> {
        self.advance(order_id, release_step, note).await
    }

    /// [`advance`], then what a stock move here owes: the levels forgotten (all of them when
    /// the call failed on our side, since its move may have committed), the relay woken.
    async fn advance(
        &self,
        order_id: &OrderId,
        decide: fn(Status) -> Step,
        note: Option<&str>,
    ) -> Result<Reservation> {
        match advance(&self.db, order_id.as_str(), decide, note).await {
            Ok((r, moved)) => {
                if moved {
                    self.levels
                        .forget(r.lines.iter().map(|l| l.product_id.as_str()));
                    self.outbox.wake();
                }
                Ok(r)
            }
            Err(e) => {
                if e.code.is_server_fault() {
                    self.levels.forget_all();
                }
                Err(e)
            }
        }
    }

    pub async fn get(&self, order_id: &OrderId) -> Result<Reservation> {
        store::get(&self.db, order_id.as_str())
            .await?
            .ok_or_else(|| reservation_not_found(order_id.as_str()))
    }
}

fn same_lines(existing: Reservation, requested: &[Line]) -> Result<Reservation> {
    if existing.lines == requested {
        Ok(existing)
    } else {
        Err(different_reservation(&existing.order_id))
    }
}

/// Moves the reservation of `order_id` as `decide` says for its status; returns it as it is
/// afterwards and whether this call moved it. The move is conditional on the status it was
/// decided for, so a call that loses a race reads the new status and decides again; statuses
/// only move forward, so that ends within a few rounds.
pub async fn advance(
    db: &Db,
    order_id: &str,
    decide: fn(Status) -> Step,
    note: Option<&str>,
) -> Result<(Reservation, bool)> {
    for _ in 0..4 {
        let mut r = store::get(db, order_id)
            .await?
            .ok_or_else(|| reservation_not_found(order_id))?;
        let mv = match decide(r.status) {
            Step::Done => return Ok((r, false)),
            Step::Refuse(e) => return Err(e),
            Step::Move(mv) => mv,
        };
        let also = if mv.to == Status::Expired {
            vec![events::reservation_expired(&r.id, &r.order_id)]
        } else {
            Vec::new()
        };
        let now = now_ms();
        if store::transition(db, &r, mv, note, now, &also).await? {
            r.status = mv.to;
            r.updated_at = now;
            return Ok((r, true));
        }
    }
    Err(Error::unavailable(
        "This reservation is changing too quickly; please retry",
    ))
}

/// Expires every HELD reservation whose time has come by `now_ms`, returning its stock;
/// how many this call expired (a reservation committed or released meanwhile is left alone).
/// One that cannot be expired is logged and passed over, and the sweep reports it as an error
/// once the others are done.
pub async fn sweep_expired(db: &Db, now_ms: i64) -> anyhow::Result<usize> {
    const BATCH: i64 = 100;
    let mut expired = 0;
    let mut failed = Vec::new();
    let mut after = (i64::MIN, String::new());
    loop {
        // Debug keeps the cause an internal error hides from callers.
        let due = store::due(db, now_ms, &after, BATCH)
            .await
            .map_err(anyhow::Error::from)?;
        for (expires_at, order_id) in &due {
            match advance(db, order_id, expire_step, None).await {
                Ok((_, moved)) => expired += usize::from(moved),
                Err(e) => {
                    tracing::warn!(order_id, error = ?e, "expiring a reservation failed");
                    failed.push(format!("{order_id}: {e:?}"));
                }
            }
            after = (*expires_at, order_id.clone());
        }
        if (due.len() as i64) < BATCH {
            break;
        }
    }
    match failed.first() {
        None => Ok(expired),
        Some(first) => Err(anyhow::anyhow!(
            "{} expired reservation(s) could not be released (expired {expired}); first: {first}",
            failed.len()
        )),
    }
}

/// Runs [`sweep_expired`] every `every` until `shutdown`. Several replicas may sweep at once:
/// each reservation still expires once.
pub fn sweeper(
    db: Db,
    outbox: Outbox,
    levels: KnownLevels,
    every: Duration,
    shutdown: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = tokio::time::sleep(every) => {}
            }
            let swept = sweep_expired(&db, now_ms()).await;
            if !matches!(swept, Ok(0)) {
                levels.forget_all();
            }
            match swept {
                Ok(0) => {}
                Ok(n) => {
                    outbox.wake();
                    tracing::info!(expired = n, "released expired reservations");
                }
                Err(e) => tracing::warn!(
                    error = %format!("{e:#}"),
                    "sweeping expired reservations failed; will retry"
                ),
            }
        }
    })
}
