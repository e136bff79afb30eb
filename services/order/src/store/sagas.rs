//! The `sagas` records (one per checkout, payment or cancellation, with the step it completed)
//! and the per-user `checkout_locks`.
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row as _};
use vici_kit::Result;
use vici_store::error::SqlxResultExt as _;

use vici_types::idempotency::{Key, Scope};
use vici_types::{IdempotencyKey, OrderId, TypedId as _, UserId};

use crate::domain::saga::{Kind, Record, State, Step};

fn bad(what: &str, v: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("stored saga {what} `{v}` is not valid").into())
}

fn from_row(r: &AnyRow) -> sqlx::Result<Record> {
    let kind: String = r.try_get("kind")?;
    let step: String = r.try_get("step")?;
    let state: String = r.try_get("state")?;
    let draft: Option<String> = r.try_get("draft")?;
    let scope: Option<String> = r.try_get("idem_scope")?;
    let key: Option<String> = r.try_get("idem_key")?;
    let idempotency = match scope.zip(key) {
        Some((scope, key)) => Some(IdempotencyKey {
            scope: Scope::parse(&scope).ok_or_else(|| bad("scope", &scope))?,
            key: Key::trusted(key),
        }),
        None => None,
    };
    Ok(Record {
        id: r.try_get("id")?,
        kind: Kind::parse(&kind).ok_or_else(|| bad("kind", &kind))?,
        order_id: OrderId::trusted(r.try_get("order_id")?),
        user_id: UserId::trusted(r.try_get("user_id")?),
        attempt_id: r.try_get("attempt_id")?,
        payment_method: r.try_get("payment_method")?,
        step: Step::parse(&step).ok_or_else(|| bad("step", &step))?,
        state: State::parse(&state).ok_or_else(|| bad("state", &state))?,
        draft: draft
            .map(|d| serde_json::from_str(&d).map_err(|_| bad("draft", &d)))
            .transpose()?,
        idempotency,
        actor: r.try_get("actor")?,
        reason: r.try_get("reason")?,
        due_at: r.try_get("due_at")?,
        created_at: r.try_get("created_at")?,
    })
}

const COLUMNS: &str = "id, kind, order_id, user_id, attempt_id, payment_method, step, state, \
                       draft, idem_scope, idem_key, actor, reason, due_at, created_at";

pub async fn insert(conn: &mut AnyConnection, r: &Record) -> Result<()> {
    let (scope, key) = r
        .idempotency
        .as_ref()
        .map(|i| (i.scope.as_str(), i.key.as_str()))
        .unzip();
    sqlx::query(
        "INSERT INTO sagas (id, kind, order_id, user_id, attempt_id, payment_method, step, state, \
         draft, idem_scope, idem_key, actor, reason, due_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15)",
    )
    .bind(&r.id)
    .bind(r.kind.as_str())
    .bind(r.order_id.as_str())
    .bind(r.user_id.as_str())
    .bind(&r.attempt_id)
    .bind(&r.payment_method)
    .bind(r.step.as_str())
    .bind(r.state.as_str())
    .bind(
        r.draft
            .as_ref()
            .map(|d| serde_json::to_string(d).expect("drafts serialise")),
    )
    .bind(scope)
    .bind(key)
    .bind(&r.actor)
    .bind(&r.reason)
    .bind(r.due_at)
    .bind(r.created_at)
    .execute(conn)
    .await
    .db_err("inserting a saga record")?;
    Ok(())
}

pub async fn get(conn: &mut AnyConnection, id: &str) -> Result<Option<Record>> {
    const READING: &str = "reading a saga record";
    let sql = format!("SELECT {COLUMNS} FROM sagas WHERE id = $1");
    let row = sqlx::query(&sql)
        .bind(id)
        .fetch_optional(conn)
        .await
        .db_err(READING)?;
    row.as_ref().map(from_row).transpose().db_err(READING)
}

/// Records a completed step of a running saga and pushes back when recovery may take it.
pub async fn advance(
    conn: &mut AnyConnection,
    id: &str,
    step: Step,
    due_at: i64,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE sagas SET step = $1, due_at = $2, updated_at = $3 WHERE id = $4 AND state = 'running'",
    )
    .bind(step.as_str())
    .bind(due_at)
    .bind(now)
    .bind(id)
    .execute(conn)
    .await
    .db_err("recording a saga's step")?;
    Ok(())
}

