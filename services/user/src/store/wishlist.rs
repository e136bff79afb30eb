//! The `wishlist` table: one row per (user, product), newest first.
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row as _};
use vici_kit::Result;
use vici_store::error::SqlxResultExt as _;

use crate::domain::wishlist::Entry;
use vici_proto::paging::Page;

fn from_row(r: &AnyRow) -> sqlx::Result<Entry> {
    Ok(Entry {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        product_id: r.try_get("product_id")?,
        added_at: r.try_get("added_at")?,
    })
}

/// Adds the entry; `false` when the user already has that product (the unique pair decides,
/// so two concurrent adds store one row).
pub async fn insert(conn: &mut AnyConnection, e: &Entry) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO wishlist (id, user_id, product_id, added_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id, product_id) DO NOTHING",
    )
    .bind(&e.id)
    .bind(&e.user_id)
    .bind(&e.product_id)
    .bind(e.added_at)
    .execute(conn)
    .await
    .db_err("adding a product to a user's wishlist")?;
    Ok(done.rows_affected() == 1)
}

/// One page of the user's entries, newest first, and how many there are in all.
pub async fn page(
    conn: &mut AnyConnection,
    user_id: &str,
    page: Page,
) -> Result<(Vec<Entry>, i64)> {
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM wishlist WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(&mut *conn)
        .await
        .db_err("counting a user's wishlist entries")?;
    let rows = sqlx::query(
        "SELECT id, user_id, product_id, added_at FROM wishlist WHERE user_id = $1 \
         ORDER BY added_at DESC, id DESC LIMIT $2 OFFSET $3",
    )
    .bind(user_id)
    .bind(i64::from(page.limit))
    .bind(page.offset())
    .fetch_all(conn)
    .await
    .db_err("reading a page of a user's wishlist")?;
    let entries = rows
        .iter()
        .map(from_row)
        .collect::<sqlx::Result<_>>()
        .db_err("decoding a user's wishlist entries")?;
    Ok((entries, total))
}

/// Removes the product from the user's wishlist; `false` when it was not there.
pub async fn remove(conn: &mut AnyConnection, user_id: &str, product_id: &str) -> Result<bool> {
    let done = sqlx::query("DELETE FROM wishlist WHERE user_id = $1 AND product_id = $2")
        .bind(user_id)
        .bind(product_id)
        .execute(conn)
        .await
        .db_err("removing a product from a user's wishlist")?;
    Ok(done.rows_affected() == 1)
}
