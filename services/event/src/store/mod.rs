//! The event service's SQL, one text for SQLite and PostgreSQL: the recent events, by id (a
//! client's retry) and by user (newest first), and their purge past the window.
pub mod migrations;

use sqlx::{AnyConnection, Row as _};
use vici_bus::CloudEvent;
use vici_store::Db;

/// Who an accepted event is about, for finding it again.
pub struct Recent {
    pub user_id: Option<String>,
    pub session_id: String,
}

/// Keeps `event`; false when an event with its id is kept already (a retry).
pub async fn remember(
    conn: &mut AnyConnection,
    event: &CloudEvent,
    recent: &Recent,
    recorded_at: i64,
) -> Result<bool, sqlx::Error> {
    let payload = String::from_utf8_lossy(&event.to_json()).into_owned();
    let inserted = sqlx::query(
        "INSERT INTO behaviour_events (id, user_id, session_id, event_type, recorded_at, payload) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING",
    )
    .bind(&event.id)
    .bind(recent.user_id.as_deref())
    .bind(&recent.session_id)
    .bind(&event.event_type)
    .bind(recorded_at)
    .bind(payload)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(inserted == 1)
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
