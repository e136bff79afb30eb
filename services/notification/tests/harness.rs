//! The notification service for one case with its real neighbours — auth (accounts, links),
//! user (phones, preferences) and product with inventory (products' names) — on fresh databases, sending mail to a real SMTP server
//! (aiosmtpd) and text messages to a Twilio-shaped provider, retrying fast. Events of the
//! other services are published on the bus as they would publish them.
use serde_json::{Value, json};
use tonic::Status;
use vici_bus::CloudEvent;
use vici_proto::auth::v1 as authpb;
use vici_proto::auth::v1::auth_service_client::AuthServiceClient;
use vici_proto::notification::v1 as pb;
use vici_proto::notification::v1::notification_service_client::NotificationServiceClient;
use vici_proto::user::v1 as userpb;
use vici_proto::user::v1::user_service_client::UserServiceClient;
use vici_testkit::{Backend, Channel, Db, ServiceName, Services, SmtpServer, Unary as _};

use crate::provider::{self, Provider};

pub const PASSWORD: &str = "Correct1Horse";

pub struct App {
    pub services: Services,
    pub smtp: SmtpServer,
    pub sms: Provider,
    pub db: Db,
}

/// Runs `case` against fresh services on `backend` with a real SMTP server.
pub async fn run(backend: Backend, case: impl AsyncFnOnce(App)) {
    let smtp = SmtpServer::start();
    let sms = Provider::start().await;
    let services = Services::builder(backend)
        .service(vici_notification::service())
        .service(vici_auth::service())
        .service(vici_user::service())
        .service(vici_product::service())
        .service(vici_inventory::service())
        .setting("VICI_NOTIFICATION_SMTP_URL", smtp.url())
        .setting("VICI_NOTIFICATION_MAIL_FROM", "vici <shop@shop.test>")
        .setting("VICI_NOTIFICATION_SMS_URL", &sms.url)
        .setting("VICI_NOTIFICATION_SMS_ACCOUNT", provider::ACCOUNT)
        .setting("VICI_NOTIFICATION_SMS_TOKEN", provider::TOKEN)
        .setting("VICI_NOTIFICATION_SMS_FROM", provider::FROM)
        .setting("VICI_NOTIFICATION_RETRY_FIRST_MS", 100)
        .setting("VICI_NOTIFICATION_RETRY_MAX_MS", 500)
        .setting("VICI_NOTIFICATION_ATTEMPTS", 100)
        .setting("VICI_NOTIFICATION_POLL_MS", 50)
        .setting("VICI_NOTIFICATION_SEND_TIMEOUT_SECS", 2)
        // Messages that wait go at once unless a case holds them (by the mail server, or an
        // hour for a reminder it calls off).
        .setting("VICI_NOTIFICATION_SHIPPING_WINDOW_SECS", 0)
        .setting("VICI_NOTIFICATION_ABANDONED_CART_DELAY_SECS", 3600)
        .start()
        .await;
    let db = services.db(ServiceName::Notification).await;
    case(App {
        services: services.clone(),
        smtp,
        sms,
        db,
    })
    .await;
    services.finish().await;
}

impl App {
    pub fn notifications(&self) -> NotificationServiceClient<Channel> {
        self.services.client()
    }

    fn auth(&self) -> AuthServiceClient<Channel> {
        self.services.client()
    }

    /// A new account (its welcome and verification mails follow); its id.
    pub async fn register(&self, email: &str, name: &str) -> String {
        register(&self.services, email, name).await
    }

    pub async fn account(&self, user_id: &str) -> authpb::Account {
        let req = authpb::AccountRef {
            user_id: user_id.into(),
        };
        self.auth().get_account(req).await.expect_message("account")
    }

    pub async fn verify_email(&self, token: &str) -> Result<(), Status> {
        let req = authpb::VerifyEmailRequest {
            token: token.into(),
        };
        self.auth().verify_email(req).await.message().map(drop)
    }

    pub async fn forgot_password(&self, email: &str) {
        let req = authpb::ForgotPasswordRequest {
            email: email.into(),
        };
        self.auth()
            .forgot_password(req)
            .await
            .expect_message("forgot");
    }

    pub async fn reset_password(&self, token: &str, password: &str) -> Result<(), Status> {
        let req = authpb::ResetPasswordRequest {
            token: token.into(),
            password: password.into(),
        };
        self.auth().reset_password(req).await.message().map(drop)
    }

    pub async fn login(&self, email: &str, password: &str) -> Result<(), Status> {
        let req = authpb::LoginRequest {
            email: email.into(),
            password: password.into(),
        };
        self.auth().login(req).await.message().map(drop)
    }

    /// Gives the user a phone number (or none) and SMS notifications on or off.
    pub async fn set_sms(&self, user_id: &str, phone: Option<&str>, enabled: bool) {
        set_sms(&self.services, user_id, phone, enabled).await;
    }

    /// Turns the user's marketing emails on or off.
    pub async fn set_marketing(&self, user_id: &str, agreed: bool) {
        let mut users: UserServiceClient<Channel> = self.services.client();
        let prefs = userpb::UpdatePreferencesRequest {
            user_id: user_id.into(),
            marketing_emails: Some(agreed),
            ..Default::default()
        };
        users
            .update_preferences(prefs)
            .await
            .expect_message("marketing");
    }

