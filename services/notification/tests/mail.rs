//! Mail through a real SMTP server: the account's links work when followed, a receipt lists
//! the order, and each message is received once.
use serde_json::json;
use vici_testkit::eventually;

use crate::harness::{App, PASSWORD, ended, one, token_of};

const LINKS: &str = "http://shop.test";

pub async fn registering_mails_a_welcome_and_a_link_that_verifies(app: App) {
    let user = app.register("ada@example.com", "Ada Lovelace").await;
    let mails = app.smtp.wait_for(2).await;
    let welcome = mails.iter().find(|m| m.subject.starts_with("Welcome"));
    let welcome = welcome.expect("a welcome mail");
    assert_eq!(welcome.rcpt_to, ["ada@example.com"]);
    assert_eq!(welcome.to, "Ada Lovelace <ada@example.com>");
    assert_eq!(welcome.from, "vici <shop@shop.test>");
    let verify = mails
        .iter()
        .find(|m| m.subject == "Confirm your email address");
    let verify = verify.expect("a verification mail");
    let link = verify
        .link(&format!("{LINKS}/verify-email?token="))
        .expect("a verification link under the public URL");
    assert!(
        verify
            .html
            .as_deref()
            .unwrap_or_default()
            .contains("verify-email?token="),
        "the HTML part links too"
    );
    assert!(!app.account(&user).await.email_verified);
    app.verify_email(&token_of(&link))
        .await
        .expect("the mailed link verifies");
    assert!(app.account(&user).await.email_verified);

    // The log names each mail by the Message-ID the server received, and keeps no live token.
    let log = app
        .log_until(&user, "both mails recorded sent", ended(2))
        .await;
    let recorded = one(&log, "verify_email", "email");
    assert_eq!(recorded.status, "sent");
    assert_eq!(
        recorded.message_id.as_deref(),
        Some(verify.message_id.as_str())
    );
    assert_eq!(recorded.recipient.as_deref(), Some("ada@example.com"));
    let data: String = vici_testkit::scalar(
        &app.db,
        "SELECT data FROM deliveries WHERE id = $1",
        &[recorded.id.as_str()],
    )
    .await;
    assert!(
        !data.contains(&token_of(&link)),
        "the token outlived the mail: {data}"
    );
}

pub async fn a_reset_mail_resets_the_password(app: App) {
    app.register("grace@example.com", "Grace Hopper").await;
    app.smtp.wait_for(2).await;
    app.forgot_password("grace@example.com").await;
    let mails = app.smtp.wait_for(3).await;
    let reset = mails.iter().find(|m| m.subject.contains("password"));
    let link = reset
        .expect("a reset mail")
        .link(&format!("{LINKS}/reset-password?token="))
        .expect("a reset link");
    let new_password = "Another2Horse";
    app.reset_password(&token_of(&link), new_password)
        .await
        .expect("the mailed link resets the password");
    app.login("grace@example.com", new_password)
        .await
        .expect("the new password works");
    assert!(app.login("grace@example.com", PASSWORD).await.is_err());
}

pub async fn a_confirmation_lists_the_lines_and_totals_once(app: App) {
    let user = app.register("alan@example.com", "Alan Turing").await;
    app.log_until(&user, "the account's mails", ended(2)).await;
    let event = app.order_event("order.confirmed", &user, json!({})).await;
    // Redelivered, as Kafka may: the copies are recognised by the event id.
    app.publish(&event).await;
    app.publish(&event).await;
    // A later event on the same partition: once its mail is out, the copies were handled.
    app.order_event("order.delivered", &user, json!({})).await;
    let log = app
        .log_until(&user, "the orders' messages", ended(2 + 2 + 3))
        .await;
    assert_eq!(one(&log, "order_confirmation", "email").status, "sent");
    let mails = app.smtp.wait_for(4).await;
    let number = event.data["orderNumber"].as_str().unwrap();
    let receipts: Vec<_> = mails
        .iter()
        .filter(|m| m.subject == format!("Order {number} confirmed"))
        .collect();
    assert_eq!(
        receipts.len(),
        1,
        "one receipt for three deliveries of the event"
    );
    let text = receipts[0].text.clone().unwrap_or_default();
    // The order's own lines and totals (as the harness publishes them), worded by the template.
    let lines = text.lines().filter(|l| l.contains(" × ")).count();
    assert_eq!(lines, 2, "{text}");
    assert!(text.contains("Total: $101.76"), "{text}");
    assert!(text.contains(&format!(
        "/orders/{}",
        event.data["orderId"].as_str().unwrap()
    )));
    // Each Message-ID arrived once.
    let mut ids: Vec<_> = mails.iter().map(|m| m.message_id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), mails.len(), "a Message-ID arrived twice");
    eventually("the receipt in the app", || async {
        app.inbox(&user, false).await.notifications.len() == 2
    })
    .await;
}
