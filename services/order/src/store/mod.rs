//! The order service's SQL: one text for SQLite and PostgreSQL, `$n` parameters only. Functions
//! take a connection so the callers decide what shares a transaction.
pub mod idempotency;
pub mod migrations;
pub mod orders;
pub mod sagas;

#[cfg(test)]
mod tests {
    use vici_types::{OrderId, TypedId as _, UserId};

    /// A failed statement is an internal error whose logged cause says what the store was doing;
    /// the shopper's message does not.
    #[tokio::test]
    async fn a_failed_statement_says_what_the_store_was_doing() {
        // Not migrated: every table is missing, so every statement fails.
        let db = vici_testkit::fresh_sqlite("order").await;
        let mut conn = db.writer().acquire().await.expect("a connection");
        let user = UserId::trusted("user".into());
        let read = super::orders::get(&mut conn, &OrderId::generate()).await;
        vici_testkit::failed_while(read, "reading an order");
        let lock = super::sagas::lock(&mut conn, &user, "saga", 2, 1).await;
        vici_testkit::failed_while(lock, "taking a user's checkout lock");
        drop(conn);
        vici_testkit::discard(db).await;
    }
}
