//! A mail server that is down (421) delays mail without losing any; a recipient it refuses
//! (550) fails at once with the reason; a delivery interrupted mid-send is not sent again.
use serde_json::json;
use vici_bus::topics::NOTIFICATION_EVENTS;
use vici_testkit::eventually;

use crate::harness::{App, ended, one};

pub async fn a_server_answering_421_delays_mail_and_loses_none(app: App) {
    let user = app.register("ada@example.com", "Ada").await;
    app.log_until(&user, "the account's mails", ended(2)).await;
    app.smtp.set_down(true);
    let mut numbers = Vec::new();
    for _ in 0..5 {
        let e = app.order_event("order.confirmed", &user, json!({})).await;
        numbers.push(e.data["orderNumber"].as_str().unwrap().to_string());
    }
    // Each receipt is tried, refused with 421, and waits for another attempt.
    app.log_until(&user, "every receipt retried after a 421", |log| {
        let receipts: Vec<_> = log
            .iter()
            .filter(|d| d.template == "order_confirmation" && d.channel == "email")
            .collect();
        receipts.len() == 5
            && receipts.iter().all(|d| {
                d.status == "pending"
                    && d.attempts >= 2
                    && d.reason.as_deref().unwrap_or_default().contains("421")
            })
    })
    .await;
    app.smtp.set_down(false);
    let mails = app.smtp.wait_for(2 + 5).await;
    for number in &numbers {
        let subject = format!("Order {number} confirmed");
        let copies = mails.iter().filter(|m| m.subject == subject).count();
        assert_eq!(copies, 1, "{subject}");
    }
    let log = app
        .log_until(&user, "every message sent", ended(2 + 5 * 2))
        .await;
    assert!(log.iter().all(|d| d.status == "sent"), "{log:#?}");
    let dead = vici_testkit::outbox(&app.db, "notifications.dlq").await;
    assert!(dead.is_empty(), "nothing was dead-lettered: {dead:?}");
}

pub async fn a_refused_recipient_fails_once_with_the_reason(app: App) {
    let user = app.register("reject-me@example.com", "Rex").await;
    let log = app.log_until(&user, "the account's mails", ended(2)).await;
    for d in &log {
        assert_eq!(d.status, "failed", "{d:?}");
        assert_eq!(d.attempts, 1, "a permanent refusal is not retried: {d:?}");
        let reason = d.reason.clone().unwrap_or_default();
        assert!(reason.contains("550"), "{reason}");
    }
    assert!(app.smtp.received().is_empty());
    let announced = vici_testkit::outbox(&app.db, NOTIFICATION_EVENTS).await;
    let failed: Vec<_> = announced
        .iter()
        .filter(|(_, e)| e.event_type == "notification.failed")
        .collect();
    assert_eq!(failed.len(), 2, "{announced:?}");
    assert_eq!(failed[0].0, user, "keyed by the user");
}

pub async fn a_delivery_interrupted_mid_send_is_not_sent_again(app: App) {
    let user = app.register("ada@example.com", "Ada").await;
    let log = app.log_until(&user, "the account's mails", ended(2)).await;
    let welcome = one(&log, "welcome", "email").id.clone();
    app.smtp.wait_for(2).await;
    // As a worker that died between claiming and recording would leave it: `sending`, its
    // Message-ID stored, long ago; and handed back to pending by nobody.
    sqlx::query(
        "UPDATE deliveries SET status = 'sending', sent_at = NULL, updated_at = 0 WHERE id = $1",
    )
    .bind(&welcome)
    .execute(app.db.writer())
    .await
    .unwrap();
    eventually("the interrupted delivery marked failed", || async {
        let log = app.log("failed", "email", &user).await;
        log.iter().any(|d| d.id == welcome)
    })
    .await;
    let failed = app.log("failed", "email", &user).await;
    let reason = failed[0].reason.clone().unwrap_or_default();
    assert!(reason.contains("interrupted while sending"), "{reason}");
    // A later mail goes out; the interrupted one never again.
    app.order_event("order.confirmed", &user, json!({})).await;
    let mails = app.smtp.wait_for(3).await;
    let welcomes = mails
        .iter()
        .filter(|m| m.subject.starts_with("Welcome"))
        .count();
    assert_eq!(welcomes, 1);
}

pub async fn a_mail_whose_answer_never_comes_is_not_sent_again(app: App) {
    // The server keeps each mail, then answers after the sender's deadline (2 s here).
    app.smtp.set_delay(4_000);
    let user = app.register("ada@example.com", "Ada").await;
    let log = app.log_until(&user, "both mails ended", ended(2)).await;
    for d in &log {
        assert_eq!(d.status, "failed", "{d:?}");
        assert_eq!(d.attempts, 1, "not retried: {d:?}");
        let reason = d.reason.clone().unwrap_or_default();
        assert!(reason.contains("no answer within"), "{reason}");
        assert!(reason.contains("may have arrived"), "{reason}");
    }
    app.smtp.set_delay(0);
    // A later mail goes through; the two that may have arrived did, once each, and no more.
    app.order_event("order.confirmed", &user, json!({})).await;
    let mails = app.smtp.wait_for(3).await;
    assert_eq!(mails.len(), 3, "{mails:?}");
    let welcomes = mails
        .iter()
        .filter(|m| m.subject.starts_with("Welcome"))
        .count();
    assert_eq!(welcomes, 1);
}
