//! The worker: sends the deliveries that are due. Each one learns who it goes to (skipped with
//! the reason when preferences or missing details say so), is rendered in the user's language,
//! then leaves: in-app ones are stored in one transaction with their end; mail and SMS are
//! claimed first — the Message-ID or delivery id stored, the state `sending` — and only then
//! handed to the provider, so a worker that dies mid-send leaves a row that is never sent
//! again on its own (at most once in effect; docs/notifications.md "Delivery").
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt as _;
use rand::Rng as _;
use serde_json::Value;
use tokio::sync::Notify;
use vici_kit::server::Shutdown;
use vici_store::outbox::{Outbox, REDACTED};
use vici_store::{Db, now_ms};

use crate::channel::{Mail, Mailer, Refusal, Text, Texter};
use crate::config::Retry;
use crate::events;
use crate::live::Live;
use crate::message::Templates;
use crate::plan::Channel;
use crate::prepare::Prepared;
use crate::recipient::Directory;
use crate::store::deliveries::{self, Delivery, Outcome};
use crate::store::inbox::{self, Entry};

/// Deliveries read per round.
const BATCH: i64 = 100;

pub struct Worker {
    pub db: Db,
    pub directory: Arc<dyn Directory>,
    pub mailer: Arc<dyn Mailer>,
    pub texter: Arc<dyn Texter>,
    pub templates: Arc<Templates>,
    /// The shop's public URL, without a trailing slash.
    pub public_url: String,
    /// The domain Message-IDs end in (the `From` address's).
    pub mail_domain: String,
    pub retry: Retry,
    pub concurrency: usize,
    /// How long a provider has to answer one message.
    pub send_timeout: Duration,
    pub interrupted_after: Duration,
    /// Update and marketing messages one user gets a day by email and SMS (0: no limit).
    pub daily_limit: u32,
    pub outbox: Outbox,
    /// Where each in-app notification goes as it is stored (the live streams).
    pub live: Arc<Live>,
}

/// How a delivery ends, or waits.
pub(crate) enum End {
    Sent { provider_id: Option<String> },
    Retry { at: i64, reason: String },
    Failed { reason: String, exhausted: bool },
    Skipped { reason: String },
}

impl Worker {
    /// Sends what is due now; how many deliveries it handled.
    pub async fn round(&self) -> anyhow::Result<usize> {
        let now = now_ms();
        let mut conn = self.db.writer().acquire().await?;
        let cutoff = now - self.interrupted_after.as_millis() as i64;
        let interrupted = deliveries::interrupted(&mut conn, cutoff).await?;
        let due = deliveries::due(&mut conn, now, BATCH).await?;
        let (pending, earliest) = deliveries::backlog(&mut conn).await?;
        events::backlog(pending, earliest, now);
        drop(conn);
        for d in &interrupted {
            tracing::warn!(delivery = %d.id, "delivery interrupted mid-send: failed, not resent");
            let failed = End::Failed {
                reason: deliveries::INTERRUPTED.into(),
                exhausted: false,
            };
            self.end(d, failed, None).await?;
        }
        let handled = due.len();
        futures::stream::iter(due)
            .for_each_concurrent(self.concurrency, |d| async move {
                if let Err(e) = self.deliver(&d).await {
                    tracing::warn!(delivery = %d.id, error = %e, "delivery left for the next round");
                }
            })
            .await;
        Ok(handled)
    }

    async fn deliver(&self, d: &Delivery) -> vici_kit::Result<()> {
        let prepared = match self.prepare(d).await {
            Ok(p) if p.recipients.is_empty() => {
                let nobody = skipped("the shop has no active admin to tell");
                return self.end(d, nobody, None).await;
            }
            Ok(p) => p,
            Err(end) => return self.end(d, end, None).await,
        };
        match d.channel {
            Channel::InApp => {
                let entry = Entry {
                    id: uuid::Uuid::now_v7().to_string(),
                    user_id: d.user_id.clone(),
                    delivery_id: d.id.clone(),
                    template: d.template.name().into(),
                    title: prepared.rendered.subject.clone(),
                    message: prepared.rendered.short.clone().unwrap_or_default(),
                    read: false,
                    created_at: d.created_at,
                };
                let sent = End::Sent { provider_id: None };
                self.end(d, sent, Some(entry)).await
            }
            Channel::Email | Channel::Sms => self.hand_over(d, prepared).await,
        }
    }

