//! The auth service through its gRPC API, on SQLite and on PostgreSQL: every case is written
//! once and run on both backends, with the in-memory bus and cache and a clock the cases can
//! move forward. PostgreSQL comes from `VICI_TEST_DATABASE_URL` (default
//! `postgres://root@127.0.0.1:5432/`); an unreachable PostgreSQL fails its cases, never skips.

mod accounts;
mod deny_list;
mod harness;
mod keyring;
mod login;
mod logout;
mod recovery;
mod refresh;
mod register;

vici_testkit::on_both_backends!(
    register::a_new_account_gets_a_session_whose_token_carries_every_claim,
    register::registration_events_reach_the_bus,
    register::a_taken_email_conflicts_even_when_two_registrations_race,
    register::every_bad_input_names_its_field,
    register::hostile_names_are_stored_verbatim,
    login::demo_bcrypt_users_log_in_and_are_upgraded_to_argon2id,
    login::a_wrong_password_and_an_unknown_email_look_the_same,
    login::a_deactivated_account_is_refused_only_with_the_right_password,
    refresh::refresh_rotates_and_a_late_replay_revokes_the_family,
    refresh::concurrent_refreshes_with_one_token_get_the_same_pair,
    refresh::a_grace_replay_after_the_successor_logged_out_is_refused,
    refresh::expired_and_unknown_refresh_tokens_are_refused,
    logout::logout_ends_one_session_and_denies_its_access_token,
    logout::logout_without_a_refresh_token_ends_the_presented_session,
    logout::logout_on_all_devices_ends_every_session,
    logout::a_foreign_refresh_token_is_ignored_at_logout,
    recovery::forgot_password_for_an_unknown_email_is_ok_and_silent,
    recovery::a_reset_link_works_once_and_ends_every_session,
    recovery::an_expired_reset_link_is_refused,
    recovery::email_verification_works_once,
    recovery::change_password_checks_the_current_one_and_keeps_this_session,
    accounts::accounts_are_listed_newest_first_and_searched_literally,
    accounts::an_admin_cannot_demote_or_deactivate_themselves,
    accounts::a_role_change_denies_old_tokens_and_refresh_carries_the_new_role,
    accounts::a_role_change_denies_a_token_minted_earlier_in_the_same_second,
    accounts::a_deactivation_denies_a_token_minted_earlier_in_the_same_second,
    accounts::refreshes_racing_admin_changes_mint_nothing_that_outlives_them,
    accounts::renaming_is_validated_and_announced_once,
    accounts::seeding_is_idempotent_with_deterministic_ids,
    deny_list::a_cache_that_lost_the_deny_list_gets_it_back,
    keyring::the_key_file_is_private_and_reloads_identically,
    keyring::an_old_key_is_rotated_and_later_pruned,
    keyring::a_corrupt_key_file_stops_start_up,
    keyring::a_configured_keyring_is_used_as_given,
);
