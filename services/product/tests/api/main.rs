//! The product service through its gRPC API, on SQLite and on PostgreSQL: every case is written
//! once (in `cases`) and run on both backends. Inventory, the contract boundary, is a small
//! in-test gRPC server serving stock from a map; events are read from the in-memory bus.
//!
//! PostgreSQL comes from `VICI_TEST_DATABASE_URL` (default `postgres://root@127.0.0.1:5432/`);
//! each case gets a fresh `vici_test_product_<random>` database, dropped when the case passes.
//! A PostgreSQL that cannot be reached fails the PostgreSQL cases: they are never skipped.

mod admin;
mod browse;
mod catalogue;
mod category_events;
mod context;
mod harness;
mod inventory;
mod media;
mod products;
mod reviews;
mod search;

vici_testkit::on_both_backends!(
    browse::demo_shop_page_lists_the_seven_active_products_under_200_with_stock,
    browse::category_filter_by_slug_or_id_includes_descendants,
    browse::pages_never_overlap_in_any_sort,
    browse::in_stock_filter_asks_inventory_once,
    browse::unknown_sort_is_invalid_argument,
    browse::tag_filters_are_bounded,
    browse::inventory_down_is_unavailable_not_zero,
    products::products_by_id_slug_and_batch,
    products::curated_rows_follow_their_fallbacks,
    products::batches_follow_writes_on_every_replica,
    search::search_tolerates_typos_and_prefixes_and_ranks_names_first,
    search::facets_add_up_and_filters_apply,
    search::suggest_completes_products_and_categories,
    search::synthetic_catalogue_seeds_and_searches,
    catalogue::categories_count_their_subtrees_and_nest,
    catalogue::category_admin_refuses_deleting_non_empty_ones,
    catalogue::price_range_covers_descendants,
    reviews::reviews_fold_into_the_rating_once_per_user,
    reviews::only_buyers_write_verified_reviews,
    reviews::a_cancelled_order_no_longer_verifies_its_reviews,
    reviews::unprintable_review_text_is_refused_on_both_backends,
    catalogue::seeding_twice_changes_nothing,
    admin::created_products_emit_events_and_become_searchable,
    admin::updates_and_deletes_emit_events_and_reach_search,
    admin::admin_input_is_validated_field_by_field,
    admin::replicas_follow_product_events,
    category_events::category_edits_are_announced_and_renames_reach_every_replica,
    category_events::new_products_start_with_the_stock_the_admin_gave,
    media::images_are_sniffed_stored_and_linked,
    context::request_ids_reach_the_events_a_request_causes,
);

/// Seeding and start-up time of a large synthetic catalogue (`VICI_BENCH_PRODUCTS`, default
/// 100 000), printed for both backends, never asserted:
/// `cargo test -p vici-product --test api -- --ignored --nocapture large_catalogue`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn large_catalogue_timing() {
    for backend in [vici_store::Backend::Sqlite, vici_store::Backend::Postgres] {
        harness::run(backend, search::large_catalogue_timing).await;
    }
}