    /// Publishes an `order.*` event for `user` about a new order as the order service does.
    pub async fn order_event(&self, kind: &str, user_id: &str, extra: Value) -> CloudEvent {
        let order_id = uuid::Uuid::now_v7().to_string();
        self.order_event_about(&order_id, kind, user_id, extra)
            .await
    }

    /// Publishes an `order.*` event about the order `order_id` of `user`; the event.
    pub async fn order_event_about(
        &self,
        order_id: &str,
        kind: &str,
        user_id: &str,
        extra: Value,
    ) -> CloudEvent {
        let mut data = json!({
            "orderId": order_id, "orderNumber": format!("VS-{}", &order_id[30..]),
            "userId": user_id, "status": "CONFIRMED", "currency": "USD",
            "totalCents": 10176, "subtotalCents": 10348, "discountCents": 1000,
            "shippingCents": 0, "taxCents": 828,
            "items": [
                {"productId": "p1", "name": "Atomic Habits", "quantity": 2, "unitPriceCents": 1699},
                {"productId": "p2", "name": "Levi's 501", "quantity": 1, "unitPriceCents": 6950}
            ],
        });
        data.as_object_mut()
            .unwrap()
            .extend(extra.as_object().cloned().unwrap_or_default());
        let event = CloudEvent::new("order", kind, order_id, data);
        self.publish(&event).await;
        event
    }

    pub async fn publish(&self, event: &CloudEvent) {
        self.services
            .publish(vici_bus::topics::ORDER_EVENTS, event)
            .await;
    }

    /// Publishes `data` as an event of `kind` on `topic`, as its producer would.
    pub async fn announce(&self, topic: &str, kind: &str, subject: &str, data: Value) {
        let event = CloudEvent::new("test", kind, subject, data);
        self.services.publish(topic, &event).await;
    }

    /// The delivery log, filtered (empty strings: any).
    pub async fn log(&self, status: &str, channel: &str, user_id: &str) -> Vec<pb::Delivery> {
        let req = pb::ListDeliveriesRequest {
            page: Some(vici_proto::common::v1::PageRequest {
                page: 1,
                limit: 100,
            }),
            status: status.into(),
            channel: channel.into(),
            user_id: user_id.into(),
        };
        let page = self.notifications().list_deliveries(req).await;
        page.expect_message("deliveries").deliveries
    }

    /// Waits until the user's deliveries satisfy `done`; returns them.
    pub async fn log_until(
        &self,
        user_id: &str,
        what: &str,
        done: impl Fn(&[pb::Delivery]) -> bool,
    ) -> Vec<pb::Delivery> {
        vici_testkit::eventually(what, || async { done(&self.log("", "", user_id).await) }).await;
        self.log("", "", user_id).await
    }

    /// The user's in-app notifications (only unread ones with `unread_only`).
    pub async fn inbox(&self, user_id: &str, unread_only: bool) -> pb::NotificationPage {
        let req = pb::ListNotificationsRequest {
            user_id: user_id.into(),
            page: None,
            unread_only,
        };
        let page = self.notifications().list_notifications(req).await;
        page.expect_message("notifications")
    }
}

/// A new account on `services` (its welcome and verification mails follow); its id.
pub async fn register(services: &Services, email: &str, name: &str) -> String {
    let req = authpb::RegisterRequest {
        email: email.into(),
        password: PASSWORD.into(),
        name: name.into(),
    };
    let mut auth: AuthServiceClient<Channel> = services.client();
    let session = auth.register(req).await.expect_message("register");
    session.user.expect("the new user").id
}

/// Gives the user a phone number (or none) and SMS notifications on or off.
pub async fn set_sms(services: &Services, user_id: &str, phone: Option<&str>, enabled: bool) {
    let mut users: UserServiceClient<Channel> = services.client();
    let profile = userpb::UpdateProfileRequest {
        user_id: user_id.into(),
        phone: Some(phone.unwrap_or_default().into()),
        avatar: None,
    };
    users.update_profile(profile).await.expect_message("phone");
    let prefs = userpb::UpdatePreferencesRequest {
        user_id: user_id.into(),
        sms_notifications: Some(enabled),
        ..Default::default()
    };
    users
        .update_preferences(prefs)
        .await
        .expect_message("preferences");
}

/// Whether every delivery has ended (sent, failed or skipped) and there are `n` of them.
pub fn ended(n: usize) -> impl Fn(&[pb::Delivery]) -> bool {
    move |log| {
        log.len() == n
            && log
                .iter()
                .all(|d| !matches!(d.status.as_str(), "pending" | "sending"))
    }
}

/// The one delivery of `template` on `channel` in `log`.
pub fn one<'a>(log: &'a [pb::Delivery], template: &str, channel: &str) -> &'a pb::Delivery {
    let found: Vec<_> = log
        .iter()
        .filter(|d| d.template == template && d.channel == channel)
        .collect();
    assert_eq!(found.len(), 1, "one {template} by {channel} in {log:#?}");
    found[0]
}

/// The token a link carries, decoded.
pub fn token_of(link: &str) -> String {
    let raw = link.split("token=").nth(1).expect("a token in the link");
    let mut out = Vec::new();
    let bytes = raw.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() + 1 {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}
