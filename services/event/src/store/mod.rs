//! The event service's SQL, one text for SQLite and PostgreSQL: the recent events, by id (a
//! client's retry) and by user (newest first), and their purge past the window.
pub mod migrations;

use std::collections::HashSet;

use sqlx::{AnyConnection, Row as _};
use vici_bus::CloudEvent;
use vici_store::Db;
use vici_store::sql::{Param, Sql, row_runs};

/// Who an accepted event is about, for finding it again.
pub struct Recent {
    pub user_id: Option<String>,
    pub session_id: String,
}

/// One accepted event to keep, with its JSON as published.
pub struct Kept<'a> {
    pub event: &'a CloudEvent,
    pub recent: &'a Recent,
    pub payload: &'a str,
}

/// Keeps `events` in few statements; returns the ids that were new. An id kept already (a
/// client's retry), or seen twice in `events`, is kept once.
pub async fn remember(
    conn: &mut AnyConnection,
    events: &[Kept<'_>],
    recorded_at: i64,
) -> Result<HashSet<String>, sqlx::Error> {
    let mut new = HashSet::with_capacity(events.len());
    for run in row_runs(events.len()) {
        let mut sql = Sql::new(
            "INSERT INTO behaviour_events \
             (id, user_id, session_id, event_type, recorded_at, payload) VALUES ",
        );
        for (i, kept) in events[run].iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.bind_list([
                Param::from(kept.event.id.as_str()),
                kept.recent.user_id.as_deref().into(),
                kept.recent.session_id.as_str().into(),
                kept.event.event_type.as_str().into(),
                recorded_at.into(),
                kept.payload.into(),
            ]);
        }
        sql.push(" ON CONFLICT (id) DO NOTHING RETURNING id");
        for row in sql.query().fetch_all(&mut *conn).await? {
            new.insert(row.try_get("id")?);
        }
    }
    Ok(new)
}

/// The newest `limit` events of `user_id` (of `event_type` only, when given), as published.
pub async fn of_user(
    db: &Db,
    user_id: &str,
    event_type: Option<&str>,
    limit: i64,
) -> Result<Vec<String>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT payload FROM behaviour_events WHERE user_id = $1 \
         AND ($2 IS NULL OR event_type = $2) ORDER BY recorded_at DESC, id DESC LIMIT $3",
    )
    .bind(user_id)
    .bind(event_type)
    .bind(limit)
    .fetch_all(db.reader())
    .await?;
    rows.iter().map(|r| r.try_get("payload")).collect()
}

/// Forgets the events recorded before `before` (unix ms); how many.
pub async fn forget_before(db: &Db, before: i64) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM behaviour_events WHERE recorded_at < $1")
            .bind(before)
            .execute(db.writer())
            .await?
            .rows_affected(),
    )
}
