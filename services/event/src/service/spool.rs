//! The spool's cap. Accepted events wait in the outbox until the broker takes them (a broker
//! outage fills it); past `event.spool_limit_mb` of waiting events, behaviour events are dropped
//! (counted and logged) so an outage of hours cannot fill the disk. The size is the outbox's
//! waiting rows (counted on its index every few seconds; reading their payloads would cost a
//! full read of the spool each time) times the mean size of the rows written, grown by what is
//! written in between.
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use vici_store::{Db, outbox};

use super::counts;

const MEASURE_EVERY: Duration = Duration::from_secs(2);

pub struct Spool {
    limit: u64,
    bytes: AtomicU64,
    dropped: AtomicU64,
    /// Rows and bytes written since start, for the mean size of a row.
    rows_written: AtomicU64,
    bytes_written: AtomicU64,
}

impl Spool {
    pub fn new(limit: u64) -> Arc<Self> {
        counts::spool_limit(limit);
        Arc::new(Self {
            limit,
            bytes: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            rows_written: AtomicU64::new(0),
            bytes_written: AtomicU64::new(0),
        })
    }

    /// Whether `rows` outbox rows of `bytes` in all fit under the cap; if so they are counted
    /// as waiting.
    pub fn take(&self, rows: u64, bytes: u64) -> bool {
        if self.bytes.load(Ordering::Relaxed) >= self.limit {
            let dropped = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
            counts::dropped("spool_full");
            // One line per thousand drops: an outage must not also flood the log.
            if dropped % 1_000 == 1 {
                tracing::warn!(
                    dropped,
                    limit_bytes = self.limit,
                    "the event spool is full: behaviour events are being dropped until the broker takes the waiting ones"
                );
            }
            return false;
        }
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
        self.rows_written.fetch_add(rows, Ordering::Relaxed);
        self.bytes_written.fetch_add(bytes, Ordering::Relaxed);
        true
    }

    /// The waiting bytes of `rows` waiting rows, at the mean size of the rows written.
    fn estimate(&self, rows: u64) -> u64 {
        let written = self.rows_written.load(Ordering::Relaxed).max(1);
        rows.saturating_mul(self.bytes_written.load(Ordering::Relaxed) / written)
    }

    /// Measures the waiting events now and every [`MEASURE_EVERY`] until `shutdown`.
    pub fn measure(
        self: Arc<Self>,
        db: Db,
        shutdown: CancellationToken,
    ) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                match outbox::pending(&db).await {
                    Ok(rows) => {
                        let bytes = self.estimate(rows.max(0) as u64);
                        self.bytes.store(bytes, Ordering::Relaxed);
                        counts::spool_bytes(bytes);
                    }
                    Err(e) => {
                        tracing::warn!(error = %format!("{e:#}"), "measuring the event spool failed; will retry")
                    }
                }
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    _ = tokio::time::sleep(MEASURE_EVERY) => {}
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_taken_until_the_cap_then_dropped() {
        let spool = Spool::new(1_000);
        assert!(spool.take(2, 600));
        assert!(spool.take(1, 600), "under the cap when asked: taken");
        assert!(!spool.take(1, 10), "at or past the cap: dropped");
        spool.bytes.store(0, Ordering::Relaxed);
        assert!(
            spool.take(1, 10),
            "room again once the broker took the waiting events"
        );
        assert_eq!(spool.dropped.load(Ordering::Relaxed), 1);
        assert_eq!(
            spool.estimate(4),
            4 * (1_210 / 4),
            "rows at the mean size written"
        );
    }
}
