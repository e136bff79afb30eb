//! The `orders_placed` table: when each user last placed an order (the time of its
//! `order.created`), so a reminder of a cart abandoned before it is never sent, whichever of
//! the two events is heard first.
use sqlx::AnyConnection;
use vici_kit::Result;
use vici_store::error::SqlxResultExt as _;

/// Records an order placed by `user_id` at `at` (a later one is kept).
pub async fn record(conn: &mut AnyConnection, user_id: &str, at: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO orders_placed (user_id, last_at) VALUES ($1, $2) \
         ON CONFLICT (user_id) DO UPDATE SET last_at = \
         CASE WHEN excluded.last_at > orders_placed.last_at THEN excluded.last_at ELSE orders_placed.last_at END",
    )
    .bind(user_id)
    .bind(at)
    .execute(conn)
    .await
    .db_err("recording an order placed")?;
    Ok(())
}

/// When `user_id` last placed an order, if ever.
pub async fn last(conn: &mut AnyConnection, user_id: &str) -> Result<Option<i64>> {
    sqlx::query_scalar("SELECT last_at FROM orders_placed WHERE user_id = $1")
        .bind(user_id)
        .fetch_optional(conn)
        .await
        .db_err("reading when a user last ordered")
}
