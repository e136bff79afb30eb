//! The notification service through its gRPC API and its real channels, on SQLite and on
//! PostgreSQL: a real SMTP server (aiosmtpd, `testing/smtp`), a Twilio-shaped SMS provider at
//! its HTTP boundary, the auth and user services as neighbours, events published on the bus.

mod admin;
mod failures;
mod files;
mod harness;
mod inbox;
mod mail;
mod provider;
mod rules;
mod sms;

vici_testkit::on_both_backends!(
    mail::registering_mails_a_welcome_and_a_link_that_verifies,
    mail::a_reset_mail_resets_the_password,
    mail::a_confirmation_lists_the_lines_and_totals_once,
    sms::a_shipped_order_texts_only_those_who_asked,
    sms::a_provider_that_is_down_is_tried_again,
    inbox::notifications_are_listed_newest_first_and_marked_read,
    inbox::a_watcher_hears_its_own_notifications_as_they_are_stored,
    failures::a_server_answering_421_delays_mail_and_loses_none,
    failures::a_refused_recipient_fails_once_with_the_reason,
    failures::a_delivery_interrupted_mid_send_is_not_sent_again,
    failures::a_mail_whose_answer_never_comes_is_not_sent_again,
    admin::the_log_filters_and_resends,
    rules::an_order_calls_off_the_reminder_and_consent_decides_the_rest,
    rules::later_shipping_news_supersedes_news_still_waiting,
    rules::low_stock_is_told_to_every_admin,
    rules::news_stops_at_the_daily_limit_and_receipts_do_not,
);
