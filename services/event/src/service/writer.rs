//! Recording accepted events: each one in the recent-events table (its id finds a client's
//! retry) and in the outbox (which publishes it, also after a broker outage or a crash), events
//! of concurrent calls together in one transaction, so a busy shop pays one commit for many
//! events rather than one each.
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use vici_bus::CloudEvent;
use vici_kit::{Error, Result};
use vici_store::error::map_sqlx;
use vici_store::outbox::{self, Outbox};
use vici_store::{Db, now_ms};

use crate::store;

/// Most events written in one transaction.
const MOST_PER_COMMIT: usize = 1_000;
/// Calls waiting for the writer before new ones wait to hand theirs over.
const QUEUE: usize = 1_024;

/// One event ready to be recorded.
pub struct Ready {
    pub event: CloudEvent,
    /// `user-events` first, then the subset topic, if any.
    pub topics: &'static [&'static str],
    pub key: String,
    /// Kept in the recent events (an accepted behaviour event) or only published (a rejected
    /// event's record on `user-events.invalid`).
    pub recent: Option<store::Recent>,
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
    /// Starts the writing task on `db`, waking `outbox` after each commit.
    pub fn start(
        db: Db,
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
                let written = write(&db, &batch).await;
                super::counts::recorded(started.elapsed().as_secs_f64());
                if written.is_ok() {
                    outbox.wake();
                }
                hand_back(batch, written);
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

/// Writes every job's events in one transaction; per event, whether it was new.
async fn write(db: &Db, batch: &[Job]) -> Result<Vec<Vec<bool>>> {
    let events: Vec<&Ready> = batch.iter().flat_map(|job| &job.events).collect();
    let payloads: Vec<String> = events.iter().map(|r| r.event.to_json_text()).collect();
    let kept: Vec<store::Kept> = events
        .iter()
        .zip(&payloads)
        .filter_map(|(ready, payload)| {
            Some(store::Kept {
                event: &ready.event,
                recent: ready.recent.as_ref()?,
                payload,
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
        .zip(&payloads)
        .zip(&fresh)
        .filter(|(_, new)| **new)
        .flat_map(|((ready, payload), _)| {
            ready.topics.iter().map(move |topic| outbox::Row {
                id: uuid::Uuid::now_v7().to_string(),
                topic,
                key: &ready.key,
                payload,
                kept: None,
            })
        })
        .collect();
    outbox::enqueue_rows(&mut tx, &rows)
        .await
        .map_err(|e| map_sqlx(e, &[], "writing behaviour events to the outbox"))?;
    tx.commit()
        .await
        .map_err(|e| map_sqlx(e, &[], "committing the events transaction"))?;
    let mut fresh = fresh.into_iter();
    Ok(batch
        .iter()
        .map(|job| fresh.by_ref().take(job.events.len()).collect())
        .collect())
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
