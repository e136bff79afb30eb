//! The transactional outbox: an event is written in the same transaction as the change it
//! announces, and a relay publishes pending rows to the bus in order, at least once.
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use sqlx::{AnyConnection, Row as _};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use vici_bus::{CloudEvent, Outgoing, SharedBus};

use crate::sql::Param;
use crate::{Db, now_ms};

/// Writes `event` to the outbox of the transaction behind `conn`.
pub async fn enqueue(
    conn: &mut AnyConnection,
    topic: &str,
    key: &str,
    event: &CloudEvent,
) -> Result<(), sqlx::Error> {
    enqueue_to_all(conn, &[topic], key, event).await
}

/// Writes the same `event` for each of `topics` (behaviour events go to `user-events` and to a
/// subset topic). Consumers of several topics see one event id and deduplicate on it; the outbox
/// rows need ids of their own, so only the first row is keyed by the event id.
pub async fn enqueue_to_all(
    conn: &mut AnyConnection,
    topics: &[&str],
    key: &str,
    event: &CloudEvent,
) -> Result<(), sqlx::Error> {
    insert(conn, topics, key, event, None).await
}

/// Writes `event`, whose `data` fields named in `secrets` must not outlive its publication (a
/// mailed link's token): once published, the row keeps the event with those fields
/// `"[redacted]"`, so a database backup or a curious reader of the outbox finds no live link.
pub async fn enqueue_with_secrets(
    conn: &mut AnyConnection,
    topic: &str,
    key: &str,
    event: &CloudEvent,
    secrets: &[&str],
) -> Result<(), sqlx::Error> {
    let mut kept = event.clone();
    if let Some(data) = kept.data.as_object_mut() {
        for field in secrets {
            if let Some(v) = data.get_mut(*field) {
                *v = serde_json::Value::from(REDACTED);
            }
        }
    }
    insert(conn, &[topic], key, event, Some(&kept)).await
}

/// What a secret reads as in a published row.
pub const REDACTED: &str = "[redacted]";

async fn insert(
    conn: &mut AnyConnection,
    topics: &[&str],
    key: &str,
    event: &CloudEvent,
    kept: Option<&CloudEvent>,
) -> Result<(), sqlx::Error> {
    let payload = event.to_json_text();
    let kept = kept.map(CloudEvent::to_json_text);
    let rows: Vec<Row> = topics
        .iter()
        .enumerate()
        .map(|(i, topic)| Row {
            id: if i == 0 {
                event.id.clone()
            } else {
                uuid::Uuid::now_v7().to_string()
            },
            topic,
            key,
            payload: &payload,
            kept: kept.as_deref(),
        })
        .collect();
    enqueue_rows(conn, &rows).await
}

/// One outbox row: the event's JSON, made once by the caller however many topics carry it.
pub struct Row<'a> {
    /// Unique per row; the relay publishes rows of one commit in the order of their ids, so a
    /// writer of many rows gives them increasing ones (`Uuid::now_v7` is ordered per process).
    pub id: String,
    pub topic: &'a str,
    pub key: &'a str,
    pub payload: &'a str,
    /// What the row keeps once published, when that differs (see [`enqueue_with_secrets`]).
    pub kept: Option<&'a str>,
}

