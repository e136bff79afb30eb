//! The `deliveries` table, the delivery log: one row per (event, channel, template), moved
//! pending → sending → sent, or to failed or skipped. Every move names the state it leaves, so
//! two workers (replicas) never both take a row, and a row is never sent from two states.
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row as _};
use vici_kit::Result;
use vici_proto::paging::Page;
use vici_store::error::SqlxResultExt as _;

use crate::message::Template;
use crate::plan::Channel;

/// Where a delivery is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Pending,
    /// Handed to the provider; its Message-ID or id is stored. A row left here by a crash is
    /// not sent again.
    Sending,
    Sent,
    Failed,
    Skipped,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Pending,
        Status::Sending,
        Status::Sent,
        Status::Failed,
        Status::Skipped,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Sending => "sending",
            Status::Sent => "sent",
            Status::Failed => "failed",
            Status::Skipped => "skipped",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// One row of the log.
#[derive(Clone, Debug)]
pub struct Delivery {
    pub id: String,
    pub event_id: String,
    pub channel: Channel,
    pub template: Template,
    /// A user's id, or `plan::ADMINS`.
    pub user_id: String,
    /// What it is about: the order, the product (`plan::Planned::about`).
    pub about: String,
    /// The data of the event that asked for it.
    pub data: Value,
    pub status: Status,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub message_id: Option<String>,
    pub recipient: Option<String>,
    pub reason: Option<String>,
    pub resend_of: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub sent_at: Option<i64>,
}

const COLUMNS: &str = "id, event_id, channel, template, user_id, about, data, status, \
    attempts, next_attempt_at, message_id, recipient, reason, resend_of, created_at, updated_at, \
    sent_at";

fn from_row(r: &AnyRow) -> sqlx::Result<Delivery> {
    let decode = |column: &str, problem: String| sqlx::Error::ColumnDecode {
        index: column.into(),
        source: problem.into(),
    };
    let channel: String = r.try_get("channel")?;
    let template: String = r.try_get("template")?;
    let status: String = r.try_get("status")?;
    let data: String = r.try_get("data")?;
    Ok(Delivery {
        id: r.try_get("id")?,
        event_id: r.try_get("event_id")?,
        channel: Channel::parse(&channel)
            .ok_or_else(|| decode("channel", format!("unknown channel {channel}")))?,
        template: Template::parse(&template)
            .ok_or_else(|| decode("template", format!("unknown template {template}")))?,
        user_id: r.try_get("user_id")?,
        about: r.try_get("about")?,
        data: serde_json::from_str(&data).map_err(|e| decode("data", e.to_string()))?,
        status: Status::parse(&status)
            .ok_or_else(|| decode("status", format!("unknown status {status}")))?,
        attempts: r.try_get("attempts")?,
        next_attempt_at: r.try_get("next_attempt_at")?,
        message_id: r.try_get("message_id")?,
        recipient: r.try_get("recipient")?,
        reason: r.try_get("reason")?,
        resend_of: r.try_get("resend_of")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        sent_at: r.try_get("sent_at")?,
    })
}

/// A new pending delivery; `false` when the (event, channel, template) already has one.
pub async fn insert(conn: &mut AnyConnection, d: &Delivery) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO deliveries (id, event_id, channel, template, user_id, about, data, status, \
         attempts, next_attempt_at, resend_of, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', 0, $8, $9, $10, $10) ON CONFLICT DO NOTHING",
    )
    .bind(&d.id)
    .bind(&d.event_id)
    .bind(d.channel.name())
    .bind(d.template.name())
    .bind(&d.user_id)
    .bind(&d.about)
    .bind(d.data.to_string())
    .bind(d.next_attempt_at)
    .bind(d.resend_of.clone())
    .bind(d.created_at)
    .execute(conn)
    .await
    .db_err("recording a delivery")?;
    Ok(done.rows_affected() == 1)
}

pub async fn get(conn: &mut AnyConnection, id: &str) -> Result<Option<Delivery>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM deliveries WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
        .db_err("reading a delivery")?;
    row.as_ref()
        .map(from_row)
        .transpose()
        .db_err("decoding a delivery")
}

/// Pending deliveries due at `now`, oldest first.
pub async fn due(conn: &mut AnyConnection, now: i64, limit: i64) -> Result<Vec<Delivery>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM deliveries WHERE status = 'pending' AND next_attempt_at <= $1 \
         ORDER BY next_attempt_at, id LIMIT $2"
    ))
    .bind(now)
    .bind(limit)
    .fetch_all(conn)
    .await
    .db_err("reading the deliveries due")?;
    rows.iter()
        .map(from_row)
        .collect::<sqlx::Result<_>>()
        .db_err("decoding the deliveries due")
}

/// Takes `d` for sending as it was read (pending, with the attempts it had), storing the id it
/// will be known by first; the delivery as claimed, or `None` when another worker took or
/// tried it since.
pub async fn claim(
    conn: &mut AnyConnection,
    d: &Delivery,
    message_id: &str,
    recipient: &str,
    now: i64,
) -> Result<Option<Delivery>> {
    let done = sqlx::query(
        "UPDATE deliveries SET status = 'sending', attempts = attempts + 1, message_id = $1, \
         recipient = $2, updated_at = $3 WHERE id = $4 AND status = 'pending' AND attempts = $5",
    )
    .bind(message_id)
    .bind(recipient)
    .bind(now)
    .bind(&d.id)
    .bind(d.attempts)
    .execute(conn)
    .await
    .db_err("claiming a delivery")?;
    Ok((done.rows_affected() == 1).then(|| Delivery {
        status: Status::Sending,
        attempts: d.attempts + 1,
        message_id: Some(message_id.to_string()),
        recipient: Some(recipient.to_string()),
        updated_at: now,
        ..d.clone()
    }))
}

