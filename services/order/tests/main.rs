//! The order service through its gRPC API, on SQLite and on PostgreSQL: every case is written
//! once and run on both backends, against the real product, inventory, cart and payment
//! services (each with its own fresh database, seeded with the demo catalogue) on one
//! in-memory bus.
//!
//! PostgreSQL comes from `VICI_TEST_DATABASE_URL` (default `postgres://root@127.0.0.1:5432/`);
//! each case gets fresh databases, dropped when the case passes. A PostgreSQL that cannot be
//! reached fails the PostgreSQL cases: they are never skipped.

mod admin;
mod checkout;
mod harness;
mod races;
mod recovery;
mod requests;
mod validation;

vici_testkit::on_both_backends!(
    worker_threads = 4;
    checkout::confirm_takes_payment_and_announces_it,
    checkout::a_declined_card_cancels_and_keeps_the_cart,
    checkout::cash_on_delivery_is_paid_at_the_door,
    checkout::orders_wait_for_payment_then_pay,
    checkout::an_expired_reservation_cannot_be_paid,
    checkout::reservation_expiry_cancels_a_waiting_order,
    races::buyers_race_for_the_last_units,
    races::one_cart_confirmed_twice_makes_one_order,
    races::one_key_makes_one_order,
    races::a_cart_that_changed_since_the_quote_is_refused,
    races::unpaid_orders_are_limited_per_account,
    admin::cancelling_a_paid_order_refunds_and_restocks,
    admin::admins_move_orders_along_the_table,
    admin::lists_are_newest_first_and_filtered,
    recovery::every_step_repeats_without_a_second_effect,
    recovery::a_crash_after_any_step_is_recovered,
    recovery::an_interrupted_payment_is_undone,
    recovery::a_cancel_never_meets_a_capture,
    validation::bad_checkouts_change_nothing,
    validation::bad_references_are_refused,
    validation::bad_admin_moves_are_refused,
);
