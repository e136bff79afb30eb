//! The `accounts` table: one SQL text for SQLite and PostgreSQL, values always bound.
use sqlx::{Any, Executor, Row as _};
use vici_kit::Result;
use vici_store::error::{SqlxResultExt as _, Unique};
use vici_store::{AnyConnection, AnyRow, Db, flag, get_flag};

pub const DUPLICATE_EMAIL: &str = "An account with this email already exists";

/// The unique email, reported as a conflict on the `email` field.
const TAKEN_EMAIL: Unique = Unique {
    table: "accounts",
    column: "email",
    field: "email",
    message: DUPLICATE_EMAIL,
};

const COLUMNS: &str = "id, email, name, role, password_hash, is_active, email_verified, \
                       created_at, updated_at, last_login_at, token_version";

#[derive(Clone, Debug)]
pub struct Account {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: String,
    pub password_hash: String,
    pub is_active: bool,
    pub email_verified: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_login_at: Option<i64>,
    /// Bumped by every change that must cut off the account's access tokens; each token
    /// carries the version it was minted under (see `vici_identity::revocation::user_key`).
    pub token_version: i64,
}

fn from_row(row: &AnyRow) -> Result<Account, sqlx::Error> {
    Ok(Account {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        role: row.try_get("role")?,
        password_hash: row.try_get("password_hash")?,
        is_active: get_flag(row, "is_active")?,
        email_verified: get_flag(row, "email_verified")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        last_login_at: row.try_get("last_login_at")?,
        token_version: row.try_get("token_version")?,
    })
}

pub async fn by_id<'c, E: Executor<'c, Database = Any>>(
    ex: E,
    id: &str,
) -> Result<Option<Account>> {
    one_where(ex, "id", id, "reading an account by id").await
}

/// `email` must already be canonical (trimmed, lower-cased), as stored.
pub async fn by_email<'c, E: Executor<'c, Database = Any>>(
    ex: E,
    email: &str,
) -> Result<Option<Account>> {
    one_where(ex, "email", email, "reading an account by email").await
}

/// Inserts `a`; a taken email (also when two registrations race) is a conflict on `email`.
pub async fn insert(conn: &mut AnyConnection, a: &Account) -> Result<()> {
    sqlx::query(
        "INSERT INTO accounts (id, email, name, role, password_hash, is_active, email_verified, \
         created_at, updated_at, last_login_at, token_version) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&a.id)
    .bind(&a.email)
    .bind(&a.name)
    .bind(&a.role)
    .bind(&a.password_hash)
    .bind(flag(a.is_active))
    .bind(flag(a.email_verified))
    .bind(a.created_at)
    .bind(a.updated_at)
    .bind(a.last_login_at)
    .bind(a.token_version)
    .execute(conn)
    .await
    .db_conflict("inserting an account", &[TAKEN_EMAIL])?;
    Ok(())
}

/// The account as it stands, its row locked until the transaction ends (on PostgreSQL; SQLite
/// has one writer anyway): a token minted in this transaction carries the role, state and
/// `token_version` of this read, and a change that bumps the version waits for the commit or
/// is already visible here. `None` when there is no such account.
pub async fn lock(conn: &mut AnyConnection, id: &str) -> Result<Option<Account>> {
    // A no-op update rather than `SELECT … FOR UPDATE`, which SQLite does not parse.
    let sql = format!(
        "UPDATE accounts SET token_version = token_version WHERE id = $1 RETURNING {COLUMNS}"
    );
    let row = sqlx::query(&sql)
        .bind(id)
        .fetch_optional(conn)
        .await
        .db_err("locking an account")?;
    row.as_ref()
        .map(from_row)
        .transpose()
        .db_err("locking an account")
}

/// Records a sign-in and returns the account as it stands, locked like [`lock`].
pub async fn record_login(conn: &mut AnyConnection, id: &str, now: i64) -> Result<Option<Account>> {
    let sql = format!("UPDATE accounts SET last_login_at = $1 WHERE id = $2 RETURNING {COLUMNS}");
    let row = sqlx::query(&sql)
        .bind(now)
        .bind(id)
        .fetch_optional(conn)
        .await
        .db_err("recording a sign-in")?;
    row.as_ref()
        .map(from_row)
        .transpose()
        .db_err("recording a sign-in")
}

/// Replaces the password hash only if it is still `expected` (compare-and-set): a rehash or a
/// password change never overwrites a change that landed meanwhile. `true` when written.
pub async fn replace_hash(
    conn: &mut AnyConnection,
    id: &str,
    expected: &str,
    new_hash: &str,
    touch_at: Option<i64>,
) -> Result<bool> {
    let done = match touch_at {
        Some(now) => sqlx::query(
            "UPDATE accounts SET password_hash = $1, updated_at = $2 WHERE id = $3 AND password_hash = $4",
        )
        .bind(new_hash)
        .bind(now)
        .bind(id)
        .bind(expected)
        .execute(conn)
        .await,
        None => sqlx::query(
            "UPDATE accounts SET password_hash = $1 WHERE id = $2 AND password_hash = $3",
        )
        .bind(new_hash)
        .bind(id)
        .bind(expected)
        .execute(conn)
        .await,
    };
    Ok(done.db_err("replacing a password hash")?.rows_affected() == 1)
}

/// A password reset: the new hash, the email counts as verified (the link reached it), and
/// the token version moves on. The new version, or `None` when there is no such account.
pub async fn reset_password(
    conn: &mut AnyConnection,
    id: &str,
    new_hash: &str,
    now: i64,
) -> Result<Option<i64>> {
    sqlx::query_scalar(
        "UPDATE accounts SET password_hash = $1, email_verified = 1, updated_at = $2, \
         token_version = token_version + 1 WHERE id = $3 RETURNING token_version",
    )
    .bind(new_hash)
    .bind(now)
    .bind(id)
    .fetch_optional(conn)
    .await
    .db_err("resetting an account's password")
}

/// Marks the email verified; `true` when it was not verified before.
pub async fn verify_email(conn: &mut AnyConnection, id: &str, now: i64) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE accounts SET email_verified = 1, updated_at = $1 WHERE id = $2 AND email_verified = 0",
    )
    .bind(now)
    .bind(id)
    .execute(conn)
    .await
    .db_err("marking an account's email verified")?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_name(conn: &mut AnyConnection, id: &str, name: &str, now: i64) -> Result<()> {
    sqlx::query("UPDATE accounts SET name = $1, updated_at = $2 WHERE id = $3")
        .bind(name)
        .bind(now)
        .bind(id)
        .execute(conn)
        .await
        .db_err("renaming an account")?;
    Ok(())
}

