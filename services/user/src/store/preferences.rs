//! The `preferences` table. Partial updates are one statement (`COALESCE` of each given value
//! with the stored one), so two concurrent updates of different settings both survive.
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row as _};
use vici_kit::Result;
use vici_store::error::SqlxResultExt as _;
use vici_store::{flag, get_flag};

use crate::domain::preferences::{Patch, Preferences};

fn from_row(r: &AnyRow) -> sqlx::Result<Preferences> {
    Ok(Preferences {
        user_id: r.try_get("user_id")?,
        email_notifications: get_flag(r, "email_notifications")?,
        sms_notifications: get_flag(r, "sms_notifications")?,
        marketing_emails: get_flag(r, "marketing_emails")?,
        language: r.try_get("language")?,
        currency: r.try_get("currency")?,
    })
}

pub async fn get(conn: &mut AnyConnection, user_id: &str) -> Result<Option<Preferences>> {
    let row = sqlx::query(
        "SELECT user_id, email_notifications, sms_notifications, marketing_emails, language, currency \
         FROM preferences WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_optional(conn)
    .await
    .db_err("reading a user's preferences")?;
    row.as_ref()
        .map(from_row)
        .transpose()
        .db_err("decoding a user's preferences")
}

/// Stores `p` unless the user already has preferences (then nothing changes).
pub async fn create_if_missing(
    conn: &mut AnyConnection,
    p: &Preferences,
    now: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO preferences (user_id, email_notifications, sms_notifications, marketing_emails, \
         language, currency, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
    )
    .bind(&p.user_id)
    .bind(flag(p.email_notifications))
    .bind(flag(p.sms_notifications))
    .bind(flag(p.marketing_emails))
    .bind(&p.language)
    .bind(&p.currency)
    .bind(now)
    .execute(conn)
    .await
    .db_err("storing a user's default preferences")?;
    Ok(done.rows_affected() == 1)
}

/// Applies the given settings of `patch` to an existing row.
pub async fn update(
    conn: &mut AnyConnection,
    user_id: &str,
    patch: &Patch,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE preferences SET email_notifications = COALESCE($1, email_notifications), \
         sms_notifications = COALESCE($2, sms_notifications), \
         marketing_emails = COALESCE($3, marketing_emails), \
         language = COALESCE($4, language), currency = COALESCE($5, currency), updated_at = $6 \
         WHERE user_id = $7",
    )
    .bind(patch.email_notifications.map(flag))
    .bind(patch.sms_notifications.map(flag))
    .bind(patch.marketing_emails.map(flag))
    .bind(patch.language.clone())
    .bind(patch.currency.clone())
    .bind(now)
    .bind(user_id)
    .execute(conn)
    .await
    .db_err("updating a user's preferences")?;
    Ok(())
}
