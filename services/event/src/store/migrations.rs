//! The event service's schema (scope "event"). Times are unix milliseconds, as everywhere.
//!
//! - `behaviour_events` holds every accepted event for the recent window (configured, at least
//!   a day): its primary key is the event's id, so a client's retry with the same id is found
//!   and not published twice; `GetUserEvents` reads it newest first per user; the
//!   recommendation service can rebuild its state from it.
//! - The event itself is published before its transaction commits, or, when the bus does not
//!   take it at once, travels through the service's outbox (the platform's table), written in
//!   the same transaction: an accepted event is published even if the broker is down for long
//!   or the process dies, in order per key. The outbox is the spool.
//! - `analytics_*` (v2) is the shop's numbers, projected from order, behaviour, product and
//!   stock events (`crate::analytics`, docs/analytics.md). Days are unix days (UTC), money
//!   cents. The `*_days` tables and the counters are sums the projector adds to; the others
//!   are what it needs to know to add correctly (an order's counted lines, a visitor's day).
use vici_store::Migration;

pub const ALL: &[Migration] = &[BEHAVIOUR, ANALYTICS, CUSTOMER_SETS];

const BEHAVIOUR: Migration = Migration::new(
    1,
    "behaviour_events",
    "CREATE TABLE behaviour_events (
        id TEXT PRIMARY KEY,
        user_id TEXT,
        session_id TEXT NOT NULL,
        event_type TEXT NOT NULL,
        recorded_at BIGINT NOT NULL,
        payload TEXT NOT NULL
     );
     CREATE INDEX behaviour_events_user ON behaviour_events (user_id, recorded_at);
     CREATE INDEX behaviour_events_age ON behaviour_events (recorded_at);",
);

const ANALYTICS: Migration = Migration::new(
    2,
    "analytics",
    "CREATE TABLE analytics_seen (
        event_id TEXT PRIMARY KEY,
        seen_at BIGINT NOT NULL
     );
     CREATE INDEX analytics_seen_age ON analytics_seen (seen_at);
     CREATE TABLE analytics_orders (
        order_id TEXT PRIMARY KEY,
        order_number TEXT NOT NULL,
        user_id TEXT NOT NULL,
        status TEXT NOT NULL,
        placed_at BIGINT NOT NULL,
        day BIGINT NOT NULL,
        total_cents BIGINT NOT NULL,
        refunded_cents BIGINT NOT NULL,
        item_count BIGINT NOT NULL,
        counted_lines TEXT
     );
     CREATE INDEX analytics_orders_recent ON analytics_orders (placed_at);
     CREATE TABLE analytics_counters (
        name TEXT PRIMARY KEY,
        value BIGINT NOT NULL
     );
     CREATE TABLE analytics_days (
        day BIGINT PRIMARY KEY,
        revenue_cents BIGINT NOT NULL DEFAULT 0,
        orders BIGINT NOT NULL DEFAULT 0,
        sessions BIGINT NOT NULL DEFAULT 0,
        product_views BIGINT NOT NULL DEFAULT 0,
        add_to_carts BIGINT NOT NULL DEFAULT 0,
        checkouts BIGINT NOT NULL DEFAULT 0,
        purchases BIGINT NOT NULL DEFAULT 0
     );
     CREATE TABLE analytics_product_days (
        day BIGINT NOT NULL,
        product_id TEXT NOT NULL,
        units BIGINT NOT NULL,
        revenue_cents BIGINT NOT NULL,
        PRIMARY KEY (day, product_id)
     );
     CREATE TABLE analytics_category_days (
        day BIGINT NOT NULL,
        category_id TEXT NOT NULL,
        units BIGINT NOT NULL,
        revenue_cents BIGINT NOT NULL,
        PRIMARY KEY (day, category_id)
     );
     CREATE TABLE analytics_customers (
        user_id TEXT PRIMARY KEY,
        seq BIGINT NOT NULL,
        first_day BIGINT NOT NULL,
        orders BIGINT NOT NULL
     );
     CREATE TABLE analytics_customer_days (
        day BIGINT NOT NULL,
        user_id TEXT NOT NULL,
        orders BIGINT NOT NULL,
        PRIMARY KEY (day, user_id)
     );
     CREATE TABLE analytics_visits (
        day BIGINT NOT NULL,
        visitor TEXT NOT NULL,
        stages BIGINT NOT NULL,
        PRIMARY KEY (day, visitor)
     );
     CREATE TABLE analytics_list_days (
        day BIGINT NOT NULL,
        list_type TEXT NOT NULL,
        impressions BIGINT NOT NULL,
        clicks BIGINT NOT NULL,
        attributed_cents BIGINT NOT NULL,
        PRIMARY KEY (day, list_type)
     );
     CREATE TABLE analytics_impressions (
        request_id TEXT PRIMARY KEY,
        list_type TEXT NOT NULL,
        shown_at BIGINT NOT NULL
     );
     CREATE INDEX analytics_impressions_age ON analytics_impressions (shown_at);
     CREATE TABLE analytics_clicks (
        visitor TEXT NOT NULL,
        product_id TEXT NOT NULL,
        list_type TEXT NOT NULL,
        clicked_at BIGINT NOT NULL,
        PRIMARY KEY (visitor, product_id)
     );
     CREATE INDEX analytics_clicks_age ON analytics_clicks (clicked_at);
     CREATE TABLE analytics_products (
        product_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        category_id TEXT,
        active BIGINT NOT NULL
     );
     CREATE TABLE analytics_categories (
        category_id TEXT PRIMARY KEY,
        name TEXT NOT NULL
     );
     CREATE TABLE analytics_stock (
        product_id TEXT PRIMARY KEY,
        available BIGINT NOT NULL,
        threshold BIGINT NOT NULL
     );
     CREATE INDEX analytics_stock_low ON analytics_stock (available);",
);

/// Each day's customers as compressed bitmaps of their numbers (`crate::analytics::customers`).
const CUSTOMER_SETS: Migration = Migration {
    version: 3,
    name: "analytics_customer_sets",
    sql: "CREATE TABLE analytics_customer_sets (
        day BIGINT PRIMARY KEY,
        buyers BLOB NOT NULL,
        repeaters BLOB NOT NULL,
        newcomers BLOB NOT NULL
     );",
    postgres_sql: Some(
        "CREATE TABLE analytics_customer_sets (
        day BIGINT PRIMARY KEY,
        buyers BYTEA NOT NULL,
        repeaters BYTEA NOT NULL,
        newcomers BYTEA NOT NULL
     );",
    ),
};
