//! The `inbox` table: each user's in-app notifications, one per in-app delivery (the unique
//! delivery id makes a second write of the same delivery impossible).
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row as _};
use vici_kit::Result;
use vici_proto::paging::Page;
use vici_store::error::SqlxResultExt as _;
use vici_store::get_flag;

/// One in-app notification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub id: String,
    pub user_id: String,
    pub delivery_id: String,
    /// The template's name: the contract's `type`.
    pub template: String,
    pub title: String,
    pub message: String,
    pub read: bool,
    /// When the shop learned of it (its delivery's creation), so the inbox is in the order
    /// things happened however the sends interleaved; ties go by delivery id (made in order).
    pub created_at: i64,
}

fn from_row(r: &AnyRow) -> sqlx::Result<Entry> {
    Ok(Entry {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        delivery_id: r.try_get("delivery_id")?,
        template: r.try_get("template")?,
        title: r.try_get("title")?,
        message: r.try_get("message")?,
        read: get_flag(r, "is_read")?,
        created_at: r.try_get("created_at")?,
    })
}

const COLUMNS: &str = "id, user_id, delivery_id, template, title, message, is_read, created_at";

pub async fn insert(conn: &mut AnyConnection, e: &Entry) -> Result<()> {
    sqlx::query(
        "INSERT INTO inbox (id, user_id, delivery_id, template, title, message, is_read, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 0, $7)",
    )
    .bind(&e.id)
    .bind(&e.user_id)
    .bind(&e.delivery_id)
    .bind(&e.template)
    .bind(&e.title)
    .bind(&e.message)
    .bind(e.created_at)
    .execute(conn)
    .await
    .db_err("storing an in-app notification")?;
    Ok(())
}

/// One page of the user's notifications (only the unread ones with `unread_only`), newest
/// first; how many match, and how many are unread.
pub async fn page(
    conn: &mut AnyConnection,
    user_id: &str,
    unread_only: bool,
    page: Page,
) -> Result<(Vec<Entry>, i64, i64)> {
    let unread: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM inbox WHERE user_id = $1 AND is_read = 0")
            .bind(user_id)
            .fetch_one(&mut *conn)
            .await
            .db_err("counting unread notifications")?;
    let total: i64 = if unread_only {
        unread
    } else {
        sqlx::query_scalar("SELECT COUNT(*) FROM inbox WHERE user_id = $1")
            .bind(user_id)
            .fetch_one(&mut *conn)
            .await
            .db_err("counting notifications")?
    };
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM inbox WHERE user_id = $1 AND ($2 = 0 OR is_read = 0) \
         ORDER BY created_at DESC, delivery_id DESC LIMIT $3 OFFSET $4"
    ))
    .bind(user_id)
    .bind(i64::from(unread_only))
    .bind(i64::from(page.limit))
    .bind(page.offset())
    .fetch_all(conn)
    .await
    .db_err("reading a page of notifications")?;
    let entries = rows
        .iter()
        .map(from_row)
        .collect::<sqlx::Result<_>>()
        .db_err("decoding notifications")?;
    Ok((entries, total, unread))
}

/// Marks one of the user's notifications read; `false` when the user has no such one.
pub async fn mark_read(conn: &mut AnyConnection, user_id: &str, id: &str) -> Result<bool> {
    let done = sqlx::query("UPDATE inbox SET is_read = 1 WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user_id)
        .execute(conn)
        .await
        .db_err("marking a notification read")?;
    Ok(done.rows_affected() == 1)
}

/// Marks all the user's notifications read; how many were unread.
pub async fn mark_all_read(conn: &mut AnyConnection, user_id: &str) -> Result<u64> {
    let done = sqlx::query("UPDATE inbox SET is_read = 1 WHERE user_id = $1 AND is_read = 0")
        .bind(user_id)
        .execute(conn)
        .await
        .db_err("marking notifications read")?;
    Ok(done.rows_affected())
}

/// One notification by id (any user's: the live feed reads back what it heard of).
pub async fn get(db: &vici_store::Db, id: &str) -> Result<Option<Entry>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM inbox WHERE id = $1"))
        .bind(id)
        .fetch_optional(db.reader())
        .await
        .db_err("reading a notification")?;
    row.as_ref()
        .map(from_row)
        .transpose()
        .db_err("decoding a notification")
}
