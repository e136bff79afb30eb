//! The notification service: the shop's events become email, SMS and in-app messages, each
//! delivered at most once in effect (docs/notifications.md).
//!
//! Layout: `plan` says which events become which messages on which channels, `intake` records
//! them as pending deliveries, `worker` sends them — asking `recipient` who they go to,
//! `prepare`, `compose` and `message` what they say, `channel` how they leave — and `grpc` serves the
//! in-app inbox (live through `live`) and the admin's delivery log; `store` holds the SQL.
pub mod message;

mod channel;
mod compose;
mod config;
mod events;
mod grpc;
mod intake;
mod live;
mod plan;
mod prepare;
mod recipient;
mod store;
mod worker;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use tokio::sync::Notify;
use vici_kit::ServiceName;
use vici_kit::server::ServiceApp;
use vici_platform::{Platform, Service};
use vici_proto::notification::v1::notification_service_server::NotificationServiceServer;
use vici_store::{Migration, ServiceBase};

use crate::channel::{Mailer, Texter, email, sms};

pub use config::NotificationConfig;
pub use recipient::{Directory, Recipient, Unavailable};

/// The notification service's schema.
pub const MIGRATIONS: &[Migration] = store::migrations::ALL;

/// The notification service's entry in the table of services.
pub fn service() -> Service {
    Service::new(ServiceName::Notification, |p| {
        Box::pin(async move { start(Deps::from_platform(&p).await?).await })
    })
    .migrations(MIGRATIONS)
    .config::<NotificationConfig>()
}

/// What the service runs on.
pub struct Deps {
    pub base: ServiceBase,
    /// Who messages go to (the auth, user and order services).
    pub directory: Arc<dyn Directory>,
    pub config: NotificationConfig,
    /// The shop's public URL: every link in a message starts with it.
    pub public_url: String,
    /// Where mail and text messages are written when no provider is configured.
    pub files: PathBuf,
}

impl Deps {
    pub async fn from_platform(p: &Platform) -> anyhow::Result<Self> {
        let directory = recipient::Services {
            auth: p.client()?,
            users: p.client()?,
            orders: p.client()?,
            products: p.client()?,
        };
        Ok(Self {
            base: p.base(ServiceName::Notification).await?,
            directory: Arc::new(directory),
            config: p.section()?,
            public_url: p.config.public_url.trim_end_matches('/').to_string(),
            files: p.config.data_dir.join("notifications"),
        })
    }
}

/// Starts the intake, the worker and the outbox relay and returns the gRPC app. Run the
/// migrations first.
pub async fn start(deps: Deps) -> anyhow::Result<ServiceApp> {
    let Deps {
        base,
        directory,
        config,
        public_url,
        files,
    } = deps;
    let from: lettre::message::Mailbox =
        config.mail_from.parse().context("notification.mail_from")?;
    let mailer: Arc<dyn Mailer> = match &config.smtp_url {
        Some(url) => Arc::new(email::Smtp::new(url, from.clone(), config.send_timeout)?),
        None => Arc::new(email::Files::new(files.join("mail"), from.clone())),
    };
    let texter: Arc<dyn Texter> = match &config.sms {
        Some(provider) => Arc::new(sms::Http::new(provider.clone(), config.send_timeout)?),
        None => Arc::new(sms::Files::new(files.join("sms"), config.sms_from.clone())),
    };
    let (outbox, relay) = base.outbox();
    let wake = Arc::new(Notify::new());
    let live = live::Live::new();
    let hearing = live::follow(
        base.db.clone(),
        base.bus.clone(),
        live.clone(),
        chrono::Utc::now(),
        base.shutdown.clone(),
    );
    let worker = Arc::new(worker::Worker {
        db: base.db.clone(),
        directory,
        mailer,
        texter,
        templates: Arc::new(message::Templates::new(
            message::preview::SHOP_NAME,
            &public_url,
        )),
        public_url,
        mail_domain: from.email.domain().to_string(),
        retry: config.retry,
        concurrency: config.concurrency,
        send_timeout: config.send_timeout,
        interrupted_after: config.interrupted_after,
        daily_limit: config.daily_limit,
        outbox,
        live: live.clone(),
    });
    let sending = worker::spawn(worker, wake.clone(), config.poll, base.shutdown.clone());
    let intake = intake::spawn(
        base.db.clone(),
        base.bus.clone(),
        wake.clone(),
        config.delays,
        base.shutdown.clone(),
    );
    let api = grpc::Api {
        db: base.db.clone(),
        wake,
        live,
    };
    let routes = tonic::service::Routes::new(NotificationServiceServer::new(api));
    Ok(base
        .app(ServiceName::Notification, routes)
        .with_task(relay)
        .with_task(sending)
        .with_task(intake)
        .with_task(hearing))
}
