//! SQL of the product service, written once for SQLite and PostgreSQL: `$n` parameters,
//! portable types (TEXT, BIGINT, DOUBLE PRECISION, BOOLEAN), times as BIGINT unix ms, JSON as
//! TEXT, money as BIGINT cents. Values always travel as bound parameters; `vici_store::sql::Sql`
//! only numbers the placeholders of queries whose shape depends on the filter.

pub mod categories;
pub mod migrations;
pub mod products;
pub mod purchases;
pub mod reviews;
pub mod seed;

use sqlx::Row as _;
use sqlx::any::AnyRow;

/// BOOLEAN columns are selected as `CAST(column AS INTEGER) AS column`: sqlx's Any driver cannot
/// map SQLite's BOOLEAN declared type at all, while an integer reads the same on both backends.
pub use vici_store::get_flag as flag;
pub use vici_store::sql::Sql;

/// Reads a DOUBLE PRECISION column that SQLite may hand back as an integer (`5` for 5.0).
pub fn real(row: &AnyRow, column: &str) -> Result<f64, sqlx::Error> {
    row.try_get::<f64, _>(column)
        .or_else(|_| row.try_get::<i64, _>(column).map(|v| v as f64))
}

/// Reads a JSON array of strings kept in a TEXT column.
pub fn string_list(row: &AnyRow, column: &str) -> Result<Vec<String>, sqlx::Error> {
    let text: String = row.try_get(column)?;
    serde_json::from_str(&text).map_err(|e| sqlx::Error::ColumnDecode {
        index: column.to_string(),
        source: e.into(),
    })
}

/// The JSON text stored for a list of strings.
pub fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("plain values serialise")
}

#[cfg(test)]
mod tests {
    use sqlx::Connection as _;

    use crate::domain::review::Review;

    /// A database without this service's tables, where every statement fails.
    async fn empty_database() -> sqlx::AnyConnection {
        sqlx::any::install_default_drivers();
        sqlx::AnyConnection::connect("sqlite::memory:")
            .await
            .expect("an in-memory SQLite database")
    }

    #[tokio::test]
    async fn failures_say_what_the_store_was_doing_for_the_log_only() {
        let mut conn = empty_database().await;
        let all = super::categories::all(&mut conn).await;
        vici_testkit::failed_while(all, "reading the categories");
    }

    #[tokio::test]
    async fn only_a_duplicate_review_reads_as_not_inserted() {
        let mut conn = empty_database().await;
        let review = Review {
            id: "r1".into(),
            product_id: "p1".into(),
            user_id: "u1".into(),
            user_name: "Jane".into(),
            user_avatar: None,
            rating: 4,
            title: "Good".into(),
            comment: "Fine".into(),
            images: Vec::new(),
            helpful: 0,
            verified: false,
            created_at: 0,
        };
        // A missing table is a failure, not an earlier review.
        let inserted = super::reviews::insert(&mut conn, &review).await;
        vici_testkit::failed_while(inserted, "inserting a review");
    }
}
