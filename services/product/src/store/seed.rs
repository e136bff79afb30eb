//! Bulk upsert of a seed catalogue: multi-row statements in one transaction, so 100 000
//! products load in seconds on either backend. Ids come from the seed helpers, so a second run
//! updates the same rows instead of adding new ones.
use std::collections::HashSet;

use sqlx::AnyConnection;
use vici_catalog::{Catalog, SeedCategory, SeedProduct, category_id};
use vici_kit::{Error, Result};
use vici_store::error::SqlxResultExt as _;

use super::{Sql, to_json};
use crate::domain::Status;

/// Bound parameters per statement. SQLite looks a `$N` parameter's name up by walking its list
/// of names, so binding costs grow with the square of a statement's parameters: 500 keeps
/// that negligible while still saving most round trips (PostgreSQL is as fast this way).
const PARAMS_PER_STATEMENT: usize = 500;
/// Products per batch: 21 parameters a row.
const BATCH: usize = PARAMS_PER_STATEMENT / 21;

/// Time stamped on seeded categories, which have no creation time of their own; a constant
/// keeps a second seeding from changing anything.
const SEED_TIME_MS: i64 = 1_767_225_600_000;

/// Upserts every category, parents before children (the foreign key wants them first).
pub async fn categories(conn: &mut AnyConnection, catalog: &Catalog) -> Result<usize> {
    let mut done: HashSet<&str> = HashSet::new();
    let mut ordered: Vec<&SeedCategory> = Vec::with_capacity(catalog.categories.len());
    while ordered.len() < catalog.categories.len() {
        let before = ordered.len();
        for c in &catalog.categories {
            if !done.contains(c.slug.as_str())
                && c.parent.as_deref().is_none_or(|p| done.contains(p))
            {
                done.insert(&c.slug);
                ordered.push(c);
            }
        }
        // `Catalog::parse` checked the parents exist; a cycle would stop progress.
        if ordered.len() == before {
            return Err(Error::internal(anyhow::anyhow!(
                "the seed categories form a cycle"
            )));
        }
    }
    for c in ordered {
        sqlx::query(
            "INSERT INTO categories (id, name, slug, description, image, icon, parent_id, sort_order, is_active, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, slug = excluded.slug, description = excluded.description, \
             image = excluded.image, icon = excluded.icon, parent_id = excluded.parent_id, sort_order = excluded.sort_order, \
             is_active = excluded.is_active, updated_at = excluded.updated_at",
        )
        .bind(category_id(&c.slug).to_string())
        .bind(&c.name)
        .bind(&c.slug)
        .bind(&c.description)
        .bind(&c.image)
        .bind(&c.icon)
        .bind(c.parent.as_deref().map(|p| category_id(p).to_string()))
        .bind(i64::from(c.sort_order))
        .bind(c.is_active)
        .bind(SEED_TIME_MS)
        .bind(SEED_TIME_MS)
        .execute(&mut *conn)
        .await
        .db_err("upserting a seed category")?;
    }
    Ok(catalog.categories.len())
}

/// Upserts products with their tag rows and variants; returns `(products, variants)`.
///
/// `rating` and `review_count` are written on first insert only: afterwards they are live
/// aggregates of the reviews shoppers post, which a re-seed must not wipe out.
pub async fn products(conn: &mut AnyConnection, catalog: &Catalog) -> Result<(usize, usize)> {
    let mut variants = 0;
    for batch in catalog.products.chunks(BATCH) {
        upsert_products(conn, batch, &catalog.currency).await?;
        replace_tags(conn, batch).await?;
        variants += upsert_variants(conn, batch).await?;
    }
    Ok((catalog.products.len(), variants))
}

