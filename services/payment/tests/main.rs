//! The payment service through its gRPC API, on SQLite and on PostgreSQL: every case is written
//! once and run on both backends, against the real service on a fresh database with the
//! simulated provider (counted), or with the Stripe adapter pointed at a local fake of Stripe's
//! REST API.
//!
//! PostgreSQL comes from `VICI_TEST_DATABASE_URL` (default `postgres://root@127.0.0.1:5432/`);
//! a PostgreSQL that cannot be reached fails the PostgreSQL cases: they are never skipped.

mod authorize;
mod fake_stripe;
mod harness;
mod intents;
mod settle;
mod stripe;
mod webhook;

vici_testkit::on_both_backends!(
    worker_threads = 4;
    authorize::test_methods_behave_as_named,
    authorize::a_decline_is_recorded_and_announced,
    authorize::identical_attempts_are_authorised_once,
    authorize::a_second_attempt_while_one_is_live_conflicts,
    authorize::one_live_payment_per_order_under_concurrency,
    intents::intents_are_idempotent_per_user_and_key,
    intents::an_intent_belongs_to_its_user_amount_and_order,
    intents::cash_on_delivery_never_reaches_a_provider,
    settle::capture_then_partial_and_full_refunds,
    settle::refunds_need_a_capture,
    settle::reverse_voids_an_authorisation,
    settle::reverse_refunds_a_capture,
    webhook::signatures_are_checked,
    webhook::events_apply_once,
    stripe::authorize_capture_refund_through_stripe,
    stripe::a_stripe_decline_and_a_void,
    stripe::a_retried_attempt_repeats_its_idempotency_keys,
);
