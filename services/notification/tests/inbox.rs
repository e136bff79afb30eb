//! The in-app inbox: newest first with the unread count, read one by one or all at once,
//! and nobody else's.
use serde_json::json;
use tonic::Code;
use vici_proto::notification::v1 as pb;

use crate::harness::{App, ended};

pub async fn notifications_are_listed_newest_first_and_marked_read(app: App) {
    let ada = app.register("ada@example.com", "Ada").await;
    let bob = app.register("bob@example.com", "Bob").await;
    let confirmed = app.order_event("order.confirmed", &ada, json!({})).await;
    let cancelled = json!({"reason": "you cancelled it"});
    let cancel = app.order_event("order.cancelled", &ada, cancelled).await;
    app.order_event("order.refunded", &ada, json!({"amountCents": 3398}))
        .await;
    app.log_until(&ada, "Ada's messages", ended(2 + 3 * 2))
        .await;

    let page = app.inbox(&ada, false).await;
    assert_eq!(page.unread_count, 3);
    let kinds: Vec<_> = page
        .notifications
        .iter()
        .map(|n| n.r#type.as_str())
        .collect();
    assert_eq!(
        kinds,
        ["order_refunded", "order_cancelled", "order_confirmation"]
    );
    let first = &page.notifications[2];
    let number = confirmed.data["orderNumber"].as_str().unwrap();
    assert_eq!(first.title, format!("Order {number} confirmed"));
    assert_eq!(first.channel, "in_app");
    assert!(!first.read);
    let cancel_number = cancel.data["orderNumber"].as_str().unwrap();
    assert!(page.notifications[1].message.contains(cancel_number));

    let mut api = app.notifications();
    let mine = pb::NotificationRef {
        user_id: ada.clone(),
        id: first.id.clone(),
    };
    // Bob cannot mark Ada's notification; an id that is none is not found either.
    for (user, id) in [(&bob, first.id.as_str()), (&ada, "not-an-id")] {
        let theirs = pb::NotificationRef {
            user_id: user.clone(),
            id: id.into(),
        };
        let refused = api.mark_read(theirs).await.unwrap_err();
        assert_eq!(refused.code(), Code::NotFound, "{refused:?}");
    }
    assert_eq!(app.inbox(&ada, false).await.unread_count, 3);
    api.mark_read(mine).await.expect("marking read");
    let unread = app.inbox(&ada, true).await;
    assert_eq!(unread.unread_count, 2);
    assert_eq!(unread.notifications.len(), 2);
    assert!(unread.notifications.iter().all(|n| !n.read));

    let all = pb::UserRef {
        user_id: ada.clone(),
    };
    let marked = api.mark_all_read(all).await.expect("marking all read");
    assert_eq!(marked.into_inner().count, 2);
    let page = app.inbox(&ada, false).await;
    assert_eq!((page.unread_count, page.notifications.len()), (0, 3));
    assert_eq!(app.inbox(&bob, false).await.notifications.len(), 0);
}

/// The next notification on a watch stream, waiting generously.
async fn next_on(stream: &mut tonic::Streaming<pb::Notification>) -> pb::Notification {
    let next = tokio::time::timeout(vici_testkit::EVENT_WAIT, stream.message()).await;
    next.expect("a notification in time")
        .expect("the stream is healthy")
        .expect("the stream is open")
}

pub async fn a_watcher_hears_its_own_notifications_as_they_are_stored(app: App) {
    let ada = app.register("ada@example.com", "Ada").await;
    let bob = app.register("bob@example.com", "Bob").await;
    let watch = |user: &String| {
        let mut api = app.notifications();
        let user = pb::UserRef {
            user_id: user.clone(),
        };
        async move {
            api.watch_notifications(user)
                .await
                .expect("watching")
                .into_inner()
        }
    };
    let (mut adas, mut bobs) = (watch(&ada).await, watch(&bob).await);
    let confirmed = app.order_event("order.confirmed", &ada, json!({})).await;
    let heard = next_on(&mut adas).await;
    assert_eq!(heard.r#type, "order_confirmation");
    let number = confirmed.data["orderNumber"].as_str().unwrap();
    assert!(heard.title.contains(number), "{heard:?}");
    assert_eq!(app.inbox(&ada, false).await.notifications[0].id, heard.id);
    // Bob's stream was open all along: the first thing it hears is his own.
    let shipped = json!({"carrier": "UPS", "trackingNumber": "1Z9"});
    app.order_event("order.shipped", &bob, shipped).await;
    let bobs_first = next_on(&mut bobs).await;
    assert_eq!(bobs_first.r#type, "order_shipped", "{bobs_first:?}");
    let nobody = pb::UserRef {
        user_id: "nobody".into(),
    };
    let refused = app.notifications().watch_notifications(nobody).await;
    assert_eq!(refused.unwrap_err().code(), Code::InvalidArgument);
}
