//! The `account-events` this service announces (events.md), keyed by user id. Each is written
//! to the outbox in the transaction of the change it reports.
use serde_json::json;
use vici_bus::CloudEvent;
use vici_store::AnyConnection;

const SOURCE: &str = "auth";

fn event(kind: &str, user_id: &str, data: serde_json::Value) -> CloudEvent {
    CloudEvent::new(SOURCE, kind, user_id, data)
}

pub fn registered(user_id: &str, email: &str, name: &str) -> CloudEvent {
    event(
        "user.registered",
        user_id,
        json!({"userId": user_id, "email": email, "name": name}),
    )
}

/// A mailed link: `kind` is `user.email_verification_requested` or
/// `user.password_reset_requested`; `token` is the clear token (the database keeps a hash).
pub fn link_requested(
    kind: &str,
    user_id: &str,
    email: &str,
    token: &str,
    expires_at_ms: i64,
) -> CloudEvent {
    event(
        kind,
        user_id,
        json!({"userId": user_id, "email": email, "token": token, "expiresAt": vici_store::rfc3339(expires_at_ms)}),
    )
}

pub const VERIFICATION_REQUESTED: &str = "user.email_verification_requested";
pub const RESET_REQUESTED: &str = "user.password_reset_requested";

pub fn password_changed(user_id: &str) -> CloudEvent {
    event("user.password_changed", user_id, json!({"userId": user_id}))
}

/// `fields` are the contract's names of what changed (`name`, `role`, `isActive`,
/// `emailVerified`).
pub fn updated(user_id: &str, fields: &[&str]) -> CloudEvent {
    event(
        "user.updated",
        user_id,
        json!({"userId": user_id, "fields": fields}),
    )
}

/// Writes `event` to the outbox of the transaction behind `conn`.
pub async fn enqueue(conn: &mut AnyConnection, event: &CloudEvent) -> vici_kit::Result<()> {
    enqueue_keeping(conn, event, &[]).await
}

/// Writes a [`link_requested`] event: its token is published, then redacted in the outbox.
pub async fn enqueue_link(conn: &mut AnyConnection, event: &CloudEvent) -> vici_kit::Result<()> {
    enqueue_keeping(conn, event, &["token"]).await
}

async fn enqueue_keeping(
    conn: &mut AnyConnection,
    event: &CloudEvent,
    secrets: &[&str],
) -> vici_kit::Result<()> {
    use vici_store::error::SqlxResultExt as _;
    let topic = vici_bus::topics::ACCOUNT_EVENTS;
    vici_store::outbox::enqueue_with_secrets(conn, topic, &event.subject, event, secrets)
        .await
        .db_err("queueing an account event")
}
