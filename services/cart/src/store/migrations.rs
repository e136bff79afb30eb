//! The cart service's schema (scope "cart"). Numbers are BIGINT, flags BIGINT 0/1, times unix
//! milliseconds, as everywhere.
//!
//! - `carts.user_id` is unique: the per-user lock is an upsert on it (`store::lock_cart`).
//! - `carts.updated_at` is the last mutation (reads never move it); `abandoned_at` is when the
//!   idle cart was announced, cleared by the next mutation.
//! - A line's `unit_price_cents` is the price it last showed, so a read can tell the shopper
//!   the price moved since.
//! - Coupons are soft-deleted; the partial unique index keeps codes unique among the live ones,
//!   and is named like an inline constraint so `map_sqlx` reports a duplicate as a `code` field.
//! - One redemption per order id (the primary key) makes RedeemCoupon idempotent.
use vici_store::Migration;

pub const ALL: &[Migration] = &[Migration::new(
    1,
    "carts_lines_coupons_redemptions",
    "CREATE TABLE carts (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL UNIQUE,
        coupon_id TEXT,
        version BIGINT NOT NULL DEFAULT 0,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        abandoned_at BIGINT
     );
     CREATE INDEX carts_idle ON carts (updated_at);
     CREATE TABLE cart_lines (
        id TEXT PRIMARY KEY,
        cart_id TEXT NOT NULL REFERENCES carts (id),
        product_id TEXT NOT NULL,
        variant_id TEXT NOT NULL DEFAULT '',
        quantity BIGINT NOT NULL,
        unit_price_cents BIGINT NOT NULL,
        currency TEXT NOT NULL,
        added_at BIGINT NOT NULL,
        CONSTRAINT cart_lines_item UNIQUE (cart_id, product_id, variant_id)
     );
     CREATE TABLE coupons (
        id TEXT PRIMARY KEY,
        code TEXT NOT NULL,
        kind TEXT NOT NULL,
        value BIGINT NOT NULL,
        min_subtotal_cents BIGINT NOT NULL,
        expires_at BIGINT,
        usage_limit BIGINT,
        per_user_limit BIGINT,
        is_active BIGINT NOT NULL,
        description TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        deleted_at BIGINT
     );
     CREATE UNIQUE INDEX coupons_code_key ON coupons (code) WHERE deleted_at IS NULL;
     CREATE INDEX coupons_newest ON coupons (created_at, id);
     CREATE TABLE coupon_redemptions (
        order_id TEXT PRIMARY KEY,
        coupon_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        redeemed_at BIGINT NOT NULL
     );
     CREATE INDEX coupon_redemptions_use ON coupon_redemptions (coupon_id, user_id);",
)];
