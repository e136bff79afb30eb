//! The `profiles` table: phone and avatar per user (the row also serves as the user's lock,
//! see [`super::lock_user`]).
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row as _};
use vici_kit::Result;
use vici_store::error::SqlxResultExt as _;

use crate::domain::profile::Profile;

fn from_row(r: &AnyRow) -> sqlx::Result<Profile> {
    Ok(Profile {
        user_id: r.try_get("user_id")?,
        phone: r.try_get("phone")?,
        avatar: r.try_get("avatar")?,
        avatar_key: r.try_get("avatar_key")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

pub async fn get(conn: &mut AnyConnection, user_id: &str) -> Result<Option<Profile>> {
    let row = sqlx::query(
        "SELECT user_id, phone, avatar, avatar_key, created_at, updated_at FROM profiles WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_optional(conn)
    .await
    .db_err("reading a user's profile")?;
    row.as_ref()
        .map(from_row)
        .transpose()
        .db_err("decoding a user's profile")
}

/// Creates the row of a newly registered user; a repeat changes nothing.
pub async fn create_if_missing(conn: &mut AnyConnection, user_id: &str, now: i64) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO profiles (user_id, created_at, updated_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind(user_id)
    .bind(now)
    .bind(now)
    .execute(conn)
    .await
    .db_err("creating a new user's profile")?;
    Ok(done.rows_affected() == 1)
}

/// Writes the editable columns of an existing row.
pub async fn save(conn: &mut AnyConnection, p: &Profile) -> Result<()> {
    sqlx::query(
        "UPDATE profiles SET phone = $1, avatar = $2, avatar_key = $3, updated_at = $4 WHERE user_id = $5",
    )
    .bind(&p.phone)
    .bind(&p.avatar)
    .bind(&p.avatar_key)
    .bind(p.updated_at)
    .bind(&p.user_id)
    .execute(conn)
    .await
    .db_err("saving a user's profile")?;
    Ok(())
}
