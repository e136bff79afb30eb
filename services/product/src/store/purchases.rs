//! Purchases as the product service knows them: one row per (user, product) ever paid for, and
//! the `verified` mark on that user's review of that product.
use sqlx::AnyConnection;

/// Records that `user_id` bought `product_id` (once; later orders change nothing) and marks
/// their review of it, if they wrote one before buying, as verified.
pub async fn record(
    conn: &mut AnyConnection,
    user_id: &str,
    product_id: &str,
    order_id: &str,
    at_ms: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO purchases (user_id, product_id, first_order_id, purchased_at)
         VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, product_id) DO NOTHING",
    )
    .bind(user_id)
    .bind(product_id)
    .bind(order_id)
    .bind(at_ms)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE reviews SET verified = $1 WHERE user_id = $2 AND product_id = $3")
        .bind(true)
        .bind(user_id)
        .bind(product_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Whether `user_id` has paid for `product_id`.
pub async fn has_bought(
    conn: &mut AnyConnection,
    user_id: &str,
    product_id: &str,
) -> Result<bool, sqlx::Error> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM purchases WHERE user_id = $1 AND product_id = $2")
            .bind(user_id)
            .bind(product_id)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(found.is_some())
}
