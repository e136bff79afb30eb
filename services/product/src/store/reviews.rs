//! Review rows, helpful votes, and folding a new rating into its product.
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row as _};
use vici_kit::Result;
use vici_store::error::{SqlxResultExt as _, is_unique_violation, map_sqlx};

use super::{Sql, flag, string_list, to_json};
use crate::domain::review::{Review, ReviewSort};
use vici_proto::paging::Page;

const SELECT: &str = "SELECT id, product_id, user_id, user_name, user_avatar, rating, title, comment, images, helpful, \
     CAST(verified AS INTEGER) AS verified, created_at FROM reviews";

fn from_row(row: &AnyRow) -> sqlx::Result<Review> {
    Ok(Review {
        id: row.try_get("id")?,
        product_id: row.try_get("product_id")?,
        user_id: row.try_get("user_id")?,
        user_name: row.try_get("user_name")?,
        user_avatar: row.try_get("user_avatar")?,
        rating: row.try_get::<i64, _>("rating")?.clamp(1, 5) as u32,
        title: row.try_get("title")?,
        comment: row.try_get("comment")?,
        images: string_list(row, "images")?,
        helpful: row.try_get::<i64, _>("helpful")?.max(0) as u64,
        verified: flag(row, "verified")?,
        created_at: row.try_get("created_at")?,
    })
}

/// One page of a product's reviews and how many it has.
pub async fn list(
    conn: &mut AnyConnection,
    product_id: &str,
    sort: ReviewSort,
    page: Page,
) -> Result<(Vec<Review>, u64)> {
    const DOING: &str = "reading a page of a product's reviews";
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM reviews WHERE product_id = $1")
        .bind(product_id)
        .fetch_one(&mut *conn)
        .await
        .db_err("counting a product's reviews")?;
    let order = match sort {
        ReviewSort::Newest => " ORDER BY created_at DESC, id DESC",
        ReviewSort::Helpful => " ORDER BY helpful DESC, created_at DESC, id DESC",
        ReviewSort::RatingDesc => " ORDER BY rating DESC, created_at DESC, id DESC",
        ReviewSort::RatingAsc => " ORDER BY rating ASC, created_at DESC, id DESC",
    };
    let mut sql = Sql::new(SELECT);
    sql.push(" WHERE product_id = ")
        .bind(product_id)
        .push(order)
        .push(" LIMIT ")
        .bind(i64::from(page.limit))
        .push(" OFFSET ")
        .bind(page.offset());
    let rows = sql.query().fetch_all(conn).await.db_err(DOING)?;
    let reviews = rows
        .iter()
        .map(from_row)
        .collect::<sqlx::Result<_>>()
        .db_err(DOING)?;
    Ok((reviews, total as u64))
}

/// `(stars, count)` rows of a product's stored reviews.
pub async fn star_counts(conn: &mut AnyConnection, product_id: &str) -> Result<Vec<(i64, i64)>> {
    const DOING: &str = "counting a product's reviews by stars";
    let rows = sqlx::query(
        "SELECT rating, COUNT(*) AS n FROM reviews WHERE product_id = $1 GROUP BY rating",
    )
    .bind(product_id)
    .fetch_all(conn)
    .await
    .db_err(DOING)?;
    rows.iter()
        .map(|r| Ok((r.try_get("rating")?, r.try_get("n")?)))
        .collect::<sqlx::Result<_>>()
        .db_err(DOING)
}

pub async fn get(conn: &mut AnyConnection, id: &str) -> Result<Option<Review>> {
    const DOING: &str = "reading a review";
    let mut sql = Sql::new(SELECT);
    sql.push(" WHERE id = ").bind(id);
    sql.query()
        .fetch_optional(conn)
        .await
        .db_err(DOING)?
        .as_ref()
        .map(from_row)
        .transpose()
        .db_err(DOING)
}

/// Inserts `r`; `false` when its user has already reviewed the product (the unique pair
/// decides, so two concurrent reviews store one). On PostgreSQL that refusal aborts the
/// caller's transaction, which must then be dropped.
pub async fn insert(conn: &mut AnyConnection, r: &Review) -> Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO reviews (id, product_id, user_id, user_name, user_avatar, rating, title, comment, images, helpful, \
         verified, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(&r.id)
    .bind(&r.product_id)
    .bind(&r.user_id)
    .bind(&r.user_name)
    .bind(&r.user_avatar)
    .bind(i64::from(r.rating))
    .bind(&r.title)
    .bind(&r.comment)
    .bind(to_json(&r.images))
    .bind(r.helpful as i64)
    .bind(r.verified)
    .bind(r.created_at)
    .execute(conn)
    .await;
    match inserted {
        Ok(_) => Ok(true),
        Err(e) if is_unique_violation(&e) => Ok(false),
        Err(e) => Err(map_sqlx(e, &[], "inserting a review")),
    }
}

/// Folds one new `rating` into the product's mean and count in a single statement, so two
/// reviews committing together both count (the weighted mean: (mean × n + r) / (n + 1)).
pub async fn fold_into_product(
    conn: &mut AnyConnection,
    product_id: &str,
    rating: u32,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE products SET rating = (rating * review_count + $1) / (review_count + 1), \
         review_count = review_count + 1, updated_at = $2 WHERE id = $3",
    )
    .bind(f64::from(rating))
    .bind(now)
    .bind(product_id)
    .execute(conn)
    .await
    .db_err("folding a review's rating into its product")?;
    Ok(())
}

/// Records `user_id`'s helpful vote once; returns whether it was new (and counted).
pub async fn vote_helpful(
    conn: &mut AnyConnection,
    review_id: &str,
    user_id: &str,
    now: i64,
) -> Result<bool> {
    let fresh = sqlx::query(
        "INSERT INTO review_votes (review_id, user_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind(review_id)
    .bind(user_id)
    .bind(now)
    .execute(&mut *conn)
    .await
    .db_err("recording a helpful vote")?
    .rows_affected()
        == 1;
    if fresh {
        sqlx::query("UPDATE reviews SET helpful = helpful + 1 WHERE id = $1")
            .bind(review_id)
            .execute(conn)
            .await
            .db_err("counting a helpful vote on its review")?;
    }
    Ok(fresh)
}
