//! The cart service's SQL: one text for SQLite and PostgreSQL, `$n` parameters only. Functions
//! take a connection so the service decides what shares a transaction.
pub mod carts;
pub mod coupons;
pub mod migrations;

use sqlx::AnyConnection;
use vici_kit::Result;
use vici_store::error::SqlxResultExt as _;

use crate::domain::cart::Cart;

/// Serialises one user's cart mutations for the rest of the transaction and counts as activity.
/// The upsert creates the cart when missing; otherwise it bumps `version`, stamps the mutation
/// time (never moving it back: `now` is read before a waiting transaction gets the lock) and
/// re-arms the abandoned-cart announcement. On PostgreSQL ON CONFLICT DO UPDATE
/// row-locks the cart until commit, so a second mutation of the same user waits here and then
/// reads what the first committed, while other users' carts are untouched; on SQLite the single
/// writer connection already runs write transactions one at a time.
pub async fn lock_cart(conn: &mut AnyConnection, user_id: &str, now: i64) -> Result<Cart> {
    let row = sqlx::query(
        "INSERT INTO carts (id, user_id, version, created_at, updated_at) VALUES ($1, $2, 0, $3, $3) \
         ON CONFLICT (user_id) DO UPDATE SET version = carts.version + 1, \
         updated_at = CASE WHEN excluded.updated_at > carts.updated_at \
         THEN excluded.updated_at ELSE carts.updated_at END, abandoned_at = NULL \
         RETURNING id, user_id, coupon_id, created_at, updated_at, version",
    )
    .bind(vici_types::new_id())
    .bind(user_id)
    .bind(now)
    .fetch_one(conn)
    .await
    .db_err("locking the cart")?;
    carts::cart_from_row(&row).db_err("locking the cart")
}
