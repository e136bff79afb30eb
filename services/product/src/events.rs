//! The `product-events` this service announces, written to the outbox in the transaction of the
//! change they describe: the product events of events.md, keyed by product id, and the category
//! events (`product.category_*`, keyed by category id; payloads in docs/decisions.md), which
//! let every replica and gateway follow an admin's category edits.
use serde_json::{Map, Value, json};
use sqlx::AnyConnection;
use vici_bus::CloudEvent;
use vici_bus::topics::PRODUCT_EVENTS;
use vici_kit::Result;
use vici_store::error::SqlxResultExt as _;

use crate::domain::Product;
use crate::domain::category::Category;

pub const CREATED: &str = "product.created";
pub const UPDATED: &str = "product.updated";
pub const DELETED: &str = "product.deleted";
pub const PRICE_CHANGED: &str = "product.price_changed";
pub const CATEGORY_CREATED: &str = "product.category_created";
pub const CATEGORY_UPDATED: &str = "product.category_updated";
pub const CATEGORY_DELETED: &str = "product.category_deleted";

/// The product as events carry it: camelCase, money in cents with its currency.
fn product_data(p: &Product) -> Map<String, Value> {
    let value = json!({
        "productId": p.id,
        "name": p.name,
        "slug": p.slug,
        "description": p.description,
        "longDescription": p.long_description,
        "priceCents": p.price_cents,
        "originalPriceCents": p.original_price_cents,
        "currency": p.currency,
        "categoryId": p.category_id,
        "images": p.images,
        "specifications": serde_json::from_str::<Value>(&p.specifications).unwrap_or_else(|_| json!({})),
        "tags": p.tags,
        "isNew": p.is_new,
        "isFeatured": p.is_featured,
        "isOnSale": p.is_on_sale,
        "sku": p.sku,
        "status": p.status.as_str(),
        "rating": p.rating,
        "reviewCount": p.review_count,
        "variants": p.variants.iter().map(|v| json!({
            "variantId": v.id, "name": v.name, "sku": v.sku, "priceCents": v.price_cents, "attributes": v.attributes,
        })).collect::<Vec<_>>(),
    });
    match value {
        Value::Object(map) => map,
        _ => unreachable!("json! of an object literal is an object"),
    }
}

fn event(event_type: &str, p: &Product, data: Map<String, Value>) -> CloudEvent {
    CloudEvent::new("product", event_type, &p.id, Value::Object(data))
}

pub fn created(p: &Product) -> CloudEvent {
    event(CREATED, p, product_data(p))
}

/// `{productId, fields[], …the new values of those fields}`.
pub fn updated(p: &Product, fields: &[&str]) -> CloudEvent {
    let all = product_data(p);
    let mut data = Map::new();
    data.insert("productId".into(), json!(p.id));
    data.insert("fields".into(), json!(fields));
    for f in fields {
        if let Some(v) = all.get(*f) {
            data.insert((*f).to_string(), v.clone());
        }
    }
    event(UPDATED, p, data)
}

pub fn deleted(p: &Product) -> CloudEvent {
    let data = json!({"productId": p.id, "sku": p.sku, "status": p.status.as_str()});
    event(DELETED, p, data.as_object().cloned().unwrap_or_default())
}

pub fn price_changed(p: &Product, old_price_cents: i64) -> CloudEvent {
    let data = json!({
        "productId": p.id,
        "oldPriceCents": old_price_cents,
        "newPriceCents": p.price_cents,
        "currency": p.currency,
    });
    event(
        PRICE_CHANGED,
        p,
        data.as_object().cloned().unwrap_or_default(),
    )
}

/// `{categoryId, name, slug, parentId, isActive, sortOrder}`.
fn category_data(c: &Category) -> Value {
    json!({
        "categoryId": c.id,
        "name": c.name,
        "slug": c.slug,
        "parentId": c.parent_id,
        "isActive": c.is_active,
        "sortOrder": c.sort_order,
    })
}

pub fn category_created(c: &Category) -> CloudEvent {
    CloudEvent::new("product", CATEGORY_CREATED, &c.id, category_data(c))
}

/// The category as it is now, with `fields`: the names of those that changed.
pub fn category_updated(c: &Category, fields: &[&str]) -> CloudEvent {
    let mut data = category_data(c);
    data["fields"] = json!(fields);
    CloudEvent::new("product", CATEGORY_UPDATED, &c.id, data)
}

pub fn category_deleted(id: &str) -> CloudEvent {
    CloudEvent::new("product", CATEGORY_DELETED, id, json!({"categoryId": id}))
}

/// Writes `event` to the outbox of the transaction behind `conn`.
pub async fn emit(conn: &mut AnyConnection, event: &CloudEvent) -> Result<()> {
    vici_store::outbox::enqueue(conn, PRODUCT_EVENTS, &event.subject, event)
        .await
        .db_err("writing a product event to the outbox")
}
