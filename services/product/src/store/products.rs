//! Product rows: one product, a batch, a scan of all, and writes (insert, update). Variants and
//! tag rows travel with their product. Filtered lists are answered from memory
//! (`search::listing`).
use std::collections::{BTreeMap, HashMap, HashSet};

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row as _};
use vici_kit::Result;
use vici_store::error::{SqlxResultExt as _, Unique};

use super::{Sql, flag, real, string_list, to_json};
use crate::domain::{Product, Status, Variant};

/// Unique columns a caller can collide with, reported as a 409 on the field.
pub const CONFLICTS: &[Unique] = &[
    Unique {
        table: "products",
        column: "slug",
        field: "slug",
        message: "Another product already uses this slug",
    },
    Unique {
        table: "products",
        column: "sku",
        field: "sku",
        message: "Another product already uses this SKU",
    },
    Unique {
        table: "product_variants",
        column: "sku",
        field: "variants",
        message: "Another variant already uses this SKU",
    },
];

pub(super) const SELECT: &str = "SELECT p.id, p.name, p.slug, p.description, p.long_description, p.price_cents, \
     p.original_price_cents, p.currency, p.category_id, c.name AS category_name, c.slug AS category_slug, \
     p.images, p.specifications, p.tags, p.rating, p.review_count, CAST(p.is_new AS INTEGER) AS is_new, \
     CAST(p.is_featured AS INTEGER) AS is_featured, CAST(p.is_on_sale AS INTEGER) AS is_on_sale, p.sku, p.status, p.created_at, p.updated_at \
     FROM products p JOIN categories c ON c.id = p.category_id";

