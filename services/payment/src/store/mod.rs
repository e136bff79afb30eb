//! The payment service's SQL: one text for SQLite and PostgreSQL, `$n` parameters only.
//! Functions take a connection so the service decides what shares a transaction; a payment is
//! changed only under [`payments::lock`], so two racing writers cannot both move it.
pub mod intents;
pub mod migrations;
pub mod payments;
pub mod refunds;
pub mod webhooks;

#[cfg(test)]
mod tests {
    /// A failed statement is an internal error whose logged cause says what the store was doing;
    /// the caller's message does not.
    #[tokio::test]
    async fn a_failed_statement_says_what_the_store_was_doing() {
        // Not migrated: every table is missing, so every statement fails.
        let db = vici_testkit::fresh_sqlite("payment").await;
        let mut conn = db.writer().acquire().await.expect("a connection");
        let read = super::payments::by_attempt(&mut conn, "attempt").await;
        vici_testkit::failed_while(read, "reading a payment by its attempt id");
        let record = super::webhooks::record(&mut conn, "evt", "charge.refunded", 1).await;
        vici_testkit::failed_while(record, "recording a webhook event");
        drop(conn);
        vici_testkit::discard(db).await;
    }
}
