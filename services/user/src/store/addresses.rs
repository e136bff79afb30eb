//! The `addresses` table. Keeping one default per user is the service's job (inside one
//! transaction under the user's lock); these are the statements it is made of.
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row as _};
use vici_kit::Result;
use vici_store::error::SqlxResultExt as _;
use vici_store::{flag, get_flag};

use vici_types::PostalAddress;

use crate::domain::address::Address;

const COLUMNS: &str = "id, user_id, first_name, last_name, address_line1, address_line2, city, \
     state, postal_code, country, phone, is_default, created_at, updated_at";

fn from_row(r: &AnyRow) -> sqlx::Result<Address> {
    Ok(Address {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        fields: PostalAddress {
            first_name: r.try_get("first_name")?,
            last_name: r.try_get("last_name")?,
            address_line1: r.try_get("address_line1")?,
            address_line2: r.try_get("address_line2")?,
            city: r.try_get("city")?,
            state: r.try_get("state")?,
            postal_code: r.try_get("postal_code")?,
            country: r.try_get("country")?,
            phone: r.try_get("phone")?,
        },
        is_default: get_flag(r, "is_default")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// The user's addresses, the default first, then oldest first.
pub async fn list(conn: &mut AnyConnection, user_id: &str) -> Result<Vec<Address>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM addresses WHERE user_id = $1 ORDER BY is_default DESC, created_at, id"
    );
    let rows = sqlx::query(&sql)
        .bind(user_id)
        .fetch_all(conn)
        .await
        .db_err("reading a user's addresses")?;
    rows.iter()
        .map(from_row)
        .collect::<sqlx::Result<_>>()
        .db_err("decoding a user's addresses")
}

/// One of the user's addresses; another user's is `None`, as an unknown one.
pub async fn get(conn: &mut AnyConnection, user_id: &str, id: &str) -> Result<Option<Address>> {
    let sql = format!("SELECT {COLUMNS} FROM addresses WHERE id = $1 AND user_id = $2");
    let row = sqlx::query(&sql)
        .bind(id)
        .bind(user_id)
        .fetch_optional(conn)
        .await
        .db_err("reading an address")?;
    row.as_ref()
        .map(from_row)
        .transpose()
        .db_err("decoding an address")
}

pub async fn count(conn: &mut AnyConnection, user_id: &str) -> Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM addresses WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(conn)
        .await
        .db_err("counting a user's addresses")
}

/// Unmarks the user's current default, if any.
pub async fn clear_default(conn: &mut AnyConnection, user_id: &str, now: i64) -> Result<()> {
    sqlx::query(
        "UPDATE addresses SET is_default = 0, updated_at = $1 WHERE user_id = $2 AND is_default = 1",
    )
    .bind(now)
    .bind(user_id)
    .execute(conn)
    .await
    .db_err("clearing a user's default address")?;
    Ok(())
}

pub async fn insert(conn: &mut AnyConnection, a: &Address) -> Result<()> {
    let f = &a.fields;
    sqlx::query(
        "INSERT INTO addresses (id, user_id, first_name, last_name, address_line1, address_line2, city, \
         state, postal_code, country, phone, is_default, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(&a.id)
    .bind(&a.user_id)
    .bind(&f.first_name)
    .bind(&f.last_name)
    .bind(&f.address_line1)
    .bind(f.address_line2.clone())
    .bind(&f.city)
    .bind(&f.state)
    .bind(&f.postal_code)
    .bind(&f.country)
    .bind(&f.phone)
    .bind(flag(a.is_default))
    .bind(a.created_at)
    .bind(a.updated_at)
    .execute(conn)
    .await
    .db_err("inserting an address")?;
    Ok(())
}

pub async fn update(conn: &mut AnyConnection, a: &Address) -> Result<()> {
    let f = &a.fields;
    sqlx::query(
        "UPDATE addresses SET first_name = $1, last_name = $2, address_line1 = $3, address_line2 = $4, \
         city = $5, state = $6, postal_code = $7, country = $8, phone = $9, is_default = $10, \
         updated_at = $11 WHERE id = $12 AND user_id = $13",
    )
    .bind(&f.first_name)
    .bind(&f.last_name)
    .bind(&f.address_line1)
    .bind(f.address_line2.clone())
    .bind(&f.city)
    .bind(&f.state)
    .bind(&f.postal_code)
    .bind(&f.country)
    .bind(&f.phone)
    .bind(flag(a.is_default))
    .bind(a.updated_at)
    .bind(&a.id)
    .bind(&a.user_id)
    .execute(conn)
    .await
    .db_err("updating an address")?;
    Ok(())
}

/// Deletes one of the user's addresses; `false` when there was none.
pub async fn delete(conn: &mut AnyConnection, user_id: &str, id: &str) -> Result<bool> {
    let done = sqlx::query("DELETE FROM addresses WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user_id)
        .execute(conn)
        .await
        .db_err("deleting an address")?;
    Ok(done.rows_affected() == 1)
}

/// Makes the user's oldest address the default (after the default was deleted).
pub async fn promote_oldest(conn: &mut AnyConnection, user_id: &str, now: i64) -> Result<()> {
    sqlx::query(
        "UPDATE addresses SET is_default = 1, updated_at = $1 WHERE id = \
         (SELECT id FROM addresses WHERE user_id = $2 ORDER BY created_at, id LIMIT 1)",
    )
    .bind(now)
    .bind(user_id)
    .execute(conn)
    .await
    .db_err("making a user's oldest address the default")?;
    Ok(())
}
