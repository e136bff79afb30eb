//! Between the proto messages and the domain types: times become RFC 3339, absent optionals
//! stay absent, a line with no variant has no `variant_id`.
use vici_kit::{Error, Result};
use vici_proto::cart::v1 as pb;
use vici_store::rfc3339;

use crate::domain::cart::Skipped;
use crate::domain::coupon::{Coupon, Draft, KIND_MESSAGE, Kind, Patch};
use crate::domain::view::{ItemView, View};
use crate::service::items::MergeInput;

pub fn cart(v: View) -> pb::Cart {
    let currency = v.currency;
    pb::Cart {
        id: v.cart.id,
        user_id: v.cart.user_id,
        items: v.items.into_iter().map(|i| item(i, &currency)).collect(),
        subtotal_cents: v.totals.subtotal_cents,
        discount_cents: v.totals.discount_cents,
        coupon_code: v.coupon_code,
        created_at: rfc3339(v.cart.created_at),
        updated_at: rfc3339(v.cart.updated_at),
        item_count: v.totals.item_count,
        total_cents: v.totals.total_cents,
        coupon_message: v.coupon_message,
        currency,
    }
}

fn item(i: ItemView, cart_currency: &str) -> pb::CartItem {
    let line = i.line;
    let offer = i.offer.unwrap_or_default();
    let currency = if offer.currency.is_empty() {
        cart_currency.to_string()
    } else {
        offer.currency
    };
    pb::CartItem {
        variant_id: line.item.variant().map(str::to_string),
        id: line.id,
        product_id: line.item.product_id,
        name: offer.name,
        image: offer.image,
        sku: offer.sku,
        quantity: line.quantity,
        unit_price_cents: i.unit_price_cents,
        stock: i.stock,
        original_price_cents: offer.original_price_cents.filter(|_| i.available),
        currency,
        price_changed: i.previous_price_cents.is_some(),
        previous_price_cents: i.previous_price_cents,
        product_slug: offer.slug,
        available: i.available,
        added_at: rfc3339(line.added_at),
    }
}

pub fn skipped(s: Skipped) -> pb::SkippedLine {
    pb::SkippedLine {
        product_id: s.product_id,
        variant_id: s.variant_id,
        reason: s.reason.to_string(),
        requested: s.requested,
        added: s.added,
    }
}

pub fn merge_input(l: pb::MergeLine) -> MergeInput {
    MergeInput {
        product_id: l.product_id,
        variant_id: l.variant_id,
        quantity: l.quantity,
    }
}

pub fn coupon(c: Coupon) -> pb::Coupon {
    let t = c.terms;
    pb::Coupon {
        id: c.id,
        kind: coupon_kind(t.kind()).into(),
        value: t.value(),
        code: t.code,
        min_subtotal_cents: t.min_subtotal_cents,
        expires_at: t.expires_at.map(rfc3339),
        usage_limit: t.usage_limit,
        per_user_limit: t.per_user_limit,
        used_count: c.used_count,
        is_active: t.is_active,
        description: t.description,
        created_at: rfc3339(c.created_at),
        updated_at: rfc3339(c.updated_at),
    }
}

fn coupon_kind(kind: Kind) -> pb::CouponKind {
    match kind {
        Kind::Percent => pb::CouponKind::Percent,
        Kind::Fixed => pb::CouponKind::Fixed,
    }
}

/// The service's kind for the contract's; `None` for UNSPECIFIED (or one this build does not
/// know), which validation reports.
fn kind(kind: pb::CouponKind) -> Option<Kind> {
    match kind {
        pb::CouponKind::Percent => Some(Kind::Percent),
        pb::CouponKind::Fixed => Some(Kind::Fixed),
        pb::CouponKind::Unspecified => None,
    }
}

/// A create's fields; `is_active` defaults to true.
pub fn draft(r: pb::CouponInput) -> Draft {
    Draft {
        kind: kind(r.kind()),
        code: r.code,
        value: r.value,
        min_subtotal_cents: r.min_subtotal_cents,
        expires_at: r.expires_at,
        usage_limit: r.usage_limit,
        per_user_limit: r.per_user_limit,
        is_active: r.is_active.unwrap_or(true),
        description: r.description,
    }
}

/// An update's fields; a kind named but UNSPECIFIED is refused, as an unknown kind is on create.
pub fn patch(r: pb::UpdateCouponRequest) -> Result<Patch> {
    let named = r.kind.map(|_| r.kind());
    let kind = match named {
        Some(k) => Some(kind(k).ok_or_else(|| Error::validation("kind", KIND_MESSAGE))?),
        None => None,
    };
    Ok(Patch {
        code: r.code,
        kind,
        value: r.value,
        min_subtotal_cents: r.min_subtotal_cents,
        expires_at: r.expires_at,
        usage_limit: r.usage_limit,
        per_user_limit: r.per_user_limit,
        is_active: r.is_active,
        description: r.description,
        clear_expires_at: r.clear_expires_at,
        clear_usage_limit: r.clear_usage_limit,
        clear_per_user_limit: r.clear_per_user_limit,
    })
}
