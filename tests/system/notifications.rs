//! Notifications end to end, through the shop's front door and a real SMTP server: the mailed
//! links open the shop's pages and work, an order is confirmed by mail and in the app, and an
//! admin reads the delivery log.
use reqwest::Method;
use serde_json::json;
use std::time::Duration;
use vici_testkit::system::{EventStream, Visitor, shop};

use vici_testkit::{ReceivedMail, eventually, eventually_every};

use crate::checkout::{admin, buyer, card};

/// Waits until `check` holds, asking the shop's API four times a second for up to a minute: a
/// 25 ms poll would spend the caller's per-address budget and be answered 429.
pub async fn through_the_api<F, Fut>(what: &str, check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let (every, within) = (Duration::from_millis(250), Duration::from_secs(60));
    eventually_every(what, every, within, check).await;
}

/// The mail to `email` whose subject starts with `subject`, once it has arrived.
async fn mail_to(email: &str, subject: &str) -> ReceivedMail {
    let find = || {
        shop()
            .smtp
            .received()
            .into_iter()
            .find(|m| m.rcpt_to.iter().any(|r| r == email) && m.subject.starts_with(subject))
    };
    eventually(&format!("a mail {subject:?} to {email}"), || async {
        find().is_some()
    })
    .await;
    find().unwrap()
}

/// The path and query of the link in `mail` to `page` (the link names the shop's public URL).
fn link_to(mail: &ReceivedMail, page: &str) -> String {
    let text = mail.text.clone().unwrap_or_default();
    let at = text
        .find(page)
        .unwrap_or_else(|| panic!("no {page} link in:\n{text}"));
    text[at..].split_whitespace().next().unwrap().to_string()
}

fn email_of(v: &Visitor) -> String {
    v.user["email"].as_str().expect("an email").to_string()
}

#[tokio::test]
async fn a_mailed_link_verifies_the_address_on_the_shop_page() {
    let mut v = shop().visitor();
    v.register("verify").await.data();
    let email = email_of(&v);
    let welcome = mail_to(&email, "Welcome to vici").await;
    assert!(
        welcome.to.ends_with(&format!("<{email}>")),
        "{}",
        welcome.to
    );
    let mail = mail_to(&email, "Confirm your email address").await;
    let page = shop().get(&link_to(&mail, "/verify-email?token=")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.text().contains("Email address confirmed"),
        "{}",
        page.body
    );
    let csp = page.headers.get("content-security-policy").expect("a CSP");
    assert!(csp.to_str().unwrap().contains("default-src 'none'"));
    let profile = v.get("/api/users/profile").await;
    assert_eq!(profile.data()["emailVerified"], true);
    // A link that is not one says so, in a page, without a 500.
    let spent = shop().get("/verify-email?token=not-a-token").await;
    assert_eq!(spent.status, 400, "{}", spent.body);
    assert!(
        spent.text().contains("expired or was already used"),
        "{}",
        spent.body
    );
}

#[tokio::test]
async fn a_reset_link_opens_a_form_that_sets_the_password() {
    let mut v = shop().visitor();
    v.register("reset").await.data();
    let email = email_of(&v);
    let asked = v
        .post("/api/auth/forgot-password", &json!({"email": email}))
        .await;
    assert_eq!(asked.status, 200, "{}", asked.body);
    let mail = mail_to(&email, "Reset your password").await;
    let form = shop().get(&link_to(&mail, "/reset-password?token=")).await;
    assert_eq!(form.status, 200, "{}", form.body);
    let token = form
        .text()
        .split("name=\"token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the form carries the token")
        .to_string();
    let submit = |password: &'static str| {
        let body = [("token", token.clone()), ("password", password.to_string())];
        shop()
            .client
            .post(shop().url("/reset-password"))
            .form(&body)
    };
    let weak = shop().send(submit("short")).await;
    assert_eq!(weak.status, 400, "{}", weak.body);
    assert!(
        weak.text().contains("name=\"password\""),
        "the form again: {}",
        weak.body
    );
    let done = shop().send(submit("N3w-secret-pass")).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.text().contains("Password changed"), "{}", done.body);
    let mut again = shop().visitor();
    assert_eq!(again.login(&email, "N3w-secret-pass").await.status, 200);
}

