//! The user service through its gRPC API, on SQLite and on PostgreSQL: every case is written
//! once and run on both backends. The product service, the contract boundary, is a small
//! in-test gRPC server; account events are published on the in-memory bus.
//!
//! PostgreSQL comes from `VICI_TEST_DATABASE_URL` (default `postgres://root@127.0.0.1:5432/`);
//! each case gets a fresh database, dropped when the case passes. A PostgreSQL that cannot be
//! reached fails the PostgreSQL cases: they are never skipped.

mod accounts;
mod addresses;
mod defaults;
mod harness;
mod preferences;
mod products;
mod profile;
mod wishlist;

vici_testkit::on_both_backends!(
    profile::a_new_user_reads_an_empty_profile,
    profile::profile_updates_are_partial_and_validated,
    profile::avatars_are_sniffed_stored_and_replaced,
    addresses::every_bad_field_gets_its_own_message,
    addresses::addresses_are_trimmed_normalised_and_updated_partially,
    addresses::injection_strings_are_stored_verbatim,
    defaults::the_eleventh_address_is_refused_and_changes_nothing,
    defaults::exactly_one_default_through_every_change,
    defaults::concurrent_creates_keep_the_limit_and_one_default,
    addresses::another_users_address_is_not_found,
    preferences::defaults_on_first_read_then_partial_updates,
    preferences::bad_preferences_are_refused_and_change_nothing,
    wishlist::adding_checks_the_catalogue_and_refuses_duplicates,
    wishlist::pages_fetch_their_products_in_one_call,
    wishlist::removing_twice_is_not_found,
    accounts::registration_sets_up_the_user_once,
);
