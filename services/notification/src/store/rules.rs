//! The log's queries behind the rules that change a message's fate: calling off waiting
//! deliveries (an order placed, later shipping news), finding later news of the same order,
//! and counting what a user got today (the daily limit).
use sqlx::{AnyConnection, Row as _};
use vici_kit::Result;
use vici_store::Db;
use vici_store::error::SqlxResultExt as _;
use vici_store::sql::Sql;

use super::deliveries::Delivery;
use crate::message::Template;
use crate::plan::Channel;

/// Which waiting deliveries a change calls off.
pub struct CallOff<'a> {
    pub user_id: &'a str,
    pub templates: &'a [Template],
    /// Only those about this (an order); any when `None`.
    pub about: Option<&'a str>,
    /// Only those on this channel; any when `None`.
    pub channel: Option<Channel>,
    /// Why, as the log will say.
    pub reason: &'a str,
}

/// ` AND template IN (…)` for `templates`.
fn of_templates(q: &mut Sql, templates: &[Template]) {
    q.push(" AND template IN ")
        .bind_list(templates.iter().map(|t| t.name()));
}

/// Skips the pending deliveries `c` names (not yet handed to anyone); how many.
pub async fn call_off(conn: &mut AnyConnection, c: &CallOff<'_>, now: i64) -> Result<u64> {
    let mut q = Sql::new("UPDATE deliveries SET status = 'skipped', reason = ");
    q.bind(c.reason)
        .push(", updated_at = ")
        .bind(now)
        .push(" WHERE status = 'pending' AND user_id = ")
        .bind(c.user_id);
    of_templates(&mut q, c.templates);
    if let Some(about) = c.about {
        q.push(" AND about = ").bind(about);
    }
    if let Some(channel) = c.channel {
        q.push(" AND channel = ").bind(channel.name());
    }
    let done = q
        .query()
        .execute(conn)
        .await
        .db_err("calling off waiting deliveries")?;
    Ok(done.rows_affected())
}

/// Later deliveries of `templates` than `d`, about the same thing on the same channel for the
/// same user (ids are UUIDv7: later ones sort after).
pub fn later(d: &Delivery, templates: &[Template]) -> Sql {
    let mut q = Sql::new("SELECT COUNT(*) FROM deliveries WHERE user_id = ");
    q.bind(&d.user_id)
        .push(" AND about = ")
        .bind(&d.about)
        .push(" AND channel = ")
        .bind(d.channel.name())
        .push(" AND id > ")
        .bind(&d.id);
    of_templates(&mut q, templates);
    q
}

/// Deliveries of `templates` sent to the user by email or SMS since `since`.
pub fn sent_since(user_id: &str, templates: &[Template], since: i64) -> Sql {
    let mut q = Sql::new("SELECT COUNT(*) FROM deliveries WHERE user_id = ");
    q.bind(user_id)
        .push(" AND status = 'sent' AND channel <> 'in_app' AND sent_at >= ")
        .bind(since);
    of_templates(&mut q, templates);
    q
}

/// What a `SELECT COUNT(*)` of [`later`] or [`sent_since`] counts.
pub async fn count(db: &Db, query: &Sql) -> Result<i64> {
    let row = query
        .query()
        .fetch_one(db.reader())
        .await
        .db_err("counting in the delivery log")?;
    row.try_get::<i64, _>(0).db_err("decoding a count")
}
