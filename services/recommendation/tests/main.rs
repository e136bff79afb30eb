//! The recommendation service's tests; the store's cases run on both cache engines (the
//! in-process store of `vici up` and a real Redis, see `vici_testkit::caches`).
mod flow;
mod store;

vici_testkit::on_both_caches!(
    store::prepare_marks_the_format_and_opens_a_generation,
    store::a_store_in_another_format_is_left_alone,
    store::lists_are_replaced_whole_within_their_cap,
    store::serving_follows_the_published_generation,
    store::histories_keep_their_newest_and_sessions_their_views,
    store::hidden_products_and_new_arrivals,
    flow::a_flush_writes_the_lists_the_signals_changed,
);