/// Whether a checkout or payment saga has claimed the capture of `order_id` and is still
/// running: its record stays at `committed` from the claim until the order is finalised.
pub async fn taking_payment(conn: &mut AnyConnection, order_id: &OrderId) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sagas WHERE order_id = $1 AND state = 'running' \
         AND kind <> 'cancel' AND step = $2",
    )
    .bind(order_id.as_str())
    .bind(Step::Committed.as_str())
    .fetch_one(conn)
    .await
    .db_err("checking whether an order's payment is being taken")?;
    Ok(n > 0)
}

/// Ends a running saga as `state`.
pub async fn end(conn: &mut AnyConnection, id: &str, state: State, now: i64) -> Result<()> {
    sqlx::query("UPDATE sagas SET state = $1, updated_at = $2 WHERE id = $3 AND state = 'running'")
        .bind(state.as_str())
        .bind(now)
        .bind(id)
        .execute(conn)
        .await
        .db_err("ending a saga")?;
    Ok(())
}

/// Running sagas recovery may take now, oldest due first.
pub async fn due(conn: &mut AnyConnection, now: i64, limit: i64) -> Result<Vec<Record>> {
    const READING: &str = "reading the sagas due for recovery";
    let sql = format!(
        "SELECT {COLUMNS} FROM sagas WHERE state = 'running' AND due_at <= $1 \
         ORDER BY due_at, id LIMIT $2"
    );
    let rows = sqlx::query(&sql)
        .bind(now)
        .bind(limit)
        .fetch_all(conn)
        .await
        .db_err(READING)?;
    rows.iter()
        .map(from_row)
        .collect::<sqlx::Result<_>>()
        .db_err(READING)
}

/// Takes a due saga for this recovery pass: only one caller moves `due_at` from what it saw,
/// so two replicas never work on the same saga at once.
pub async fn claim(
    conn: &mut AnyConnection,
    id: &str,
    seen_due_at: i64,
    new_due_at: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE sagas SET due_at = $1 WHERE id = $2 AND state = 'running' AND due_at = $3",
    )
    .bind(new_due_at)
    .bind(id)
    .bind(seen_due_at)
    .execute(conn)
    .await
    .db_err("claiming a saga for recovery")?;
    Ok(done.rows_affected() == 1)
}

/// Takes the user's checkout lock for `holder`, or takes over one acquired before
/// `stale_before` (its holder died); whether the lock is now `holder`'s.
pub async fn lock(
    conn: &mut AnyConnection,
    user_id: &UserId,
    holder: &str,
    now: i64,
    stale_before: i64,
) -> Result<bool> {
    let row = sqlx::query(
        "INSERT INTO checkout_locks (user_id, holder, acquired_at) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id) DO UPDATE SET holder = excluded.holder, \
         acquired_at = excluded.acquired_at WHERE checkout_locks.acquired_at < $4 \
         RETURNING holder",
    )
    .bind(user_id.as_str())
    .bind(holder)
    .bind(now)
    .bind(stale_before)
    .fetch_optional(conn)
    .await
    .db_err("taking a user's checkout lock")?;
    Ok(row.is_some())
}

/// Gives the lock back if `holder` still has it.
pub async fn unlock(conn: &mut AnyConnection, user_id: &UserId, holder: &str) -> Result<()> {
    sqlx::query("DELETE FROM checkout_locks WHERE user_id = $1 AND holder = $2")
        .bind(user_id.as_str())
        .bind(holder)
        .execute(conn)
        .await
        .db_err("releasing a user's checkout lock")?;
    Ok(())
}

/// Who holds the user's lock, if anyone (tests and diagnostics).
pub async fn lock_holder(conn: &mut AnyConnection, user_id: &UserId) -> Result<Option<String>> {
    sqlx::query_scalar("SELECT holder FROM checkout_locks WHERE user_id = $1")
        .bind(user_id.as_str())
        .fetch_optional(conn)
        .await
        .db_err("reading who holds a user's checkout lock")
}
