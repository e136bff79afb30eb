//! Recording accepted events: each one in the recent-events table (its id finds a client's
//! retry) and published, events of concurrent calls together in one transaction, so a busy shop
//! pays one commit for many events rather than one each.
//!
//! A behaviour event is the fact itself (no other change of the shop's state rides on its
//! transaction), so it is handed to the bus inside the transaction, before the commit: the
//! answer waits for both, and a crash between them leaves the caller unanswered, whose retry
//! records it and publishes it again (consumers de-duplicate on the id, as for any redelivery).
//! Only what the bus did not take waits in the outbox, which then publishes it, also after a
//! broker outage or a crash (what was still in flight when the wait ran out is settled first:
//! `publish`); while anything waits there, new events queue behind it, keeping their order per
//! key. A shop whose broker answers so writes each event once (its recent-events row), not four
//! times (with the outbox's insert, its relay's read and its marking).
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use vici_bus::{CloudEvent, SharedBus};
use vici_kit::{Error, Result};
use vici_store::error::map_sqlx;
use vici_store::outbox::{self, Outbox};
use vici_store::{Db, now_ms};

use super::publish::{self, Handed};
use crate::store;

/// Most events written in one transaction.
const MOST_PER_COMMIT: usize = 1_000;
/// Calls waiting for the writer before new ones wait to hand theirs over.
const QUEUE: usize = 1_024;

/// One event ready to be recorded, with its JSON as published (made once: it is kept,
/// published and measured against the spool's cap).
pub struct Ready {
    event: CloudEvent,
    payload: String,
    /// `user-events` first, then the subset topic, if any.
    topics: &'static [&'static str],
    key: String,
    /// Kept in the recent events (an accepted behaviour event) or only published (a rejected
    /// event's record on `user-events.invalid`).
    recent: Option<store::Recent>,
}

impl Ready {
    pub fn new(
        event: CloudEvent,
        topics: &'static [&'static str],
        key: String,
        recent: Option<store::Recent>,
    ) -> Self {
        Self {
            payload: event.to_json_text(),
            event,
            topics,
            key,
            recent,
        }
    }

    pub fn id(&self) -> &str {
        &self.event.id
    }

    /// The outbox rows it takes and their bytes, when it has to wait there.
    pub fn spool_size(&self) -> (u64, u64) {
        let rows = self.topics.len() as u64;
        (rows, rows * self.payload.len() as u64)
    }
}

struct Job {
    events: Vec<Ready>,
    done: oneshot::Sender<Result<Vec<bool>>>,
}

/// Hands events to the writing task.
#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::Sender<Job>,
}

impl Writer {
    /// Starts the writing task on `db`, publishing to `bus`, and waking `outbox` after a commit
    /// that left events in it.
    pub fn start(
        db: Db,
        bus: SharedBus,
        outbox: Outbox,
        shutdown: CancellationToken,
    ) -> (Self, tokio::task::JoinHandle<()>) {
        let (jobs, mut waiting) = mpsc::channel::<Job>(QUEUE);
        let task = tokio::spawn(async move {
            loop {
                let first = tokio::select! {
                    job = waiting.recv() => match job { Some(job) => job, None => return },
                    _ = shutdown.cancelled() => return,
                };
                let mut batch = vec![first];
                let mut count = batch[0].events.len();
                while count < MOST_PER_COMMIT {
                    match waiting.try_recv() {
                        Ok(job) => {
                            count += job.events.len();
                            batch.push(job);
                        }
                        Err(_) => break,
                    }
                }
                let started = std::time::Instant::now();
                let written = write(&db, &bus, &outbox, &batch).await;
                super::counts::recorded(started.elapsed().as_secs_f64());
                if let Ok((_, true)) = written {
                    outbox.wake();
                }
                hand_back(batch, written.map(|(fresh, _)| fresh));
            }
        });
        (Self { jobs }, task)
    }

