//! The user service's schema (scope "user"). Flags are BIGINT 0/1 and times unix milliseconds,
//! as everywhere. A partial unique index backs the "one default address per user" rule, so a
//! bug in the transaction logic fails loudly instead of storing two defaults.
use vici_store::Migration;

pub const ALL: &[Migration] = &[Migration::new(
    1,
    "profiles_addresses_preferences_wishlist",
    "CREATE TABLE profiles (
        user_id TEXT PRIMARY KEY,
        phone TEXT,
        avatar TEXT,
        avatar_key TEXT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
     );
     CREATE TABLE addresses (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        first_name TEXT NOT NULL,
        last_name TEXT NOT NULL,
        address_line1 TEXT NOT NULL,
        address_line2 TEXT,
        city TEXT NOT NULL,
        state TEXT NOT NULL,
        postal_code TEXT NOT NULL,
        country TEXT NOT NULL,
        phone TEXT NOT NULL,
        is_default BIGINT NOT NULL DEFAULT 0,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
     );
     CREATE INDEX addresses_user ON addresses (user_id, created_at);
     CREATE UNIQUE INDEX addresses_one_default ON addresses (user_id) WHERE is_default = 1;
     CREATE TABLE preferences (
        user_id TEXT PRIMARY KEY,
        email_notifications BIGINT NOT NULL,
        sms_notifications BIGINT NOT NULL,
        marketing_emails BIGINT NOT NULL,
        language TEXT NOT NULL,
        currency TEXT NOT NULL,
        updated_at BIGINT NOT NULL
     );
     CREATE TABLE wishlist (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        product_id TEXT NOT NULL,
        added_at BIGINT NOT NULL,
        CONSTRAINT wishlist_user_product UNIQUE (user_id, product_id)
     );
     CREATE INDEX wishlist_user_added ON wishlist (user_id, added_at);",
)];
