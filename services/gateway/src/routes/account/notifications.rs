//! `/users/notifications*` (the caller's in-app notifications, listed or live as Server-Sent
//! Events) and `/admin/notifications*` (the delivery log and resend), served by the
//! notification service.
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse as _, Response};
use futures::StreamExt as _;
use vici_proto::notification::v1 as pb;
use vici_types::{DeliveryId, NotificationId};

use crate::AppState;
use crate::dto::notification::{DeliveryDto, NotificationDto, NotificationsEnvelope};
use crate::envelope::{self, Pagination};
use crate::error::ApiResult;
use crate::extract::{AdminUser, AuthUser, PathId, QueryPairs};
use crate::query;

#[tracing::instrument(skip_all, fields(rpc = "ListNotifications"))]
pub async fn list(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    QueryPairs(pairs): QueryPairs,
) -> ApiResult<Response> {
    let (page, unread_only) = query::account::notifications(&pairs)?;
    let found = state
        .notifications()
        .list_notifications(pb::ListNotificationsRequest {
            user_id: caller.user_id.to_string(),
            page: Some(page.into()),
            unread_only,
        })
        .await?
        .into_inner();
    let pagination = Pagination::from_info(found.page.as_ref(), page);
    let body = NotificationsEnvelope {
        success: true,
        data: found
            .notifications
            .into_iter()
            .map(NotificationDto::from)
            .collect(),
        pagination,
        unread_count: found.unread_count,
    };
    Ok(envelope::with_total(body, pagination.total))
}

/// The caller's new in-app notifications as they are stored: `event: notification`, `id` the
/// notification's, `data` the Notification. Comments keep the connection alive; the stream
/// ends when the notification service goes away (EventSource then reconnects by itself).
#[tracing::instrument(skip_all, fields(rpc = "WatchNotifications"))]
pub async fn stream(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
) -> ApiResult<Response> {
    let user = pb::UserRef {
        user_id: caller.user_id.to_string(),
    };
    let watched = state.notifications().watch_notifications(user).await?;
    let events = watched
        .into_inner()
        .take_while(|n| std::future::ready(n.is_ok()))
        .filter_map(|n| async move {
            let n = n.ok()?;
            let id = n.id.clone();
            let event = Event::default().event("notification").id(id);
            event
                .json_data(NotificationDto::from(n))
                .ok()
                .map(Ok::<_, std::convert::Infallible>)
        });
    Ok(Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response())
}

#[tracing::instrument(skip_all, fields(rpc = "MarkRead", id = %id))]
pub async fn read(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    PathId(id): PathId<NotificationId>,
) -> ApiResult<Response> {
    let notification = pb::NotificationRef {
        user_id: caller.user_id.to_string(),
        id: id.into(),
    };
    state.notifications().mark_read(notification).await?;
    Ok(envelope::done("Notification marked read"))
}

#[tracing::instrument(skip_all, fields(rpc = "MarkAllRead"))]
pub async fn read_all(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
) -> ApiResult<Response> {
    let user = pb::UserRef {
        user_id: caller.user_id.to_string(),
    };
    let marked = state
        .notifications()
        .mark_all_read(user)
        .await?
        .into_inner();
    let message = format!("{} notifications marked read", marked.count);
    Ok(envelope::done(&message))
}

#[tracing::instrument(skip_all, fields(rpc = "ListDeliveries"))]
pub async fn log(
    State(state): State<AppState>,
    _admin: AdminUser,
    QueryPairs(pairs): QueryPairs,
) -> ApiResult<Response> {
    let q = query::account::deliveries(&pairs)?;
    let found = state
        .notifications()
        .list_deliveries(pb::ListDeliveriesRequest {
            page: Some(q.page.into()),
            status: q.status,
            channel: q.channel,
            user_id: q.user_id,
        })
        .await?
        .into_inner();
    let pagination = Pagination::from_info(found.page.as_ref(), q.page);
    let rows: Vec<DeliveryDto> = found.deliveries.into_iter().map(Into::into).collect();
    Ok(envelope::list(rows, pagination))
}

#[tracing::instrument(skip_all, fields(rpc = "Resend", id = %id))]
pub async fn resend(
    State(state): State<AppState>,
    _admin: AdminUser,
    PathId(id): PathId<DeliveryId>,
) -> ApiResult<Response> {
    let delivery = pb::DeliveryRef { id: id.into() };
    let copy = state.notifications().resend(delivery).await?.into_inner();
    Ok((StatusCode::ACCEPTED, envelope::ok(DeliveryDto::from(copy))).into_response())
}
