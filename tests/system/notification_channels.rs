//! Notifications through their channels when things are not simple: a shipped order texts
//! the shopper who asked (through the Twilio-shaped provider) and nobody else; a mail server
//! answering 421 for a while delays mail and loses none; a recipient it refuses fails once,
//! clearly.
use serde_json::{Value, json};
use vici_testkit::eventually;
use vici_testkit::system::{DEMO_PASSWORD, Mode, OwnShop, Visitor, shop};

use crate::checkout::{admin, buyer, card};
use crate::notifications::through_the_api;
use crate::resilience::signed_in;

/// The delivery log rows of `user` (as the admin sees them).
async fn log_of(admin: &Visitor<'_>, user: &str) -> Vec<Value> {
    let page = admin
        .get(&format!("/api/admin/notifications?userId={user}&limit=100"))
        .await;
    page.data().as_array().cloned().unwrap_or_default()
}

/// Pays for the visitor's cart and ships the order with a tracking number; the order id.
async fn ship(admin: &Visitor<'_>, v: &Visitor<'_>, tracking: &str) -> String {
    let paid = v.post("/api/checkout/confirm", &card("pm_card_visa")).await;
    assert_eq!(paid.status, 201, "{}", paid.body);
    let id = paid.data()["orderId"].as_str().unwrap().to_string();
    let status = format!("/api/admin/orders/{id}/status");
    admin
        .put(&status, &json!({"status": "PROCESSING"}))
        .await
        .data();
    let shipped = json!({"status": "SHIPPED", "tracking": {"carrier": "UPS",
        "trackingNumber": tracking, "url": format!("https://ups.test/{tracking}")}});
    admin.put(&status, &shipped).await.data();
    id
}

#[tokio::test]
async fn a_shipped_order_texts_the_shopper_who_asked_and_nobody_else() {
    let admin = admin().await;
    let (texted, _) = buyer("sms-yes", "airpods-pro-2", 1).await;
    let (quiet, _) = buyer("sms-no", "airpods-pro-2", 1).await;
    let phone = "+15555550142";
    let profile = texted
        .put("/api/users/profile", &json!({"phone": phone}))
        .await;
    assert_eq!(profile.status, 200, "{}", profile.body);
    let prefs = json!({"smsNotifications": true});
    assert_eq!(
        texted.put("/api/users/preferences", &prefs).await.status,
        200
    );
    quiet
        .put("/api/users/profile", &json!({"phone": "+15555550143"}))
        .await
        .data();

    let tracking = format!("1ZSMS{}", &texted.user_id()[..8]);
    ship(&admin, &texted, &tracking).await;
    ship(&admin, &quiet, "1ZQUIET").await;
    eventually("the text at the provider", || async {
        shop().sms.sent().iter().any(|t| t.to == phone)
    })
    .await;
    let text = shop()
        .sms
        .sent()
        .into_iter()
        .find(|t| t.to == phone)
        .unwrap();
    assert!(text.body.contains(&tracking), "{}", text.body);
    assert_eq!(text.from, vici_testkit::SMS_FROM);
    let quiet_id = quiet.user_id();
    through_the_api("the quiet shopper's text decided", || async {
        let log = log_of(&admin, &quiet_id).await;
        log.iter()
            .any(|r| r["channel"] == "sms" && r["status"] == "skipped")
    })
    .await;
    assert!(shop().sms.sent().iter().all(|t| t.to != "+15555550143"));
    let log = log_of(&admin, &texted.user_id()).await;
    let sent = log
        .iter()
        .find(|r| r["channel"] == "sms")
        .expect("the text logged");
    assert_eq!(
        sent["messageId"],
        text.sid.as_str(),
        "the provider's id is kept"
    );
}

#[tokio::test]
async fn a_refused_recipient_fails_once_and_clearly() {
    let v = shop().visitor();
    let email = format!("reject-{}@example.com", uuid::Uuid::new_v4().simple());
    let body = json!({"email": email, "password": "Sup3r-secret", "name": "Rex"});
    let registered = v.post("/api/auth/register", &body).await;
    assert_eq!(registered.status, 201, "{}", registered.body);
    let user = registered.data()["user"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let admin = admin().await;
    through_the_api("both mails failed", || async {
        let log = log_of(&admin, &user).await;
        log.len() == 2 && log.iter().all(|r| r["status"] == "failed")
    })
    .await;
    for row in log_of(&admin, &user).await {
        assert_eq!(row["attempts"], 1, "{row}");
        assert!(row["reason"].as_str().unwrap().contains("550"), "{row}");
    }
    let failed = admin
        .get(&format!(
            "/api/admin/notifications?userId={user}&status=failed"
        ))
        .await;
    assert_eq!(failed.data().as_array().unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mail_server_down_for_a_while_delays_mail_and_loses_none() {
    let mode = Mode::from_env();
    let shop = OwnShop::boot(
        mode,
        &[
            ("VICI_NOTIFICATION_RETRY_FIRST_MS", "200"),
            ("VICI_NOTIFICATION_RETRY_MAX_MS", "1000"),
            // Retries do not run out while the server is down, however slow the machine.
            ("VICI_NOTIFICATION_ATTEMPTS", "100"),
            // Two at a time: this shop's bursts of retries share PostgreSQL with the run's.
            ("VICI_NOTIFICATION_CONCURRENCY", "2"),
        ],
    )
    .await;
    shop.smtp.set_down(true);
    let mut shoppers = Vec::new();
    for n in 0..6 {
        shoppers.push(signed_in(&shop, &format!("down-{n}")).await);
    }
    let mut admin = shop.visitor();
    admin.login("admin@example.com", DEMO_PASSWORD).await.data();
    // Every mail tried and refused with 421 at least once while the server is down.
    through_the_api("every mail retried", || async {
        let page = admin
            .get("/api/admin/notifications?channel=email&limit=100")
            .await;
        let rows = page.data().as_array().cloned().unwrap_or_default();
        // Each tried and refused (a row may be mid-attempt at the moment it is read).
        rows.len() == 12
            && rows.iter().all(|r| {
                let refused = r["reason"].as_str().unwrap_or("").contains("421");
                (r["status"] == "pending" && refused) || r["status"] == "sending"
            })
    })
    .await;
    assert!(shop.smtp.received().is_empty());
    shop.smtp.set_down(false);
    let rows = || async {
        let page = admin
            .get("/api/admin/notifications?channel=email&limit=100")
            .await;
        page.data().as_array().cloned().unwrap_or_default()
    };
    through_the_api("every delivery ended", || async {
        let rows = rows().await;
        rows.len() == 12
            && rows
                .iter()
                .all(|r| r["status"] != "pending" && r["status"] != "sending")
    })
    .await;
    for row in rows().await {
        assert_eq!(row["status"], "sent", "{row}");
    }
    assert_eq!(shop.smtp.received().len(), 12);
    let mut ids: Vec<String> = shop
        .smtp
        .received()
        .into_iter()
        .map(|m| m.message_id)
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 12, "each once");
    let dead = admin.get("/api/admin/notifications?status=failed").await;
    assert!(dead.data().as_array().unwrap().is_empty(), "nothing failed");
}
