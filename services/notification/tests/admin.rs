//! The admin's delivery log: filtered by status, channel and user, bad filters refused with
//! the field named; a resend is a second copy under a new key; a spent link is not resent.
use serde_json::json;
use tonic::Code;
use vici_proto::notification::v1 as pb;

use crate::harness::{App, ended, one};

pub async fn the_log_filters_and_resends(app: App) {
    let ada = app.register("ada@example.com", "Ada").await;
    let bob = app.register("bob@example.com", "Bob").await;
    let shipped = json!({"carrier": "UPS", "trackingNumber": "1Z1"});
    app.order_event("order.shipped", &ada, shipped).await;
    let log = app.log_until(&ada, "Ada's messages", ended(2 + 3)).await;
    app.log_until(&bob, "Bob's mails", ended(2)).await;

    let skipped = app.log("skipped", "sms", "").await;
    assert_eq!(skipped.len(), 1, "{skipped:#?}");
    assert_eq!(skipped[0].user_id, ada);
    assert_eq!(app.log("sent", "email", &bob).await.len(), 2);
    assert_eq!(app.log("", "", "").await.len(), 2 + 2 + 3);

    let mut api = app.notifications();
    for (status, channel, user, field) in [
        ("lost", "", "", "status"),
        ("", "pigeon", "", "channel"),
        ("", "", "someone", "userId"),
    ] {
        let req = pb::ListDeliveriesRequest {
            page: None,
            status: status.into(),
            channel: channel.into(),
            user_id: user.into(),
        };
        let refused = api.list_deliveries(req).await.unwrap_err();
        assert_eq!(refused.code(), Code::InvalidArgument, "{refused:?}");
        let details = vici_testkit::details(&refused);
        assert!(details.contains_key(field), "{field}: {details:?}");
    }

    let mail = one(&log, "order_shipped", "email");
    let copy = api
        .resend(pb::DeliveryRef {
            id: mail.id.clone(),
        })
        .await
        .expect("resend")
        .into_inner();
    assert_eq!(copy.resend_of.as_deref(), Some(mail.id.as_str()));
    assert_ne!(copy.id, mail.id);
    let mails = app.smtp.wait_for(4 + 2).await;
    let copies: Vec<_> = mails
        .iter()
        .filter(|m| m.subject.contains("on its way"))
        .collect();
    assert_eq!(copies.len(), 2, "the original and the copy");
    assert_ne!(copies[0].message_id, copies[1].message_id);

    let link = one(&log, "verify_email", "email");
    let spent = api
        .resend(pb::DeliveryRef {
            id: link.id.clone(),
        })
        .await;
    assert_eq!(spent.unwrap_err().code(), Code::AlreadyExists);
    let unknown = pb::DeliveryRef {
        id: uuid::Uuid::now_v7().to_string(),
    };
    assert_eq!(
        api.resend(unknown).await.unwrap_err().code(),
        Code::NotFound
    );
}
