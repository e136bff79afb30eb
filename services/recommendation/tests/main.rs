//! The recommendation service's tests. The store's and serving's cases run on both cache
//! engines (the in-process store of `vici up` and a real Redis, see `vici_testkit::caches`);
//! the running service's on SQLite with the in-process store and on PostgreSQL with Redis.
mod check;
mod external;
mod flow;
mod harness;
mod pipeline;
mod serve;
mod store;

vici_testkit::on_both_caches!(
    store::prepare_marks_the_format_and_opens_a_generation,
    store::a_store_in_another_format_is_left_alone,
    store::lists_are_replaced_whole_within_their_cap,
    store::serving_follows_the_published_generation,
    store::an_admin_rolls_back_to_an_earlier_generation,
    store::histories_keep_their_newest_and_sessions_their_views,
    store::hidden_products_and_new_arrivals,
    flow::a_flush_writes_the_lists_the_signals_changed,
    serve::recommended_walks_its_chain_without_what_is_never_served,
    serve::a_visitor_with_one_view_gets_similar_items,
    serve::shelves_about_a_product_never_serve_it,
    serve::recently_viewed_and_new_arrivals_come_from_vicis_own_keys,
    serve::a_categorys_trending_merges_its_subtree,
    serve::a_list_type_not_written_for_its_maximum_age_is_served_as_missing,
    check::a_store_the_pipeline_wrote_passes_the_check,
    check::a_broken_store_is_reported_key_by_key,
);

vici_testkit::on_both_backends!(
    pipeline::behaviour_on_the_bus_reaches_the_shelves,
    pipeline::a_shopper_who_stays_away_gets_what_others_taught_since,
    pipeline::a_redelivered_event_is_learnt_once,
    pipeline::imported_history_teaches_within_the_memory_only,
    pipeline::catalogue_and_stock_events_hide_and_announce_products,
    pipeline::orders_and_sign_ins_shape_the_lists,
    pipeline::a_new_product_gets_similar_items_by_what_it_is,
    pipeline::a_category_trends_with_its_own_products,
    pipeline::a_restart_rebuilds_the_model_from_the_journal,
    pipeline::unclear_requests_are_refused,
);

mod external_cases {
    use vici_testkit::Backend;

    use super::{external, harness};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite_an_ml_teams_lists_are_checked_and_served_once_published() {
        let case = external::an_ml_teams_lists_are_checked_and_served_once_published;
        harness::run_external(Backend::Sqlite, case).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres_an_ml_teams_lists_are_checked_and_served_once_published() {
        let case = external::an_ml_teams_lists_are_checked_and_served_once_published;
        harness::run_external(Backend::Postgres, case).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite_an_update_breaking_the_format_goes_to_the_dead_letters() {
        let case = external::an_update_breaking_the_format_goes_to_the_dead_letters;
        harness::run_external(Backend::Sqlite, case).await;
    }
}
