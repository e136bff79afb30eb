//! Purchases as the product service knows them: every paid order line and whether its order
//! was cancelled since, the (user, product) pairs bought by an order still standing, and the
//! `verified` mark on that user's review of that product.
use sqlx::AnyConnection;
use vici_kit::Result;
use vici_store::error::SqlxResultExt as _;

/// Records that `user_id` bought `product_id` in `order_id` (repeats change nothing; a line
/// whose order is already known to be cancelled stays cancelled) and settles the pair.
pub async fn record(
    conn: &mut AnyConnection,
    user_id: &str,
    product_id: &str,
    order_id: &str,
    at_ms: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO purchase_lines (order_id, product_id, user_id, cancelled)
         VALUES ($1, $2, $3, 0) ON CONFLICT (order_id, product_id) DO NOTHING",
    )
    .bind(order_id)
    .bind(product_id)
    .bind(user_id)
    .execute(&mut *conn)
    .await
    .db_err("recording a purchased order line")?;
    settle(conn, user_id, product_id, at_ms).await
}

/// Records that `order_id` of `user_id`, with lines of `product_ids`, was cancelled, whether or
/// not its purchases have arrived yet, and settles each pair.
pub async fn cancel(
    conn: &mut AnyConnection,
    user_id: &str,
    order_id: &str,
    product_ids: &[String],
    at_ms: i64,
) -> Result<()> {
    for product_id in product_ids {
        sqlx::query(
            "INSERT INTO purchase_lines (order_id, product_id, user_id, cancelled)
             VALUES ($1, $2, $3, 1) ON CONFLICT (order_id, product_id) DO UPDATE SET cancelled = 1",
        )
        .bind(order_id)
        .bind(product_id)
        .bind(user_id)
        .execute(&mut *conn)
        .await
        .db_err("marking an order's purchase line cancelled")?;
        settle(conn, user_id, product_id, at_ms).await?;
    }
    Ok(())
}

/// Makes `purchases` and the review's `verified` agree with the pair's lines: bought while one
/// of its orders still stands.
async fn settle(
    conn: &mut AnyConnection,
    user_id: &str,
    product_id: &str,
    at_ms: i64,
) -> Result<()> {
    let standing: Option<String> = sqlx::query_scalar(
        "SELECT MIN(order_id) FROM purchase_lines
         WHERE user_id = $1 AND product_id = $2 AND cancelled = 0",
    )
    .bind(user_id)
    .bind(product_id)
    .fetch_one(&mut *conn)
    .await
    .db_err("finding an order that still stands for a purchase")?;
    match &standing {
        Some(order_id) => sqlx::query(
            "INSERT INTO purchases (user_id, product_id, first_order_id, purchased_at)
             VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, product_id) DO NOTHING",
        )
        .bind(user_id)
        .bind(product_id)
        .bind(order_id)
        .bind(at_ms),
        None => sqlx::query("DELETE FROM purchases WHERE user_id = $1 AND product_id = $2")
            .bind(user_id)
            .bind(product_id),
    }
    .execute(&mut *conn)
    .await
    .db_err("settling a user's purchase of a product")?;
    sqlx::query("UPDATE reviews SET verified = $1 WHERE user_id = $2 AND product_id = $3")
        .bind(standing.is_some())
        .bind(user_id)
        .bind(product_id)
        .execute(&mut *conn)
        .await
        .db_err("marking a purchaser's review verified or not")?;
    Ok(())
}

/// Whether `user_id` has paid for `product_id` in an order that still stands.
pub async fn has_bought(conn: &mut AnyConnection, user_id: &str, product_id: &str) -> Result<bool> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM purchases WHERE user_id = $1 AND product_id = $2")
            .bind(user_id)
            .bind(product_id)
            .fetch_optional(&mut *conn)
            .await
            .db_err("checking whether a user bought a product")?;
    Ok(found.is_some())
}
