//! The order service's schema (scope "order"). Numbers are BIGINT, times unix milliseconds,
//! snapshots JSON text, as everywhere.
//!
//! - `order_counters`: one row per counter; on SQLite the next order number is an UPDATE …
//!   RETURNING in the order's own transaction (its single writer serialises orders anyway), so
//!   a rolled-back order gives its number back. On PostgreSQL the sequence `order_numbers`
//!   (migration 2) continues from the counter: no row lock held by every checkout until its
//!   commit, and a rolled-back order leaves a gap.
//! - `orders.draft`: the immutable snapshot (items, addresses, totals, method); what changes
//!   (statuses, payment id, tracking, reason) has columns of its own.
//! - `idempotency_keys`: one row per (user, scope, key), `in_progress` until its outcome is
//!   stored; purged after 24 h by the recovery task.
//! - `sagas`: one record per checkout, payment or cancellation, with the step it completed;
//!   `due_at` is when recovery may take it over (bumped by every step).
//! - `checkout_locks`: one row per user while a checkout or payment of theirs runs.
use vici_store::Migration;

pub const ALL: &[Migration] = &[TABLES, ORDER_NUMBER_SEQUENCE];

const TABLES: Migration = Migration::new(
    1,
    "orders_history_idempotency_sagas",
    "CREATE TABLE order_counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL);
     INSERT INTO order_counters (name, value) VALUES ('order_number', 100000);
     CREATE TABLE orders (
        id TEXT PRIMARY KEY,
        order_number TEXT NOT NULL UNIQUE,
        user_id TEXT NOT NULL,
        user_email TEXT NOT NULL,
        status TEXT NOT NULL,
        payment_status TEXT NOT NULL,
        payment_id TEXT,
        total_cents BIGINT NOT NULL,
        draft TEXT NOT NULL,
        tracking TEXT,
        status_reason TEXT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
     );
     CREATE INDEX orders_user_newest ON orders (user_id, created_at, id);
     CREATE INDEX orders_newest ON orders (created_at, id);
     CREATE TABLE order_history (
        id TEXT PRIMARY KEY,
        order_id TEXT NOT NULL,
        status TEXT NOT NULL,
        note TEXT NOT NULL,
        actor TEXT NOT NULL,
        at BIGINT NOT NULL
     );
     CREATE INDEX order_history_order ON order_history (order_id, at, id);
     CREATE TABLE idempotency_keys (
        user_id TEXT NOT NULL,
        scope TEXT NOT NULL,
        idem_key TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        state TEXT NOT NULL,
        outcome TEXT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        PRIMARY KEY (user_id, scope, idem_key)
     );
     CREATE INDEX idempotency_keys_age ON idempotency_keys (created_at);
     CREATE TABLE sagas (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        order_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        attempt_id TEXT NOT NULL,
        payment_method TEXT NOT NULL,
        step TEXT NOT NULL,
        state TEXT NOT NULL,
        draft TEXT,
        idem_scope TEXT,
        idem_key TEXT,
        actor TEXT NOT NULL,
        reason TEXT NOT NULL,
        due_at BIGINT NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
     );
     CREATE INDEX sagas_due ON sagas (state, due_at);
     CREATE INDEX sagas_order ON sagas (order_id);
     CREATE TABLE checkout_locks (
        user_id TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        acquired_at BIGINT NOT NULL
     );",
);

/// PostgreSQL's order numbers from a sequence that goes on from the counter; SQLite keeps
/// counting on the counter row.
const ORDER_NUMBER_SEQUENCE: Migration = Migration {
    version: 2,
    name: "order_number_sequence",
    sql: "SELECT 1",
    postgres_sql: Some(
        "CREATE SEQUENCE order_numbers;
         SELECT setval('order_numbers', value) FROM order_counters WHERE name = 'order_number';",
    ),
};