async fn upsert_products(
    conn: &mut AnyConnection,
    batch: &[SeedProduct],
    currency: &str,
) -> Result<()> {
    let mut sql = Sql::new(
        "INSERT INTO products (id, name, slug, description, long_description, price_cents, original_price_cents, \
         currency, category_id, images, specifications, tags, rating, review_count, is_new, is_featured, is_on_sale, \
         sku, status, created_at, updated_at) VALUES ",
    );
    for (i, p) in batch.iter().enumerate() {
        let created = p.created_at.timestamp_millis();
        sql.push(if i == 0 { "(" } else { ", (" });
        sql.bind(p.id().to_string())
            .push(", ")
            .bind(p.name.as_str())
            .push(", ")
            .bind(p.slug.as_str())
            .push(", ");
        sql.bind(p.description.as_str())
            .push(", ")
            .bind(p.long_description.as_str())
            .push(", ");
        sql.bind(p.price_cents).push(", ");
        match p.original_price_cents {
            Some(c) => sql.bind(c),
            None => sql.push("NULL"),
        };
        sql.push(", ")
            .bind(currency)
            .push(", ")
            .bind(category_id(&p.category).to_string())
            .push(", ");
        sql.bind(to_json(&p.images))
            .push(", ")
            .bind(serde_json::Value::Object(p.specifications.clone()).to_string());
        sql.push(", ")
            .bind(to_json(&p.tags))
            .push(", ")
            .bind(p.rating)
            .push(", ")
            .bind(p.review_count)
            .push(", ");
        sql.bind(p.is_new)
            .push(", ")
            .bind(p.is_featured)
            .push(", ")
            .bind(p.is_on_sale)
            .push(", ");
        let status = Status::parse(&p.status).unwrap_or(Status::Inactive);
        sql.bind(p.sku.as_str())
            .push(", ")
            .bind(status.as_str())
            .push(", ")
            .bind(created)
            .push(", ")
            .bind(created);
        sql.push(")");
    }
    sql.push(
        " ON CONFLICT (id) DO UPDATE SET name = excluded.name, slug = excluded.slug, description = excluded.description, \
         long_description = excluded.long_description, price_cents = excluded.price_cents, \
         original_price_cents = excluded.original_price_cents, currency = excluded.currency, \
         category_id = excluded.category_id, images = excluded.images, specifications = excluded.specifications, \
         tags = excluded.tags, is_new = excluded.is_new, is_featured = excluded.is_featured, \
         is_on_sale = excluded.is_on_sale, sku = excluded.sku, status = excluded.status, updated_at = excluded.updated_at",
    );
    sql.query()
        .execute(conn)
        .await
        .db_err("upserting a batch of seed products")?;
    Ok(())
}

async fn replace_tags(conn: &mut AnyConnection, batch: &[SeedProduct]) -> Result<()> {
    let mut delete = Sql::new("DELETE FROM product_tags WHERE product_id IN ");
    delete.bind_list(batch.iter().map(|p| p.id().to_string()));
    delete
        .query()
        .execute(&mut *conn)
        .await
        .db_err("deleting the tags of a batch of seed products")?;
    let mut insert = Sql::new("INSERT INTO product_tags (product_id, tag) VALUES ");
    let mut any = false;
    for p in batch {
        let id = p.id().to_string();
        for tag in &p.tags {
            insert
                .push(if any { ", (" } else { "(" })
                .bind(id.as_str())
                .push(", ")
                .bind(tag.to_lowercase())
                .push(")");
            any = true;
        }
    }
    if any {
        insert
            .push(" ON CONFLICT DO NOTHING")
            .query()
            .execute(conn)
            .await
            .db_err("inserting the tags of a batch of seed products")?;
    }
    Ok(())
}

async fn upsert_variants(conn: &mut AnyConnection, batch: &[SeedProduct]) -> Result<usize> {
    let mut sql = Sql::new(
        "INSERT INTO product_variants (id, product_id, name, sku, price_cents, attributes, position) VALUES ",
    );
    let mut count = 0;
    for p in batch {
        for (position, v) in p.variants.iter().enumerate() {
            sql.push(if count == 0 { "(" } else { ", (" });
            sql.bind(p.variant_id(&v.sku).to_string())
                .push(", ")
                .bind(p.id().to_string())
                .push(", ");
            sql.bind(v.name.as_str())
                .push(", ")
                .bind(v.sku.as_str())
                .push(", ")
                .bind(v.price_cents)
                .push(", ");
            sql.bind(to_json(&v.attributes))
                .push(", ")
                .bind(position as i64)
                .push(")");
            count += 1;
        }
    }
    if count > 0 {
        sql.push(
            " ON CONFLICT (id) DO UPDATE SET name = excluded.name, sku = excluded.sku, \
             price_cents = excluded.price_cents, attributes = excluded.attributes, position = excluded.position",
        );
        sql.query()
            .execute(conn)
            .await
            .db_err("upserting the variants of a batch of seed products")?;
    }
    Ok(count)
}
