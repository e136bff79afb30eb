//! Category rows. The whole table is small (dozens of rows), so callers read it at once and
//! let `domain::category` walk the tree.
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row as _};
use vici_kit::Result;
use vici_store::error::{SqlxResultExt as _, Unique};

use super::flag;
use crate::domain::category::Category;

pub const CONFLICTS: &[Unique] = &[Unique {
    table: "categories",
    column: "slug",
    field: "slug",
    message: "Another category already uses this slug",
}];

fn from_row(row: &AnyRow) -> sqlx::Result<Category> {
    Ok(Category {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        slug: row.try_get("slug")?,
        description: row.try_get("description")?,
        image: row.try_get("image")?,
        icon: row.try_get("icon")?,
        parent_id: row.try_get("parent_id")?,
        sort_order: row.try_get::<i64, _>("sort_order")? as i32,
        is_active: flag(row, "is_active")?,
    })
}

pub async fn all(conn: &mut AnyConnection) -> Result<Vec<Category>> {
    const DOING: &str = "reading the categories";
    let rows = sqlx::query(
        "SELECT id, name, slug, description, image, icon, parent_id, sort_order, CAST(is_active AS INTEGER) AS is_active \
         FROM categories ORDER BY id",
    )
    .fetch_all(conn)
    .await
    .db_err(DOING)?;
    rows.iter()
        .map(from_row)
        .collect::<sqlx::Result<_>>()
        .db_err(DOING)
}

/// Inserts `c`; a slug another category holds is a conflict on `slug`.
pub async fn insert(conn: &mut AnyConnection, c: &Category, now: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO categories (id, name, slug, description, image, icon, parent_id, sort_order, is_active, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&c.id)
    .bind(&c.name)
    .bind(&c.slug)
    .bind(&c.description)
    .bind(&c.image)
    .bind(&c.icon)
    .bind(&c.parent_id)
    .bind(i64::from(c.sort_order))
    .bind(c.is_active)
    .bind(now)
    .bind(now)
    .execute(conn)
    .await
    .db_conflict("inserting a category", CONFLICTS)?;
    Ok(())
}

/// Writes `c`'s editable columns; a slug another category holds is a conflict on `slug`.
pub async fn update(conn: &mut AnyConnection, c: &Category, now: i64) -> Result<()> {
    sqlx::query(
        "UPDATE categories SET name = $1, slug = $2, description = $3, image = $4, icon = $5, parent_id = $6, \
         sort_order = $7, is_active = $8, updated_at = $9 WHERE id = $10",
    )
    .bind(&c.name)
    .bind(&c.slug)
    .bind(&c.description)
    .bind(&c.image)
    .bind(&c.icon)
    .bind(&c.parent_id)
    .bind(i64::from(c.sort_order))
    .bind(c.is_active)
    .bind(now)
    .bind(&c.id)
    .execute(conn)
    .await
    .db_conflict("updating a category", CONFLICTS)?;
    Ok(())
}

/// Deletes `id` unless products (of any status) or child categories still point at it, all in
/// the caller's transaction so nothing can slip in between the check and the delete. Returns
/// what blocked the delete, if anything.
pub async fn delete_if_empty(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<(&'static str, i64)>> {
    let products: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM products WHERE category_id = $1")
        .bind(id)
        .fetch_one(&mut *conn)
        .await
        .db_err("counting a category's products")?;
    if products > 0 {
        return Ok(Some(("products", products)));
    }
    let children: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM categories WHERE parent_id = $1")
        .bind(id)
        .fetch_one(&mut *conn)
        .await
        .db_err("counting a category's subcategories")?;
    if children > 0 {
        return Ok(Some(("children", children)));
    }
    sqlx::query("DELETE FROM categories WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await
        .db_err("deleting a category")?;
    Ok(None)
}

/// Ids of the products filed directly under `id` (to re-index them after a rename).
pub async fn product_ids(conn: &mut AnyConnection, id: &str) -> Result<Vec<String>> {
    sqlx::query_scalar("SELECT id FROM products WHERE category_id = $1")
        .bind(id)
        .fetch_all(conn)
        .await
        .db_err("reading the ids of a category's products")
}