    /// Records `events`; for each, whether it was new (a repeated id is recorded once).
    pub async fn record(&self, events: Vec<Ready>) -> Result<Vec<bool>> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let stopped = || Error::unavailable("The event service is stopping; please retry");
        let (done, result) = oneshot::channel();
        self.jobs
            .send(Job { events, done })
            .await
            .map_err(|_| stopped())?;
        result.await.map_err(|_| stopped())?
    }
}

/// Writes every job's events in one transaction, publishing the new ones (see the module's
/// note); per job, per event, whether it was new; and whether some wait in the outbox.
async fn write(
    db: &Db,
    bus: &SharedBus,
    outbox: &Outbox,
    batch: &[Job],
) -> Result<(Vec<Vec<bool>>, bool)> {
    let events: Vec<&Ready> = batch.iter().flat_map(|job| &job.events).collect();
    let kept: Vec<store::Kept> = events
        .iter()
        .filter_map(|ready| {
            Some(store::Kept {
                event: &ready.event,
                recent: ready.recent.as_ref()?,
                payload: &ready.payload,
            })
        })
        .collect();
    let mut tx = db
        .begin()
        .await
        .map_err(|e| map_sqlx(e, &[], "starting the events transaction"))?;
    let mut new_ids = store::remember(&mut tx, &kept, now_ms())
        .await
        .map_err(|e| map_sqlx(e, &[], "recording behaviour events"))?;
    // Only the first of two events with one id is new; a rejected event's record always is.
    let fresh: Vec<bool> = events
        .iter()
        .map(|ready| ready.recent.is_none() || new_ids.remove(&ready.event.id))
        .collect();
    let rows: Vec<outbox::Row> = events
        .iter()
        .zip(&fresh)
        .filter(|(_, new)| **new)
        .flat_map(|(ready, _)| {
            ready.topics.iter().map(move |topic| outbox::Row {
                id: uuid::Uuid::now_v7().to_string(),
                topic,
                key: &ready.key,
                payload: &ready.payload,
                kept: None,
            })
        })
        .collect();
    // Asked every time, not remembered: on PostgreSQL another replica's events may be waiting.
    let outbox_clear = rows.is_empty()
        || !outbox::any_pending(&mut tx)
            .await
            .map_err(|e| map_sqlx(e, &[], "looking for events waiting in the outbox"))?;
    let handed = if outbox_clear {
        publish::hand_over(bus, &rows).await
    } else {
        Handed::Took(0)
    };
    let (published, in_flight) = match handed {
        Handed::Took(n) => (n, None),
        Handed::InFlight(flight) => (0, Some(flight)),
    };
    if published < rows.len() && outbox_clear {
        tracing::warn!(
            waiting = rows.len() - published,
            "the bus did not take behaviour events at once; they wait in the outbox"
        );
    }
    outbox::enqueue_rows(&mut tx, &rows[published..])
        .await
        .map_err(|e| map_sqlx(e, &[], "writing behaviour events to the outbox"))?;
    // Held from before the commit, so the relay cannot send rows still in flight a second time.
    let hold = in_flight.as_ref().map(|_| outbox.hold());
    tx.commit()
        .await
        .map_err(|e| map_sqlx(e, &[], "committing the events transaction"))?;
    if let (Some(flight), Some(hold)) = (in_flight, hold) {
        flight.settle(db.clone(), hold);
    }
    let mut fresh = fresh.into_iter();
    let per_job = batch
        .iter()
        .map(|job| fresh.by_ref().take(job.events.len()).collect())
        .collect();
    Ok((per_job, published < rows.len()))
}

/// Tells each job's caller how its events fared: on a failure, the same error to each (its
/// cause logged here, once).
fn hand_back(batch: Vec<Job>, written: Result<Vec<Vec<bool>>>) {
    match written {
        Ok(fresh) => {
            for (job, fresh) in batch.into_iter().zip(fresh) {
                let _ = job.done.send(Ok(fresh));
            }
        }
        Err(e) => {
            if let Some(cause) = e.source_chain() {
                tracing::error!(error = ?cause, "recording behaviour events failed");
            }
            for job in batch {
                let _ = job.done.send(Err(Error::new(e.code, e.message.clone())));
            }
        }
    }
}
