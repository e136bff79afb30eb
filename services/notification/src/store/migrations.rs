//! The notification service's schema (scope "notification"): the delivery log, one row per
//! (event, channel, template), and the in-app inbox. Times are unix milliseconds, flags 0/1.
use vici_store::Migration;

pub const ALL: &[Migration] = &[
    Migration::new(
        1,
        "deliveries_inbox",
        "CREATE TABLE deliveries (
        id TEXT PRIMARY KEY,
        event_id TEXT NOT NULL,
        channel TEXT NOT NULL,
        template TEXT NOT NULL,
        user_id TEXT NOT NULL,
        data TEXT NOT NULL,
        status TEXT NOT NULL,
        attempts BIGINT NOT NULL DEFAULT 0,
        next_attempt_at BIGINT NOT NULL,
        message_id TEXT,
        recipient TEXT,
        reason TEXT,
        resend_of TEXT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        sent_at BIGINT,
        CONSTRAINT deliveries_once UNIQUE (event_id, channel, template)
     );
     CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
     CREATE INDEX deliveries_user ON deliveries (user_id, created_at);
     CREATE INDEX deliveries_created ON deliveries (created_at);
     CREATE TABLE inbox (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        delivery_id TEXT NOT NULL UNIQUE,
        template TEXT NOT NULL,
        title TEXT NOT NULL,
        message TEXT NOT NULL,
        is_read BIGINT NOT NULL DEFAULT 0,
        created_at BIGINT NOT NULL
     );
     CREATE INDEX inbox_user ON inbox (user_id, created_at);
     CREATE INDEX inbox_unread ON inbox (user_id, is_read);",
    ),
    // What a delivery is about (its order, its product): later shipping news of an order
    // supersede earlier ones still waiting. When each user last placed an order: a reminder of
    // a cart abandoned before it is not sent.
    Migration::new(
        2,
        "deliveries_about_and_orders_placed",
        "ALTER TABLE deliveries ADD COLUMN about TEXT NOT NULL DEFAULT '';
     CREATE INDEX deliveries_about ON deliveries (user_id, about, status);
     CREATE TABLE orders_placed (
        user_id TEXT PRIMARY KEY,
        last_at BIGINT NOT NULL
     );",
    ),
    // The waiting deliveries of one user, found without walking the user's whole history: a
    // placed order calls off the abandoned-cart reminders still waiting (without an `about`),
    // and a loyal customer's deliveries grow with every order (bench/RESULTS.md, memory run).
    // The frequency cap counts what was sent to the user lately the same way.
    Migration::new(
        3,
        "deliveries_waiting_and_sent",
        "CREATE INDEX deliveries_waiting ON deliveries (user_id, template) WHERE status = 'pending';
     CREATE INDEX deliveries_sent ON deliveries (user_id, sent_at) WHERE status = 'sent';",
    ),
];
