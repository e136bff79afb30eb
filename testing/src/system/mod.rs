//! Black-box harness for the system tests: boots the real `vici` binary — either `vici up` on
//! embedded engines, or eleven `vici serve` processes on PostgreSQL, Redis and Kafka — on free
//! ports, and offers typed request helpers. `VICI_SYSTEM_MODE` picks `embedded` (default) or
//! `distributed`.

mod event_stream;
mod own;
mod process;
mod redis_db;
mod tracked;
mod visitor;

use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub use crate::Reply;
pub use event_stream::EventStream;
pub use own::{Broker, OwnShop};
pub use process::{
    Deployment, Mode, OnParentDeath, dies_with_parent, free_port_base, log_file, vici_bin,
};
use serde_json::Value;
pub use tracked::{arrivals, clicks, kafka_reader};
pub use visitor::{DEMO_PASSWORD, NEW_PASSWORD, Visitor, random_ip, unique_email};

/// The shop every test of a run shares (booting it costs seconds, so it happens once). It is
/// booted from a thread that lives as long as the test process: the parent-death signal of its
/// processes follows the thread that started them, and each test runs on a short-lived thread.
pub fn shop() -> &'static Shop {
    static SHOP: OnceLock<Shop> = OnceLock::new();
    SHOP.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let booted = std::panic::catch_unwind(|| Shop::boot(Mode::from_env()));
            let _ = tx.send(booted.map_err(|e| {
                e.downcast_ref::<String>()
                    .cloned()
                    .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default()
            }));
            loop {
                std::thread::park();
            }
        });
        match rx.recv() {
            Ok(Ok(shop)) => shop,
            Ok(Err(why)) => panic!("booting the shop failed: {why}"),
            Err(_) => panic!("booting the shop failed"),
        }
    })
}

/// Whether a failed boot ran out of PostgreSQL connections.
fn out_of_connections(why: &str) -> bool {
    why.contains("too many clients") || why.contains("pool timed out")
}

pub struct Shop {
    pub deployment: Deployment,
    pub base: String,
    pub client: reqwest::Client,
    /// The real SMTP server the shop's notification service sends its mail to.
    pub smtp: crate::SmtpServer,
    /// The SMS provider its text messages go to.
    pub sms: crate::SmsProvider,
}

impl Shop {
    pub fn boot(mode: Mode) -> Self {
        Self::boot_with(mode, &[])
    }

    /// Boots a shop with `settings` (`VICI_*` variables) on top of the usual ones. Its ports are
    /// checked free before its processes bind them, and another program can take one in between:
    /// then the shop is booted again on other ports.
    pub fn boot_with(mode: Mode, settings: &[(&str, &str)]) -> Self {
        let mut attempt = 1;
        loop {
            let shop = Self::start(mode, settings);
            match shop.until_healthy(Duration::from_secs(90)) {
                Ok(()) => return shop,
                Err(why) if why.contains("Address already in use") && attempt < 3 => attempt += 1,
                // Two eleven-process shops share PostgreSQL's 100 connections: a boot (each
                // service migrating and seeding at once) beside the run's busy shop can find
                // none free for a moment. Booted again once the burst has passed.
                Err(why) if out_of_connections(&why) && attempt < 3 => {
                    attempt += 1;
                    drop(shop);
                    std::thread::sleep(Duration::from_secs(5));
                }
                Err(why) => panic!("{why}"),
            }
        }
    }

    fn start(mode: Mode, settings: &[(&str, &str)]) -> Self {
        let smtp = crate::SmtpServer::start();
        let sms = crate::SmsProvider::start();
        let (smtp_url, sms_url) = (smtp.url(), sms.url());
        let mut all = vec![
            ("VICI_NOTIFICATION_SMTP_URL", smtp_url.as_str()),
            ("VICI_NOTIFICATION_SMS_URL", sms_url.as_str()),
            ("VICI_NOTIFICATION_SMS_ACCOUNT", crate::SMS_ACCOUNT),
            ("VICI_NOTIFICATION_SMS_TOKEN", crate::SMS_TOKEN),
            ("VICI_NOTIFICATION_SMS_FROM", crate::SMS_FROM),
            // Shipping news goes at once: a test ships and reads the messages.
            ("VICI_NOTIFICATION_SHIPPING_WINDOW_SECS", "0"),
            // Two sends at a time: each holds a database connection for its claim and its end,
            // and two shops share PostgreSQL's 100 connections.
            ("VICI_NOTIFICATION_CONCURRENCY", "2"),
        ];
        all.extend_from_slice(settings);
        let deployment = Deployment::start_with(mode, &all);
        let base = format!("http://127.0.0.1:{}", deployment.port_base);
        // No idle pooling: each test has its own runtime, and a pooled connection dies with the
        // runtime of the test that opened it.
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .pool_max_idle_per_host(0)
            .build()
            .expect("client");
        Self {
            deployment,
            base,
            client,
            smtp,
            sms,
        }
    }

    /// Waits until the gateway reports every service up; the reason when a process exits or
    /// `limit` passes first.
    fn until_healthy(&self, limit: Duration) -> Result<(), String> {
        let started = Instant::now();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let mut last = String::new();
        while started.elapsed() < limit {
            let outcome = rt.block_on(async {
                let r = self
                    .client
                    .get(format!("{}/health", self.base))
                    .send()
                    .await?;
                anyhow::Ok(r.json::<Value>().await?)
            });
            match outcome {
                Ok(v) if v["status"] == "up" => return Ok(()),
                Ok(v) => last = v.to_string(),
                Err(e) => last = e.to_string(),
            }
            if let Some(exit) = self.deployment.exited() {
                return Err(exit);
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        Err(format!(
            "the shop did not become healthy within {limit:?}: {last}\n{}",
            self.deployment.logs_tail()
        ))
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends `req` from a random client address unless it names one: anonymous tests then
    /// never share a rate-limit budget.
    pub async fn send(&self, req: reqwest::RequestBuilder) -> Reply {
        let req = match req.try_clone().and_then(|r| r.build().ok()) {
            Some(built) if built.headers().contains_key("x-forwarded-for") => req,
            _ => req.header("x-forwarded-for", random_ip()),
        };
        let r = req.send().await.expect("request sent");
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let bytes = r.bytes().await.expect("body");
        Reply::new(status, headers, bytes.to_vec())
    }

    /// The body of `GET /metrics` on the port `offset` above the gateway's.
    pub async fn metrics(&self, offset: u16) -> String {
        let url = format!(
            "http://127.0.0.1:{}/metrics",
            self.deployment.port_base + offset
        );
        self.client
            .get(url)
            .send()
            .await
            .expect("metrics answered")
            .text()
            .await
            .expect("metrics text")
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(self.client.get(self.url(path))).await
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Reply {
        self.send(self.client.post(self.url(path)).json(body)).await
    }
}
