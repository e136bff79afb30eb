//! The payment service's schema (scope "payment"). Amounts are BIGINT cents, times unix
//! milliseconds, statuses their upper-case text (`domain::Status`).
//!
//! - `payments` has one row per attempt (`attempt_id` unique: a repeated Authorize finds it).
//!   `payments_live_order` is a partial unique index: an order has at most one payment whose
//!   status is live (`Status::is_live`: everything but FAILED and CANCELLED, PROCESSING
//!   included so a second attempt is refused before it reaches the provider). SQLite and
//!   PostgreSQL both take `CREATE UNIQUE INDEX … WHERE status IN (…)`.
//! - `lease_until` marks a provider call in flight for the row (0 = none), so a concurrent
//!   duplicate waits for it and a crashed caller's row can be taken over once it lapses.
//! - `payment_changes` records every status change: from (NULL at creation), to, why, when.
//! - `refunds` are unique per (order, idempotency key); `webhook_events` holds the provider
//!   event ids already handled.
use vici_store::Migration;

pub const ALL: &[Migration] = &[Migration::new(
    1,
    "intents_payments_refunds_webhooks",
    "CREATE TABLE intents (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        amount_cents BIGINT NOT NULL,
        currency TEXT NOT NULL,
        client_secret TEXT NOT NULL,
        status TEXT NOT NULL,
        provider TEXT NOT NULL,
        idempotency_key TEXT,
        order_id TEXT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        CONSTRAINT intents_user_key UNIQUE (user_id, idempotency_key)
     );
     CREATE TABLE payments (
        id TEXT PRIMARY KEY,
        order_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        attempt_id TEXT NOT NULL UNIQUE,
        intent_id TEXT NOT NULL DEFAULT '',
        payment_method TEXT NOT NULL,
        amount_cents BIGINT NOT NULL,
        refunded_cents BIGINT NOT NULL DEFAULT 0,
        currency TEXT NOT NULL,
        status TEXT NOT NULL,
        failure_code TEXT NOT NULL DEFAULT '',
        failure_message TEXT NOT NULL DEFAULT '',
        provider TEXT NOT NULL,
        lease_until BIGINT NOT NULL DEFAULT 0,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
     );
     CREATE UNIQUE INDEX payments_live_order ON payments (order_id)
        WHERE status IN ('PROCESSING', 'PENDING', 'AUTHORIZED', 'SUCCEEDED',
                         'PARTIALLY_REFUNDED', 'REFUNDED');
     CREATE INDEX payments_order ON payments (order_id, created_at);
     CREATE INDEX payments_intent ON payments (intent_id);
     CREATE TABLE payment_changes (
        id TEXT PRIMARY KEY,
        payment_id TEXT NOT NULL REFERENCES payments (id),
        from_status TEXT,
        to_status TEXT NOT NULL,
        reason TEXT NOT NULL,
        at BIGINT NOT NULL
     );
     CREATE INDEX payment_changes_payment ON payment_changes (payment_id, at);
     CREATE TABLE refunds (
        id TEXT PRIMARY KEY,
        payment_id TEXT NOT NULL REFERENCES payments (id),
        order_id TEXT NOT NULL,
        idempotency_key TEXT NOT NULL,
        amount_cents BIGINT NOT NULL,
        status TEXT NOT NULL,
        reason TEXT NOT NULL,
        provider_refund_id TEXT NOT NULL DEFAULT '',
        lease_until BIGINT NOT NULL DEFAULT 0,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        CONSTRAINT refunds_order_key UNIQUE (order_id, idempotency_key)
     );
     CREATE TABLE webhook_events (
        id TEXT PRIMARY KEY,
        type TEXT NOT NULL,
        applied BIGINT NOT NULL,
        received_at BIGINT NOT NULL
     );",
)];
