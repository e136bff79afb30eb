//! The contract's Notification (an in-app message) and the admin's view of the delivery log.
use serde::Serialize;
use utoipa::ToSchema;
use vici_proto::notification::v1 as pb;

use crate::envelope::Pagination;

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NotificationDto {
    id: String,
    /// The message: `order_confirmation`, `order_shipped`, …
    #[serde(rename = "type")]
    kind: String,
    /// Always `in_app` here.
    channel: String,
    title: String,
    message: String,
    read: bool,
    created_at: String,
}

impl From<pb::Notification> for NotificationDto {
    fn from(n: pb::Notification) -> Self {
        Self {
            id: n.id,
            kind: n.r#type,
            channel: n.channel,
            title: n.title,
            message: n.message,
            read: n.read,
            created_at: n.created_at,
        }
    }
}

/// A page of the caller's notifications plus a sibling `unreadCount` (of all of them).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NotificationsEnvelope {
    pub success: bool,
    pub data: Vec<NotificationDto>,
    pub pagination: Pagination,
    pub unread_count: u64,
}

/// One message on one channel, as the delivery log keeps it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryDto {
    id: String,
    event_id: String,
    user_id: String,
    /// `email`, `sms` or `in_app`.
    channel: String,
    template: String,
    /// `pending`, `sending`, `sent`, `failed` or `skipped`.
    status: String,
    attempts: u32,
    /// Why it failed or was skipped; the last transient error while pending.
    reason: Option<String>,
    /// The mail's Message-ID, or the SMS provider's id.
    message_id: Option<String>,
    recipient: Option<String>,
    created_at: String,
    updated_at: String,
    sent_at: Option<String>,
    next_attempt_at: Option<String>,
    /// The delivery this one is a resend of.
    resend_of: Option<String>,
}

impl From<pb::Delivery> for DeliveryDto {
    fn from(d: pb::Delivery) -> Self {
        Self {
            id: d.id,
            event_id: d.event_id,
            user_id: d.user_id,
            channel: d.channel,
            template: d.template,
            status: d.status,
            attempts: d.attempts,
            reason: d.reason,
            message_id: d.message_id,
            recipient: d.recipient,
            created_at: d.created_at,
            updated_at: d.updated_at,
            sent_at: d.sent_at,
            next_attempt_at: d.next_attempt_at,
            resend_of: d.resend_of,
        }
    }
}