fn from_row(row: &AnyRow) -> sqlx::Result<Product> {
    let status: String = row.try_get("status")?;
    Ok(Product {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        slug: row.try_get("slug")?,
        description: row.try_get("description")?,
        long_description: row.try_get("long_description")?,
        price_cents: row.try_get("price_cents")?,
        original_price_cents: row.try_get("original_price_cents")?,
        currency: row.try_get("currency")?,
        category_id: row.try_get("category_id")?,
        category_name: row.try_get("category_name")?,
        category_slug: row.try_get("category_slug")?,
        images: string_list(row, "images")?,
        rating: real(row, "rating")?,
        review_count: row.try_get("review_count")?,
        specifications: row.try_get("specifications")?,
        tags: string_list(row, "tags")?,
        is_new: flag(row, "is_new")?,
        is_featured: flag(row, "is_featured")?,
        is_on_sale: flag(row, "is_on_sale")?,
        sku: row.try_get("sku")?,
        // Only this service writes the column, always from `Status::as_str`.
        status: Status::parse(&status).unwrap_or(Status::Inactive),
        variants: Vec::new(),
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// The products `sql` selects (from [`SELECT`]) with their variants; `doing` names the read.
pub(super) async fn fetch(
    conn: &mut AnyConnection,
    sql: &Sql,
    doing: &'static str,
) -> Result<Vec<Product>> {
    let rows = sql.query().fetch_all(&mut *conn).await.db_err(doing)?;
    let mut products = rows
        .iter()
        .map(from_row)
        .collect::<sqlx::Result<Vec<_>>>()
        .db_err(doing)?;
    attach_variants(conn, &mut products).await?;
    Ok(products)
}

async fn attach_variants(conn: &mut AnyConnection, products: &mut [Product]) -> Result<()> {
    const DOING: &str = "reading the variants of products";
    if products.is_empty() {
        return Ok(());
    }
    let mut sql = Sql::new(
        "SELECT id, product_id, name, sku, price_cents, attributes FROM product_variants WHERE product_id IN ",
    );
    sql.bind_list(products.iter().map(|p| p.id.clone()))
        .push(" ORDER BY product_id, position, id");
    let mut by_product: HashMap<String, Vec<Variant>> = HashMap::new();
    for row in sql.query().fetch_all(conn).await.db_err(DOING)? {
        let (product_id, variant) = variant_from_row(&row).db_err(DOING)?;
        by_product.entry(product_id).or_default().push(variant);
    }
    for p in products {
        p.variants = by_product.remove(&p.id).unwrap_or_default();
    }
    Ok(())
}

/// A variant row with the id of its product.
fn variant_from_row(row: &AnyRow) -> sqlx::Result<(String, Variant)> {
    let attributes: String = row.try_get("attributes")?;
    let variant = Variant {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        sku: row.try_get("sku")?,
        price_cents: row.try_get("price_cents")?,
        attributes: serde_json::from_str::<BTreeMap<String, String>>(&attributes)
            .unwrap_or_default(),
    };
    Ok((row.try_get("product_id")?, variant))
}

/// A product by id or slug, any status.
pub async fn get(
    conn: &mut AnyConnection,
    id: Option<&str>,
    slug: Option<&str>,
) -> Result<Option<Product>> {
    let mut sql = Sql::new(SELECT);
    match (id, slug) {
        (Some(id), _) => sql.push(" WHERE p.id = ").bind(id),
        (None, Some(slug)) => sql.push(" WHERE p.slug = ").bind(slug),
        (None, None) => return Ok(None),
    };
    Ok(fetch(conn, &sql, "reading a product").await?.pop())
}

/// The products with these ids, in the order given; unknown ids are left out.
pub async fn get_many(conn: &mut AnyConnection, ids: &[String]) -> Result<Vec<Product>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(SELECT);
    sql.push(" WHERE p.id IN ").bind_list(ids.iter());
    let mut found: HashMap<String, Product> = fetch(conn, &sql, "reading a batch of products")
        .await?
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect();
    Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
}

/// Product slugs equal to `base` or of the form `base-…`, for picking a free one.
pub async fn taken_slugs(conn: &mut AnyConnection, base: &str) -> Result<HashSet<String>> {
    sqlx::query_scalar("SELECT slug FROM products WHERE slug = $1 OR slug LIKE $2")
        .bind(base)
        .bind(format!("{base}-%"))
        .fetch_all(conn)
        .await
        .map(|v| v.into_iter().collect())
        .db_err("reading the product slugs already taken")
}

/// Every product ordered by id, `limit` at a time after `after` (building the search index).
pub async fn scan(conn: &mut AnyConnection, after: &str, limit: i64) -> Result<Vec<Product>> {
    const DOING: &str = "scanning products for the search index";
    let mut sql = Sql::new(SELECT);
    sql.push(" WHERE p.id > ")
        .bind(after)
        .push(" ORDER BY p.id LIMIT ")
        .bind(limit);
    // With their variants: the index searches their SKUs, and batches by id are answered from
    // what it read.
    fetch(conn, &sql, DOING).await
}

/// Inserts `p` with its variants and tag rows; a slug or SKU another product (or variant)
/// holds is a conflict on that field.
pub async fn insert(conn: &mut AnyConnection, p: &Product) -> Result<()> {
    sqlx::query(
        "INSERT INTO products (id, name, slug, description, long_description, price_cents, original_price_cents, \
         currency, category_id, images, specifications, tags, rating, review_count, is_new, is_featured, is_on_sale, \
         sku, status, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)",
    )
    .bind(&p.id)
    .bind(&p.name)
    .bind(&p.slug)
    .bind(&p.description)
    .bind(&p.long_description)
    .bind(p.price_cents)
    .bind(p.original_price_cents)
    .bind(&p.currency)
    .bind(&p.category_id)
    .bind(to_json(&p.images))
    .bind(&p.specifications)
    .bind(to_json(&p.tags))
    .bind(p.rating)
    .bind(p.review_count)
    .bind(p.is_new)
    .bind(p.is_featured)
    .bind(p.is_on_sale)
    .bind(&p.sku)
    .bind(p.status.as_str())
    .bind(p.created_at)
    .bind(p.updated_at)
    .execute(&mut *conn)
    .await
    .db_conflict("inserting a product", CONFLICTS)?;
    for (position, v) in p.variants.iter().enumerate() {
        sqlx::query(
            "INSERT INTO product_variants (id, product_id, name, sku, price_cents, attributes, position) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&v.id)
        .bind(&p.id)
        .bind(&v.name)
        .bind(&v.sku)
        .bind(v.price_cents)
        .bind(to_json(&v.attributes))
        .bind(position as i64)
        .execute(&mut *conn)
        .await
        .db_conflict("inserting a product's variant", CONFLICTS)?;
    }
    write_tags(conn, &p.id, &p.tags).await
}

/// Writes every editable column of `p` (the patch rules live in the domain); a slug or SKU
/// another product holds is a conflict on that field.
pub async fn update(conn: &mut AnyConnection, p: &Product, tags_changed: bool) -> Result<()> {
    sqlx::query(
        "UPDATE products SET name = $1, slug = $2, description = $3, long_description = $4, price_cents = $5, \
         original_price_cents = $6, category_id = $7, images = $8, specifications = $9, tags = $10, is_new = $11, \
         is_featured = $12, is_on_sale = $13, sku = $14, status = $15, updated_at = $16 WHERE id = $17",
    )
    .bind(&p.name)
    .bind(&p.slug)
    .bind(&p.description)
    .bind(&p.long_description)
    .bind(p.price_cents)
    .bind(p.original_price_cents)
    .bind(&p.category_id)
    .bind(to_json(&p.images))
    .bind(&p.specifications)
    .bind(to_json(&p.tags))
    .bind(p.is_new)
    .bind(p.is_featured)
    .bind(p.is_on_sale)
    .bind(&p.sku)
    .bind(p.status.as_str())
    .bind(p.updated_at)
    .bind(&p.id)
    .execute(&mut *conn)
    .await
    .db_conflict("updating a product", CONFLICTS)?;
    if tags_changed {
        sqlx::query("DELETE FROM product_tags WHERE product_id = $1")
            .bind(&p.id)
            .execute(&mut *conn)
            .await
            .db_err("deleting a product's tags")?;
        write_tags(conn, &p.id, &p.tags).await?;
    }
    Ok(())
}

/// The lower-case tag rows the tag filter reads.
pub async fn write_tags(conn: &mut AnyConnection, product_id: &str, tags: &[String]) -> Result<()> {
    for tag in tags {
        sqlx::query(
            "INSERT INTO product_tags (product_id, tag) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(product_id)
        .bind(tag.to_lowercase())
        .execute(&mut *conn)
        .await
        .db_err("writing a product's tags")?;
    }
    Ok(())
}