/// Sets role and active flag and moves the token version on; the new version, or `None` when
/// there is no such account.
pub async fn set_role_and_active(
    conn: &mut AnyConnection,
    id: &str,
    role: &str,
    is_active: bool,
    now: i64,
) -> Result<Option<i64>> {
    sqlx::query_scalar(
        "UPDATE accounts SET role = $1, is_active = $2, updated_at = $3, \
         token_version = token_version + 1 WHERE id = $4 RETURNING token_version",
    )
    .bind(role)
    .bind(flag(is_active))
    .bind(now)
    .bind(id)
    .fetch_optional(conn)
    .await
    .db_err("changing an account's role and active flag")
}

/// The account's current token version (`None` when there is no such account).
pub async fn token_version<'c, E: Executor<'c, Database = Any>>(
    ex: E,
    id: &str,
) -> Result<Option<i64>> {
    sqlx::query_scalar("SELECT token_version FROM accounts WHERE id = $1")
        .bind(id)
        .fetch_optional(ex)
        .await
        .db_err("reading an account's token version")
}

/// `value` as a literal `LIKE` pattern: `!` escapes the wildcards `%` and `_` and itself, so
/// a search for `50%_off` matches exactly that text.
fn like_contains(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('%');
    for c in value.chars() {
        if matches!(c, '%' | '_' | '!') {
            out.push('!');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// One page of accounts, newest first, with the total that match. `search` (lower-case) is
/// a substring of the email or the name; `role` an exact role.
pub async fn list(
    db: &Db,
    search: Option<&str>,
    role: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Account>, i64)> {
    // Optional filters stay in one SQL text: a NULL parameter switches its condition off.
    let filter = "WHERE ($1 IS NULL OR LOWER(email) LIKE $1 ESCAPE '!' OR LOWER(name) LIKE $1 ESCAPE '!') \
                  AND ($2 IS NULL OR role = $2)";
    let pattern = search.map(like_contains);
    let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM accounts {filter}"))
        .bind(pattern.as_deref())
        .bind(role)
        .fetch_one(db.reader())
        .await
        .db_err("counting the accounts that match a search")?;
    let sql = format!(
        "SELECT {COLUMNS} FROM accounts {filter} ORDER BY created_at DESC, id DESC LIMIT $3 OFFSET $4"
    );
    let rows = sqlx::query(&sql)
        .bind(pattern.as_deref())
        .bind(role)
        .bind(limit)
        .bind(offset)
        .fetch_all(db.reader())
        .await
        .db_err("listing a page of accounts")?;
    let accounts = rows
        .iter()
        .map(from_row)
        .collect::<Result<Vec<_>, _>>()
        .db_err("reading a page of accounts")?;
    Ok((accounts, total))
}

/// Inserts accounts that do not exist yet (by id or email); how many were new.
pub async fn insert_missing(db: &Db, accounts: &[Account]) -> Result<usize> {
    let mut tx = db
        .begin()
        .await
        .db_err("starting the transaction seeding accounts")?;
    let mut created = 0;
    for a in accounts {
        created += sqlx::query(
            "INSERT INTO accounts (id, email, name, role, password_hash, is_active, email_verified, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
        )
        .bind(&a.id)
        .bind(&a.email)
        .bind(&a.name)
        .bind(&a.role)
        .bind(&a.password_hash)
        .bind(flag(a.is_active))
        .bind(flag(a.email_verified))
        .bind(a.created_at)
        .bind(a.updated_at)
        .execute(&mut *tx)
        .await
        .db_err("inserting a seeded account")?
        .rows_affected() as usize;
    }
    tx.commit().await.db_err("committing the seeded accounts")?;
    Ok(created)
}

/// The row whose `column` (one of this module's constant names, never input) equals `value`;
/// `doing` names the lookup for the log.
async fn one_where<'c, E: Executor<'c, Database = Any>>(
    ex: E,
    column: &'static str,
    value: &str,
    doing: &'static str,
) -> Result<Option<Account>> {
    let sql = format!("SELECT {COLUMNS} FROM accounts WHERE {column} = $1");
    let row = sqlx::query(&sql)
        .bind(value)
        .fetch_optional(ex)
        .await
        .db_err(doing)?;
    row.as_ref().map(from_row).transpose().db_err(doing)
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(super::like_contains("50%_off!"), "%50!%!_off!!%");
    }
}
