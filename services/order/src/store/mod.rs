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

    /// A key is claimed once; a claim of a taken key reads its row; a row past its keep is
    /// taken over in place by the next claim, with the new request's fingerprint.
    async fn claims_take_over_only_expired_keys(db: vici_store::Db) {
        use super::idempotency::claim;
        use vici_types::IdempotencyKey;
        use vici_types::idempotency::{Key, Scope};
        db.migrate("order", super::migrations::ALL).await.unwrap();
        let mut conn = db.writer().acquire().await.expect("a connection");
        let user = UserId::trusted("user".into());
        let key = IdempotencyKey {
            scope: Scope::Confirm,
            key: Key::trusted("k1".into()),
        };
        let first = claim(&mut conn, &user, &key, "body-a", 1_000, 0)
            .await
            .unwrap();
        assert!(first.is_none(), "a new key is claimed");
        let taken = claim(&mut conn, &user, &key, "body-b", 2_000, 500)
            .await
            .unwrap();
        let taken = taken.expect("a live key is not claimed again");
        assert_eq!(
            (taken.fingerprint.as_str(), taken.outcome),
            ("body-a", None)
        );
        let expired = claim(&mut conn, &user, &key, "body-b", 3_000, 1_500)
            .await
            .unwrap();
        assert!(expired.is_none(), "an expired key is claimed afresh");
        let again = claim(&mut conn, &user, &key, "body-c", 3_500, 1_500)
            .await
            .unwrap();
        assert_eq!(again.expect("taken").fingerprint, "body-b");
        drop(conn);
        vici_testkit::discard(db).await;
    }

    #[tokio::test]
    async fn claims_take_over_only_expired_keys_on_sqlite() {
        claims_take_over_only_expired_keys(vici_testkit::fresh_sqlite("order").await).await;
    }

    #[tokio::test]
    async fn claims_take_over_only_expired_keys_on_postgres() {
        claims_take_over_only_expired_keys(vici_testkit::fresh_postgres("order").await).await;
    }
}
