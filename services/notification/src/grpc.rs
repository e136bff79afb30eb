//! The gRPC handlers of `vici.notification.v1.NotificationService`: a user's in-app
//! notifications, and the admin's delivery log with resend.
use tonic::{Request, Response, Status};
use vici_kit::Error;
use vici_proto::common::v1::Empty;
use vici_proto::notification::v1 as pb;
use vici_proto::notification::v1::notification_service_server::NotificationService;
use vici_proto::paging::Page;
use vici_store::{Db, now_ms, rfc3339};
use vici_types::{DeliveryId, NotificationId, TypedId as _, UserId};

use crate::live::Live;
use crate::message::Template;
use crate::plan::Channel;
use crate::store::deliveries::{self, Delivery, Filter, Status as DeliveryStatus};
use crate::store::inbox::{self, Entry};

pub struct Api {
    pub db: Db,
    /// Wakes the worker when a resend is recorded.
    pub wake: std::sync::Arc<tokio::sync::Notify>,
    pub live: std::sync::Arc<Live>,
}

type Reply<T> = Result<Response<T>, Status>;

type Watched =
    std::pin::Pin<Box<dyn futures::Stream<Item = Result<pb::Notification, Status>> + Send>>;

fn notification(e: Entry) -> pb::Notification {
    pb::Notification {
        id: e.id,
        r#type: e.template,
        channel: Channel::InApp.name().into(),
        title: e.title,
        message: e.message,
        read: e.read,
        created_at: rfc3339(e.created_at),
    }
}

fn delivery(d: Delivery) -> pb::Delivery {
    let pending = d.status == DeliveryStatus::Pending;
    pb::Delivery {
        id: d.id,
        event_id: d.event_id,
        user_id: d.user_id,
        channel: d.channel.name().into(),
        template: d.template.name().into(),
        status: d.status.name().into(),
        attempts: d.attempts.try_into().unwrap_or_default(),
        reason: d.reason,
        message_id: d.message_id,
        recipient: d.recipient.filter(|r| !r.is_empty()),
        created_at: rfc3339(d.created_at),
        updated_at: rfc3339(d.updated_at),
        sent_at: d.sent_at.map(rfc3339),
        next_attempt_at: pending.then(|| rfc3339(d.next_attempt_at)),
        resend_of: d.resend_of,
    }
}

/// The log's filter from the admin's words; an unknown word is a 400 naming its field.
fn filter(r: &pb::ListDeliveriesRequest) -> Result<Filter, Error> {
    let status = match r.status.trim() {
        "" => None,
        s => Some(DeliveryStatus::parse(s).ok_or_else(|| {
            Error::validation(
                "status",
                "must be one of pending, sending, sent, failed, skipped",
            )
        })?),
    };
    let channel = match r.channel.trim() {
        "" => None,
        c => Some(
            Channel::parse(c)
                .ok_or_else(|| Error::validation("channel", "must be one of email, sms, in_app"))?,
        ),
    };
    let user_id = match r.user_id.trim() {
        "" => None,
        u => Some(UserId::parse(u)?.to_string()),
    };
    Ok(Filter {
        status,
        channel,
        user_id,
    })
}

async fn conn(db: &Db) -> Result<sqlx::pool::PoolConnection<sqlx::Any>, Error> {
    db.writer()
        .acquire()
        .await
        .map_err(|e| vici_store::error::map_sqlx(e, &[], "reaching the notification database"))
}

#[tonic::async_trait]
impl NotificationService for Api {
    async fn list_notifications(
        &self,
        req: Request<pb::ListNotificationsRequest>,
    ) -> Reply<pb::NotificationPage> {
        let r = req.into_inner();
        let user = UserId::parse(&r.user_id)?;
        let page = Page::asked(r.page);
        let mut c = conn(&self.db).await?;
        let (entries, total, unread) =
            inbox::page(&mut c, user.as_str(), r.unread_only, page).await?;
        Ok(Response::new(pb::NotificationPage {
            notifications: entries.into_iter().map(notification).collect(),
            page: page.info(total),
            unread_count: unread.try_into().unwrap_or_default(),
        }))
    }

    async fn mark_read(&self, req: Request<pb::NotificationRef>) -> Reply<Empty> {
        let r = req.into_inner();
        let user = UserId::parse(&r.user_id)?;
        let id = NotificationId::from_path(&r.id)?;
        let mut c = conn(&self.db).await?;
        if !inbox::mark_read(&mut c, user.as_str(), id.as_str()).await? {
            return Err(Error::not_found(NotificationId::NOT_FOUND).into());
        }
        Ok(Response::new(Empty {}))
    }

    async fn mark_all_read(&self, req: Request<pb::UserRef>) -> Reply<pb::MarkedRead> {
        let user = UserId::parse(&req.into_inner().user_id)?;
        let mut c = conn(&self.db).await?;
        let count = inbox::mark_all_read(&mut c, user.as_str()).await?;
        Ok(Response::new(pb::MarkedRead { count }))
    }

    async fn watch_notifications(&self, req: Request<pb::UserRef>) -> Reply<Watched> {
        use futures::StreamExt as _;
        let user = UserId::parse(&req.into_inner().user_id)?;
        let stream = self.live.watch(user.to_string());
        Ok(Response::new(Box::pin(stream.map(|e| Ok(notification(e))))))
    }

    async fn list_deliveries(
        &self,
        req: Request<pb::ListDeliveriesRequest>,
    ) -> Reply<pb::DeliveryPage> {
        let r = req.into_inner();
        let filter = filter(&r)?;
        let page = Page::asked(r.page);
        let mut c = conn(&self.db).await?;
        let (found, total) = deliveries::page(&mut c, &filter, page).await?;
        Ok(Response::new(pb::DeliveryPage {
            deliveries: found.into_iter().map(delivery).collect(),
            page: page.info(total),
        }))
    }

    async fn resend(&self, req: Request<pb::DeliveryRef>) -> Reply<pb::Delivery> {
        let id = DeliveryId::from_path(&req.into_inner().id)?;
        let mut c = conn(&self.db).await?;
        let Some(original) = deliveries::get(&mut c, id.as_str()).await? else {
            return Err(Error::not_found(DeliveryId::NOT_FOUND).into());
        };
        if matches!(
            original.template,
            Template::VerifyEmail | Template::PasswordReset
        ) && original.data.get("token").and_then(|t| t.as_str())
            == Some(vici_store::outbox::REDACTED)
        {
            let message = "A mailed link is not sent twice: the user can ask for a new one";
            return Err(Error::conflict(message).into());
        }
        let now = now_ms();
        let copy = Delivery {
            id: uuid::Uuid::now_v7().to_string(),
            // A new key: the admin asked for a second copy of the same message.
            event_id: uuid::Uuid::now_v7().to_string(),
            resend_of: Some(original.id.clone()),
            status: DeliveryStatus::Pending,
            attempts: 0,
            next_attempt_at: now,
            message_id: None,
            recipient: None,
            reason: None,
            created_at: now,
            updated_at: now,
            sent_at: None,
            ..original
        };
        deliveries::insert(&mut c, &copy).await?;
        self.wake.notify_one();
        Ok(Response::new(delivery(copy)))
    }
}