    /// Claims `d`, hands it to its provider and records the answer.
    async fn hand_over(&self, d: &Delivery, p: Prepared) -> vici_kit::Result<()> {
        let message_id = match d.channel {
            Channel::Email => format!("<{}@{}>", d.id, self.mail_domain),
            _ => d.id.clone(),
        };
        let mut conn = self.db.writer().acquire().await.map_err(pool_error)?;
        let recipient = p.recipient();
        let claim = deliveries::claim(&mut conn, d, &message_id, &recipient, now_ms()).await?;
        drop(conn);
        // Another worker has it, or had it meanwhile (this copy is stale).
        let Some(claimed) = claim else { return Ok(()) };
        let answer = match d.channel {
            Channel::Email => {
                let mail = Mail {
                    message_id,
                    to: p.recipients,
                    subject: p.rendered.subject,
                    text: p.rendered.text,
                    html: p.rendered.html,
                };
                self.within_deadline(self.mailer.send(&mail)).await
            }
            _ => {
                let text = Text {
                    delivery_id: d.id.clone(),
                    to: recipient,
                    body: p.rendered.short.unwrap_or(p.rendered.subject),
                };
                self.within_deadline(self.texter.send(&text)).await
            }
        };
        let end = match answer {
            Ok(provider_id) => End::Sent { provider_id },
            Err(Refusal::Transient(reason)) => self.transient(&claimed, claimed.attempts, reason),
            Err(Refusal::Permanent(reason)) => End::Failed {
                reason,
                exhausted: false,
            },
            Err(Refusal::Uncertain(reason)) => End::Failed {
                reason: format!("{reason}; {}", deliveries::INTERRUPTED),
                exhausted: false,
            },
        };
        self.end(&claimed, end, None).await
    }

    /// A provider's answer within `send_timeout`; none in time is an uncertain end (the
    /// message may have been taken).
    async fn within_deadline(
        &self,
        send: impl std::future::Future<Output = Result<Option<String>, Refusal>>,
    ) -> Result<Option<String>, Refusal> {
        match tokio::time::timeout(self.send_timeout, send).await {
            Ok(answer) => answer,
            Err(_) => Err(Refusal::Uncertain(format!(
                "no answer within {:?}",
                self.send_timeout
            ))),
        }
    }

    /// A transient failure at the `attempt`-th attempt: another try later, or the end.
    pub(crate) fn transient(&self, d: &Delivery, attempt: i64, reason: String) -> End {
        if attempt >= i64::from(self.retry.attempts) {
            let reason = format!("gave up after {attempt} attempts: {reason}");
            return End::Failed {
                reason,
                exhausted: true,
            };
        }
        let jitter = rand::rng().random_range(-1.0..=1.0);
        let wait = self.retry.delay(attempt as u32, jitter);
        tracing::info!(delivery = %d.id, attempt, ?wait, %reason, "delivery will be retried");
        End::Retry {
            at: now_ms() + wait.as_millis() as i64,
            reason,
        }
    }

    /// Records `end` of `d` (as this worker last saw it: its state and attempts), its event
    /// and, for in-app, its `entry`.
    async fn end(&self, d: &Delivery, end: End, entry: Option<Entry>) -> vici_kit::Result<()> {
        let now = now_ms();
        let (outcome, status) = match &end {
            End::Sent { provider_id } => (
                Outcome::Sent {
                    provider_id: provider_id.clone(),
                    data: redacted(&d.data),
                },
                "sent",
            ),
            End::Retry { at, reason } => (
                Outcome::Retry {
                    at: *at,
                    reason: reason.clone(),
                },
                "retry",
            ),
            End::Failed { reason, .. } => (
                Outcome::Failed {
                    reason: reason.clone(),
                },
                "failed",
            ),
            End::Skipped { reason } => (
                Outcome::Skipped {
                    reason: reason.clone(),
                },
                "skipped",
            ),
        };
        let mut tx = self.db.begin().await.map_err(pool_error)?;
        if !deliveries::finish(&mut tx, d, &outcome, now).await? {
            return Ok(()); // another worker moved it meanwhile
        }
        match &end {
            End::Sent { .. } => {
                let id = entry.as_ref().map_or(d.id.as_str(), |e| e.id.as_str());
                events::sent(&mut tx, d, id).await?;
                if let Some(e) = &entry {
                    inbox::insert(&mut tx, e).await?;
                }
            }
            End::Failed { reason, exhausted } => {
                events::failed(&mut tx, d, reason, *exhausted).await?
            }
            End::Retry { .. } | End::Skipped { .. } => {}
        }
        tx.commit().await.map_err(pool_error)?;
        if !matches!(end, End::Retry { .. }) {
            let dead = matches!(
                end,
                End::Failed {
                    exhausted: true,
                    ..
                }
            );
            events::count(d, status, dead);
            self.outbox.wake();
        }
        if let Some(e) = entry {
            self.live.announce(e);
        }
        Ok(())
    }
}

pub(crate) fn skipped(reason: impl Into<String>) -> End {
    End::Skipped {
        reason: reason.into(),
    }
}

/// The event data kept once a message has gone: a mailed link's token is not kept alive in
/// the log.
fn redacted(data: &Value) -> Value {
    let mut kept = data.clone();
    if let Some(token) = kept.get_mut("token") {
        *token = Value::from(REDACTED);
    }
    kept
}

fn pool_error(e: sqlx::Error) -> vici_kit::Error {
    vici_store::error::map_sqlx(e, &[], "reaching the notification database")
}

/// Runs rounds until `shutdown`: when woken by new deliveries, else every `poll`.
pub fn spawn(
    worker: Arc<Worker>,
    wake: Arc<Notify>,
    poll: Duration,
    shutdown: Shutdown,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match worker.round().await {
                Ok(n) if n as i64 == BATCH => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %format!("{e:#}"), "notification round failed"),
            }
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = wake.notified() => {}
                _ = tokio::time::sleep(poll) => {}
            }
        }
    })
}
