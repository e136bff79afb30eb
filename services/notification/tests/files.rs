//! With nothing configured (`vici up`), mail and text messages are written as files under the
//! data dir: exactly what would have been sent.
use serde_json::json;
use vici_testkit::{Backend, Services, eventually};

use crate::harness::{register, set_sms};

fn files(dir: &std::path::Path, ext: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<String> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .map(|p| std::fs::read_to_string(p).expect("a written message"))
        .collect();
    found.sort();
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_nothing_configured_messages_are_written_to_files() {
    let services = Services::builder(Backend::Sqlite)
        .service(vici_notification::service())
        .service(vici_auth::service())
        .service(vici_user::service())
        .setting("VICI_NOTIFICATION_POLL_MS", 50)
        .setting("VICI_NOTIFICATION_SHIPPING_WINDOW_SECS", 0)
        .start()
        .await;
    // A name that looks like an address: the mail still goes to the account's address only.
    let name = "Ada, Countess <everyone@evil.example>";
    let user = register(&services, "ada@example.com", name).await;
    set_sms(&services, &user, Some("+15555550100"), true).await;
    let order_id = uuid::Uuid::now_v7().to_string();
    let shipped = json!({
        "orderId": order_id, "orderNumber": "VS-100001", "userId": user, "currency": "USD",
        "totalCents": 100, "items": [], "carrier": "UPS", "trackingNumber": "1Z1",
    });
    let event = vici_bus::CloudEvent::new("order", "order.shipped", &order_id, shipped);
    services
        .publish(vici_bus::topics::ORDER_EVENTS, &event)
        .await;

    let dir = services.data_dir().join("notifications");
    eventually("three mails and a text message written", || async {
        files(&dir.join("mail"), "eml").len() == 3 && files(&dir.join("sms"), "json").len() == 1
    })
    .await;
    let mails = files(&dir.join("mail"), "eml");
    assert!(
        mails
            .iter()
            .any(|m| m.contains("Subject: Confirm your email address"))
    );
    for mail in &mails {
        assert!(mail.contains("Message-ID: <"), "{mail}");
        let to = mail
            .lines()
            .find(|l| l.starts_with("To: "))
            .expect("a To header");
        assert!(to.ends_with("<ada@example.com>"), "{to}");
        assert!(
            !to.contains("<everyone@evil.example>"),
            "the name became an address: {to}"
        );
    }
    let text: serde_json::Value =
        serde_json::from_str(&files(&dir.join("sms"), "json")[0]).unwrap();
    assert_eq!(text["to"], "+15555550100");
    assert!(text["body"].as_str().unwrap().contains("1Z1"), "{text}");
    services.finish().await;
}
