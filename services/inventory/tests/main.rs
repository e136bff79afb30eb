//! The inventory service through its gRPC API, on SQLite and on PostgreSQL: every case is
//! written once and run on both backends, with the in-memory bus. PostgreSQL comes from
//! `VICI_TEST_DATABASE_URL` (default `postgres://root@127.0.0.1:5432/`); an unreachable
//! PostgreSQL fails its cases, never skips.

mod expiry;
mod harness;
mod hot_item;
mod known;
mod lifecycle;
mod reserve;
mod stock;

vici_testkit::on_both_backends!(
    stock::seeded_stock_is_read_in_one_batch,
    stock::seeding_twice_changes_nothing,
    stock::adjustments_record_movements_and_announce_changes,
    stock::bad_adjustments_are_refused_and_change_nothing,
    stock::concurrent_subtractions_never_oversell,
    stock::thresholds_are_set_on_the_product_row_and_drive_low_stock_events,
    stock::bad_thresholds_are_refused,
    hot_item::a_hot_item_sells_exactly_its_stock,
    hot_item::mixed_reservations_commits_and_restocks_keep_stock_accounted_for,
    reserve::a_reservation_takes_every_line_or_none,
    reserve::product_and_variant_rows_are_separate_pools,
    reserve::duplicate_lines_are_summed,
    reserve::a_repeated_reserve_returns_the_first_and_takes_stock_once,
    reserve::concurrent_identical_reserves_make_one_reservation,
    reserve::bad_reserve_requests_are_refused_and_change_nothing,
    lifecycle::commit_applies_once,
    lifecycle::release_returns_stock_once_even_when_raced,
    lifecycle::a_released_reservation_cannot_be_committed,
    lifecycle::releasing_a_committed_reservation_restocks_once,
    lifecycle::unknown_and_malformed_orders_are_refused,
    lifecycle::movements_record_every_kind,
    expiry::the_sweeper_expires_once_and_announces_it,
    expiry::the_sweeper_leaves_live_and_finished_reservations_alone,
    expiry::the_background_sweeper_runs,
    known::levels_are_remembered_until_a_change_here_or_on_the_bus,
    known::a_reservation_and_its_release_show_at_once,
);