/// Writes `rows` in few statements: a service recording thousands of events a second pays one
/// round trip per run of rows rather than one per row.
pub async fn enqueue_rows(conn: &mut AnyConnection, rows: &[Row<'_>]) -> Result<(), sqlx::Error> {
    let created_at = now_ms();
    for run in crate::sql::row_runs(rows.len()) {
        let mut sql = crate::sql::Sql::new(
            "INSERT INTO outbox (id, topic, event_key, payload, kept_payload, created_at) VALUES ",
        );
        for (i, row) in rows[run].iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.bind_list([
                Param::from(row.id.as_str()),
                row.topic.into(),
                row.key.into(),
                row.payload.into(),
                row.kept.into(),
                created_at.into(),
            ]);
        }
        sql.query().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Whether a row waits to be published, as the transaction behind `conn` sees the outbox: a
/// writer that publishes its own events at once does so only when nothing waits before them.
pub async fn any_pending(conn: &mut AnyConnection) -> Result<bool, sqlx::Error> {
    let waiting = sqlx::query("SELECT 1 AS waiting FROM outbox WHERE published_at IS NULL LIMIT 1")
        .fetch_optional(conn)
        .await?;
    Ok(waiting.is_some())
}

/// Handle to a service's outbox relay; `wake` after a commit publishes without waiting for the
/// next poll.
#[derive(Clone)]
pub struct Outbox {
    notify: Arc<Notify>,
    holds: Arc<AtomicUsize>,
}

/// While alive, the relay publishes nothing (see [`Outbox::hold`]); dropped, it wakes it.
pub struct Hold {
    outbox: Outbox,
}

impl Drop for Hold {
    fn drop(&mut self) {
        self.outbox.holds.fetch_sub(1, Ordering::SeqCst);
        self.outbox.wake();
    }
}

/// Rows published per round: enough that a busy service's events travel in few produce requests.
const BATCH: i64 = 1_000;
const POLL: Duration = Duration::from_millis(500);
/// Published rows are kept this long for inspection, then purged.
const KEEP_PUBLISHED_MS: i64 = 24 * 3600 * 1000;

impl Outbox {
    /// Starts the relay for `db`, publishing to `bus` until `shutdown`.
    pub fn start(
        db: Db,
        bus: SharedBus,
        shutdown: CancellationToken,
    ) -> (Self, tokio::task::JoinHandle<()>) {
        let notify = Arc::new(Notify::new());
        let wake = notify.clone();
        let holds = Arc::new(AtomicUsize::new(0));
        let held = holds.clone();
        let task = tokio::spawn(async move {
            let mut backoff = POLL;
            let mut last_purge = 0i64;
            loop {
                let round = if held.load(Ordering::SeqCst) > 0 {
                    Ok(0)
                } else {
                    relay_once(&db, &bus).await
                };
                match round {
                    Ok(n) if n as i64 == BATCH => continue,
                    Ok(_) => backoff = POLL,
                    Err(e) => {
                        tracing::warn!(error = %format!("{e:#}"), "outbox relay: publishing failed; will retry");
                        backoff = (backoff * 2).min(Duration::from_secs(10));
                    }
                }
                if now_ms() - last_purge > 3600 * 1000 {
                    last_purge = now_ms();
                    let _ = sqlx::query(
                        "DELETE FROM outbox WHERE published_at IS NOT NULL AND published_at < $1",
                    )
                    .bind(now_ms() - KEEP_PUBLISHED_MS)
                    .execute(db.writer())
                    .await;
                }
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = wake.notified() => {}
                    _ = tokio::time::sleep(backoff) => {}
                }
            }
            // Publish what committed before shutdown, best effort (held rows are a writer's in
            // flight: the next start sends them).
            if held.load(Ordering::SeqCst) == 0 {
                let _ = tokio::time::timeout(Duration::from_secs(2), relay_once(&db, &bus)).await;
            }
        });
        (Self { notify, holds }, task)
    }

    pub fn wake(&self) {
        self.notify.notify_one();
    }

    /// Keeps the relay from publishing until the [`Hold`] is dropped: for a writer whose own
    /// publication of rows it also wrote here is still in flight (the relay would send them a
    /// second time); the writer marks those the broker took ([`mark_published`]) before it
    /// lets go.
    pub fn hold(&self) -> Hold {
        self.holds.fetch_add(1, Ordering::SeqCst);
        Hold {
            outbox: self.clone(),
        }
    }
}

/// Publishes one batch of pending rows in creation order, handed to the broker together; the
/// rows after the first failure stay pending, so order per key is kept. The published rows are
/// marked in one write: a crash before it publishes them again, which the consumers'
/// de-duplication absorbs, as it does for any redelivery. Returns how many were published.
pub async fn relay_once(db: &Db, bus: &SharedBus) -> anyhow::Result<usize> {
    let rows = sqlx::query(
        "SELECT id, topic, event_key, payload FROM outbox WHERE published_at IS NULL ORDER BY created_at, id LIMIT $1",
    )
    .bind(BATCH)
    .fetch_all(db.reader())
    .await?;
    let rows = rows
        .iter()
        .map(|row| -> Result<[String; 4], sqlx::Error> {
            Ok([
                row.try_get("id")?,
                row.try_get("topic")?,
                row.try_get("event_key")?,
                row.try_get("payload")?,
            ])
        })
        .collect::<Result<Vec<_>, _>>()?;
    let outgoing: Vec<Outgoing> = rows
        .iter()
        .map(|[_, topic, key, payload]| Outgoing {
            topic,
            key,
            payload: payload.as_bytes(),
        })
        .collect();
    let results = bus.publish_all(&outgoing).await;
    let taken = results.iter().take_while(|r| r.is_ok()).count();
    let published: Vec<String> = rows[..taken].iter().map(|[id, ..]| id.clone()).collect();
    mark_published(db, &published).await?;
    match results.into_iter().nth(taken) {
        Some(Err(e)) => {
            let [id, topic, ..] = &rows[taken];
            sqlx::query("UPDATE outbox SET attempts = attempts + 1 WHERE id = $1")
                .bind(id)
                .execute(db.writer())
                .await?;
            Err(e.context(format!("publishing outbox event {id} to {topic}")))
        }
        _ => Ok(taken),
    }
}

/// Marks the rows `ids` published.
pub async fn mark_published(db: &Db, ids: &[String]) -> anyhow::Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    // A row with a kept payload gives up its secrets here, with its publication. Lists of a
    // hundred ids: binding costs the square of a statement's parameters (see `sql::row_runs`),
    // and one transaction keeps the marking a single write. Under load a round publishes a
    // few rows, which one statement marks without a transaction around it (two round trips
    // and a commit fewer per round, in every service).
    let published_at = now_ms();
    if ids.len() <= MARK_CHUNK {
        return Ok(mark_some(db.writer(), published_at, ids).await?);
    }
    let mut tx = db.begin().await?;
    for some in ids.chunks(MARK_CHUNK) {
        mark_some(&mut *tx, published_at, some).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Ids marked by one statement.
const MARK_CHUNK: usize = 100;

async fn mark_some<'c>(
    conn: impl sqlx::Executor<'c, Database = sqlx::Any>,
    published_at: i64,
    ids: &[String],
) -> Result<(), sqlx::Error> {
    let mut sql = crate::sql::Sql::new("UPDATE outbox SET published_at = ");
    sql.bind(published_at)
        .push(", payload = COALESCE(kept_payload, payload), kept_payload = NULL WHERE id IN ")
        .bind_list(ids);
    sql.query().execute(conn).await?;
    Ok(())
}

/// Number of events not yet published (for tests and metrics).
pub async fn pending(db: &Db) -> anyhow::Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE published_at IS NULL")
            .fetch_one(db.reader())
            .await?,
    )
}