/// How a delivery ends, or waits for another attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// `provider_id` replaces the stored message id when the provider named its own.
    Sent {
        provider_id: Option<String>,
        data: Value,
    },
    Retry {
        at: i64,
        reason: String,
    },
    Failed {
        reason: String,
    },
    Skipped {
        reason: String,
    },
}

/// Records `outcome` for `d` as it was read (its state and attempts); `false` when it has moved
/// since. A try that ends without having been claimed (an in-app one, a lookup that failed)
/// counts as an attempt here; a claimed one was counted by [`claim`].
pub async fn finish(
    conn: &mut AnyConnection,
    d: &Delivery,
    outcome: &Outcome,
    now: i64,
) -> Result<bool> {
    let from = d.status;
    let (status, reason, next, sent_at, provider_id, data) = match outcome {
        Outcome::Sent { provider_id, data } => (
            Status::Sent,
            None,
            None,
            Some(now),
            provider_id.clone(),
            Some(data.to_string()),
        ),
        Outcome::Retry { at, reason } => (
            Status::Pending,
            Some(reason.clone()),
            Some(*at),
            None,
            None,
            None,
        ),
        Outcome::Failed { reason } => {
            (Status::Failed, Some(reason.clone()), None, None, None, None)
        }
        Outcome::Skipped { reason } => (
            Status::Skipped,
            Some(reason.clone()),
            None,
            None,
            None,
            None,
        ),
    };
    let done = sqlx::query(
        "UPDATE deliveries SET status = $1, reason = $2, next_attempt_at = COALESCE($3, next_attempt_at), \
         sent_at = $4, message_id = COALESCE($5, message_id), data = COALESCE($6, data), \
         updated_at = $7, attempts = attempts + $10 WHERE id = $8 AND status = $9 AND attempts = $11",
    )
    .bind(status.name())
    .bind(reason)
    .bind(next)
    .bind(sent_at)
    .bind(provider_id)
    .bind(data)
    .bind(now)
    .bind(&d.id)
    .bind(from.name())
    .bind(i64::from(
        from == Status::Pending && !matches!(outcome, Outcome::Skipped { .. }),
    ))
    .bind(d.attempts)
    .execute(conn)
    .await
    .db_err("recording how a delivery went")?;
    Ok(done.rows_affected() == 1)
}

/// Deliveries left `sending` since before `before` (their worker died mid-send): they may have
/// reached the recipient, so they are not sent again but failed for an admin to resend.
pub async fn interrupted(conn: &mut AnyConnection, before: i64) -> Result<Vec<Delivery>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM deliveries WHERE status = 'sending' AND updated_at < $1 LIMIT 100"
    ))
    .bind(before)
    .fetch_all(conn)
    .await
    .db_err("reading interrupted deliveries")?;
    rows.iter()
        .map(from_row)
        .collect::<sqlx::Result<_>>()
        .db_err("decoding interrupted deliveries")
}

pub const INTERRUPTED: &str = "interrupted while sending: it may have arrived, so it is not \
    sent again on its own; resend it if the recipient did not get it";

/// What the admin log is narrowed to.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub status: Option<Status>,
    pub channel: Option<Channel>,
    pub user_id: Option<String>,
}

/// One page of the log, newest first, and how many rows match in all.
pub async fn page(
    conn: &mut AnyConnection,
    filter: &Filter,
    page: Page,
) -> Result<(Vec<Delivery>, i64)> {
    let condition = "($1 IS NULL OR status = $1) AND ($2 IS NULL OR channel = $2) \
                     AND ($3 IS NULL OR user_id = $3)";
    let status = filter.status.map(Status::name);
    let channel = filter.channel.map(Channel::name);
    let total: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM deliveries WHERE {condition}"
    ))
    .bind(status)
    .bind(channel)
    .bind(filter.user_id.clone())
    .fetch_one(&mut *conn)
    .await
    .db_err("counting deliveries")?;
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM deliveries WHERE {condition} \
         ORDER BY created_at DESC, id DESC LIMIT $4 OFFSET $5"
    ))
    .bind(status)
    .bind(channel)
    .bind(filter.user_id.clone())
    .bind(i64::from(page.limit))
    .bind(page.offset())
    .fetch_all(conn)
    .await
    .db_err("reading a page of deliveries")?;
    let found = rows
        .iter()
        .map(from_row)
        .collect::<sqlx::Result<_>>()
        .db_err("decoding deliveries")?;
    Ok((found, total))
}

/// How many deliveries are pending, and when the one due earliest was due.
pub async fn backlog(conn: &mut AnyConnection) -> Result<(i64, Option<i64>)> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n, MIN(next_attempt_at) AS due FROM deliveries WHERE status = 'pending'",
    )
    .fetch_one(conn)
    .await
    .db_err("measuring the pending deliveries")?;
    let pending = row.try_get("n").db_err("decoding the backlog")?;
    let due = row.try_get("due").db_err("decoding the backlog")?;
    Ok((pending, due))
}
