//! The event service through its gRPC API, on SQLite and on PostgreSQL: every case is written
//! once and run on both backends, with the in-memory bus the cases read back from.
//!
//! PostgreSQL comes from `VICI_TEST_DATABASE_URL` (default `postgres://root@127.0.0.1:5432/`);
//! a PostgreSQL that cannot be reached fails those cases: they are never skipped.

mod analytics;
mod harness;
mod import;
mod served;
mod spool;
mod track;

vici_testkit::on_both_backends!(
    track::an_event_is_published_on_its_topics_enriched,
    track::events_the_bus_takes_at_once_never_wait_in_the_outbox,
    track::a_batch_posted_twice_is_published_once,
    track::bad_events_are_refused_and_kept_on_the_invalid_topic,
    track::a_users_recent_events_come_newest_first,
    track::the_schema_lists_every_type,
    served::served_events_keep_each_their_own_request,
    served::a_runaway_session_is_flagged_and_spread,
    import::history_is_published_with_its_own_user_and_time,
    analytics::sales_reconcile_with_the_orders_to_the_cent,
    analytics::the_funnel_and_the_lists_follow_behaviour,
    analytics::low_stock_follows_stock_and_catalogue_events,
    analytics::bad_periods_are_refused,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_spool_past_its_cap_drops_and_what_it_held_is_delivered() {
    spool::past_its_cap_drops_and_what_it_held_is_delivered(vici_testkit::Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_spool_past_its_cap_drops_and_what_it_held_is_delivered() {
    spool::past_its_cap_drops_and_what_it_held_is_delivered(vici_testkit::Backend::Postgres).await;
}
