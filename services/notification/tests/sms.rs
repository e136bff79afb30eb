//! Text messages go to the provider only for users who turned them on and have a number;
//! everyone else's is skipped with the reason.
use serde_json::json;

use crate::harness::{App, ended, one};
use crate::provider::{self, INVALID_NUMBER};

pub async fn a_shipped_order_texts_only_those_who_asked(app: App) {
    let texted = app.register("ada@example.com", "Ada").await;
    let declined = app.register("bob@example.com", "Bob").await;
    let no_phone = app.register("cy@example.com", "Cy").await;
    let invalid = app.register("di@example.com", "Di").await;
    app.set_sms(&texted, Some("+15555550100"), true).await;
    app.set_sms(&declined, Some("+15555550101"), false).await;
    app.set_sms(&no_phone, None, true).await;
    app.set_sms(&invalid, Some(INVALID_NUMBER), true).await;
    let shipped =
        json!({"carrier": "UPS", "trackingNumber": "1Z999AA1", "estimatedDelivery": null});
    for user in [&texted, &declined, &no_phone, &invalid] {
        app.order_event("order.shipped", user, shipped.clone())
            .await;
    }
    let mut reasons = Vec::new();
    for user in [&texted, &declined, &no_phone, &invalid] {
        let log = app
            .log_until(user, "the shipment's messages", ended(2 + 3))
            .await;
        let sms = one(&log, "order_shipped", "sms");
        reasons.push((sms.status.clone(), sms.reason.clone().unwrap_or_default()));
    }
    assert_eq!(reasons[0].0, "sent");
    assert_eq!(
        reasons[1],
        (
            "skipped".to_string(),
            "the user has not turned SMS notifications on".to_string()
        )
    );
    assert_eq!(
        reasons[2],
        (
            "skipped".to_string(),
            "the user has no phone number".to_string()
        )
    );
    assert_eq!(reasons[3].0, "failed", "a refused number fails at once");
    assert!(reasons[3].1.contains("400"), "{}", reasons[3].1);

    let sent = app.sms.sent();
    assert_eq!(
        sent.len(),
        1,
        "only the user who asked was texted: {sent:?}"
    );
    assert_eq!(sent[0].to, "+15555550100");
    assert_eq!(sent[0].from, provider::FROM);
    assert!(sent[0].body.contains("1Z999AA1"), "{}", sent[0].body);
    let log = app.log("sent", "sms", &texted).await;
    assert_eq!(
        log[0].message_id.as_deref(),
        Some("SM00000000000000000000000000000000"),
        "the provider's id is kept"
    );
    assert_eq!(sent[0].idempotency_key.as_deref(), Some(log[0].id.as_str()));
}

pub async fn a_provider_that_is_down_is_tried_again(app: App) {
    let user = app.register("ada@example.com", "Ada").await;
    app.set_sms(&user, Some("+15555550100"), true).await;
    app.sms.set_down(true);
    let shipped = json!({"carrier": "DHL", "trackingNumber": "JD0001"});
    app.order_event("order.shipped", &user, shipped).await;
    app.log_until(&user, "the text retried after a 503", |log| {
        log.iter().any(|d| {
            d.channel == "sms"
                && d.status == "pending"
                && d.attempts >= 2
                && d.reason.as_deref().unwrap_or_default().contains("503")
        })
    })
    .await;
    assert!(app.sms.sent().is_empty());
    app.sms.set_down(false);
    let log = app.log_until(&user, "the text sent", ended(2 + 3)).await;
    assert_eq!(one(&log, "order_shipped", "sms").status, "sent");
    assert_eq!(app.sms.sent().len(), 1, "sent once");
}