#[tokio::test]
async fn an_order_is_confirmed_by_mail_and_in_the_app() {
    let (v, _) = buyer("notified", "sony-wh1000xm5", 1).await;
    let email = email_of(&v);
    let paid = v.post("/api/checkout/confirm", &card("pm_card_visa")).await;
    assert_eq!(paid.status, 201, "{}", paid.body);
    let order_id = paid.data()["orderId"].as_str().unwrap().to_string();
    let order = v
        .get(&format!("/api/orders/{order_id}"))
        .await
        .data()
        .clone();
    let number = order["orderNumber"].as_str().unwrap();
    let mail = mail_to(&email, &format!("Order {number} confirmed")).await;
    let text = mail.text.clone().unwrap_or_default();
    let item = &order["items"][0];
    let line = format!("1 × {}", item["name"].as_str().unwrap());
    assert!(text.contains(&line), "{line:?} in:\n{text}");
    let total = format!("Total: ${:.2}", order["total"].as_f64().unwrap());
    assert!(text.contains(&total), "{total:?} in:\n{text}");
    assert!(text.contains(&format!("/orders/{order_id}")), "{text}");

    let inbox = || async { v.get("/api/users/notifications").await };
    through_the_api("the confirmation in the app", || async {
        inbox().await.text().contains("order_confirmation")
    })
    .await;
    let listed = inbox().await;
    let body = listed.body.clone();
    assert_eq!(body["unreadCount"], 1, "{body}");
    let first = &body["data"][0];
    assert_eq!(first["title"], format!("Order {number} confirmed"));
    let id = first["id"].as_str().unwrap();
    let read = v
        .bare(Method::PUT, &format!("/api/users/notifications/{id}/read"))
        .await;
    assert_eq!(read.status, 200, "{}", read.body);
    let after = inbox().await.body;
    assert_eq!(after["unreadCount"], 0);
    assert_eq!(after["data"][0]["read"], true);

    let admin = admin().await;
    let user = v.user_id();
    let log = admin
        .get(&format!(
            "/api/admin/notifications?userId={user}&channel=email"
        ))
        .await;
    let rows = log.data().as_array().unwrap().clone();
    let receipt = rows
        .iter()
        .find(|r| r["template"] == "order_confirmation")
        .expect("the receipt in the log");
    assert_eq!(receipt["status"], "sent");
    assert_eq!(receipt["messageId"], mail.message_id.as_str());
    let bad = admin.get("/api/admin/notifications?status=lost").await;
    assert_eq!(bad.error(400), "VALIDATION_ERROR");
    assert!(bad.body["details"]["status"].is_string(), "{}", bad.body);
    let not_admin = v.get("/api/admin/notifications").await;
    assert_eq!(not_admin.status, 403, "{}", not_admin.body);
}

#[tokio::test]
async fn the_app_hears_an_order_live_and_nobody_else_does() {
    let (ada, _) = buyer("live-ada", "airpods-pro-2", 1).await;
    let (bob, _) = buyer("live-bob", "airpods-pro-2", 1).await;
    let mut adas = EventStream::open(&ada).await;
    let mut bobs = EventStream::open(&bob).await;
    let without = shop().get("/api/users/notifications/stream").await;
    assert_eq!(without.error(401), "UNAUTHORIZED");

    let paid = ada
        .post("/api/checkout/confirm", &card("pm_card_visa"))
        .await;
    assert_eq!(paid.status, 201, "{}", paid.body);
    let heard = adas.next().await;
    assert_eq!(heard["type"], "order_confirmation", "{heard}");
    assert_eq!(heard["channel"], "in_app");
    assert_eq!(heard["read"], false);
    // Bob's stream was open all along: the first thing it hears is his own order.
    let paid = bob
        .post("/api/checkout/confirm", &card("pm_card_visa"))
        .await;
    assert_eq!(paid.status, 201, "{}", paid.body);
    let order_id = paid.data()["orderId"].as_str().unwrap().to_string();
    let number = bob.get(&format!("/api/orders/{order_id}")).await.data()["orderNumber"]
        .as_str()
        .unwrap()
        .to_string();
    let bobs_first = bobs.next().await;
    assert_eq!(bobs_first["title"], format!("Order {number} confirmed"));
}
