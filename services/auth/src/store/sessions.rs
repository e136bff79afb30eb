//! The `refresh_tokens` table: one row per issued refresh token, grouped in families (one
//! family per sign-in). Revocations are compare-and-set updates (`revoked_at IS NULL`) so two
//! requests racing on PostgreSQL cannot both win.
use sqlx::{Any, Executor, Row as _};
use vici_kit::Result;
use vici_store::AnyConnection;
use vici_store::error::SqlxResultExt as _;

const COLUMNS: &str = "id, token_hash, user_id, family_id, created_at, expires_at, revoked_at, \
                       revoke_reason, successor_id, access_jti, access_iat, access_ver";

/// Why a refresh token stopped working.
pub mod reason {
    pub const ROTATED: &str = "rotated";
    pub const REUSE: &str = "reuse";
    pub const LOGOUT: &str = "logout";
    pub const PASSWORD_RESET: &str = "password_reset";
    pub const PASSWORD_CHANGED: &str = "password_changed";
    pub const DEACTIVATED: &str = "deactivated";
}

#[derive(Clone, Debug)]
pub struct RefreshRow {
    pub id: String,
    pub token_hash: String,
    pub user_id: String,
    pub family_id: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
    pub revoke_reason: Option<String>,
    pub successor_id: Option<String>,
    /// The access token issued together with this refresh token.
    pub access_jti: String,
    pub access_iat: i64,
    /// The account's token version that access token carries.
    pub access_ver: i64,
}

fn from_row(row: &sqlx::any::AnyRow) -> Result<RefreshRow, sqlx::Error> {
    Ok(RefreshRow {
        id: row.try_get("id")?,
        token_hash: row.try_get("token_hash")?,
        user_id: row.try_get("user_id")?,
        family_id: row.try_get("family_id")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        revoked_at: row.try_get("revoked_at")?,
        revoke_reason: row.try_get("revoke_reason")?,
        successor_id: row.try_get("successor_id")?,
        access_jti: row.try_get("access_jti")?,
        access_iat: row.try_get("access_iat")?,
        access_ver: row.try_get("access_ver")?,
    })
}

pub async fn insert(conn: &mut AnyConnection, r: &RefreshRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO refresh_tokens (id, token_hash, user_id, family_id, created_at, expires_at, \
         access_jti, access_iat, access_ver) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&r.id)
    .bind(&r.token_hash)
    .bind(&r.user_id)
    .bind(&r.family_id)
    .bind(r.created_at)
    .bind(r.expires_at)
    .bind(&r.access_jti)
    .bind(r.access_iat)
    .bind(r.access_ver)
    .execute(conn)
    .await
    .db_err("inserting a refresh token")?;
    Ok(())
}

pub async fn by_hash<'c, E: Executor<'c, Database = Any>>(
    ex: E,
    token_hash: &str,
) -> Result<Option<RefreshRow>> {
    one_where(
        ex,
        "token_hash",
        token_hash,
        "reading a refresh token by hash",
    )
    .await
}

pub async fn by_id<'c, E: Executor<'c, Database = Any>>(
    ex: E,
    id: &str,
) -> Result<Option<RefreshRow>> {
    one_where(ex, "id", id, "reading a refresh token by id").await
}

/// Marks `id` rotated into `successor_id` if nobody revoked it first; `false` means another
/// request won the race.
pub async fn mark_rotated(
    conn: &mut AnyConnection,
    id: &str,
    successor_id: &str,
    now: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE refresh_tokens SET revoked_at = $1, revoke_reason = $2, successor_id = $3 \
         WHERE id = $4 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(reason::ROTATED)
    .bind(successor_id)
    .bind(id)
    .execute(conn)
    .await
    .db_err("marking a refresh token rotated")?;
    Ok(done.rows_affected() == 1)
}

/// Revokes the live tokens of family `family_id` owned by `user_id`; how many were live.
pub async fn revoke_family(
    conn: &mut AnyConnection,
    user_id: &str,
    family_id: &str,
    why: &str,
    now: i64,
) -> Result<u64> {
    let done = sqlx::query(
        "UPDATE refresh_tokens SET revoked_at = $1, revoke_reason = $2 \
         WHERE family_id = $3 AND user_id = $4 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(why)
    .bind(family_id)
    .bind(user_id)
    .execute(conn)
    .await
    .db_err("revoking a session's refresh tokens")?;
    Ok(done.rows_affected())
}

/// Revokes every live token of `user_id` (but those of family `keep`, when given); returns
/// the families that ended, each once.
pub async fn revoke_user(
    conn: &mut AnyConnection,
    user_id: &str,
    keep: Option<&str>,
    why: &str,
    now: i64,
) -> Result<Vec<String>> {
    // RETURNING (PostgreSQL, SQLite ≥ 3.35) names exactly the rows this update revoked, even
    // when a sign-in lands concurrently.
    let mut families: Vec<String> = sqlx::query_scalar(
        "UPDATE refresh_tokens SET revoked_at = $1, revoke_reason = $2 \
         WHERE user_id = $3 AND revoked_at IS NULL AND ($4 IS NULL OR family_id <> $4) \
         RETURNING family_id",
    )
    .bind(now)
    .bind(why)
    .bind(user_id)
    .bind(keep)
    .fetch_all(conn)
    .await
    .db_err("revoking a user's refresh tokens")?;
    families.sort();
    families.dedup();
    Ok(families)
}

/// Deletes tokens that expired before `before` (they can only be refused anyway).
pub async fn delete_expired(db: &vici_store::Db, before: i64) -> Result<u64> {
    let done = sqlx::query("DELETE FROM refresh_tokens WHERE expires_at < $1")
        .bind(before)
        .execute(db.writer())
        .await
        .db_err("deleting expired refresh tokens")?;
    Ok(done.rows_affected())
}

/// The row whose `column` (one of this module's constant names, never input) equals `value`;
/// `doing` names the lookup for the log.
async fn one_where<'c, E: Executor<'c, Database = Any>>(
    ex: E,
    column: &'static str,
    value: &str,
    doing: &'static str,
) -> Result<Option<RefreshRow>> {
    let sql = format!("SELECT {COLUMNS} FROM refresh_tokens WHERE {column} = $1");
    let row = sqlx::query(&sql)
        .bind(value)
        .fetch_optional(ex)
        .await
        .db_err(doing)?;
    row.as_ref().map(from_row).transpose().db_err(doing)
}
