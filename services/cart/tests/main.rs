//! The cart service through its gRPC API, on SQLite and on PostgreSQL: every case is written
//! once and run on both backends, against the real product and inventory services (each with
//! its own fresh database, seeded with the demo catalogue) on one in-memory bus.
//!
//! PostgreSQL comes from `VICI_TEST_DATABASE_URL` (default `postgres://root@127.0.0.1:5432/`);
//! each case gets fresh databases, dropped when the case passes. A PostgreSQL that cannot be
//! reached fails the PostgreSQL cases: they are never skipped.

mod admin;
mod catalogue;
mod coupons;
mod events;
mod harness;
mod items;
mod merge;
mod redeem;

vici_testkit::on_both_backends!(
    worker_threads = 4;
    items::a_new_user_gets_an_empty_cart,
    items::adds_merge_into_one_line_with_a_stable_id,
    items::concurrent_adds_of_one_product_all_land,
    items::concurrent_first_reads_all_answer_quickly,
    items::concurrent_adds_of_different_products_all_land,
    catalogue::stock_bounds_every_add,
    catalogue::unknown_and_inactive_products_are_refused,
    items::quantities_stop_at_99_and_lines_at_50,
    items::another_users_line_is_not_found,
    items::clearing_after_an_order_keeps_lines_added_meanwhile,
    catalogue::price_changes_are_flagged_once,
    coupons::seeded_coupons_apply_by_their_rules,
    coupons::a_coupon_is_reevaluated_on_every_change,
    admin::admins_manage_coupons,
    redeem::redemptions_count_once_per_order,
    redeem::a_retried_redemption_survives_deletion_and_code_reuse,
    admin::concurrent_coupon_updates_keep_both_fields,
    merge::merging_says_what_was_skipped,
    merge::merging_into_a_full_cart_skips_new_items,
    merge::bad_input_changes_nothing,
    merge::merging_more_than_99_clamps,
    events::behaviour_events_reach_both_topics,
    events::idle_carts_are_announced_once_and_purged,
);
