//! SMS: a Twilio-shaped HTTP API (`POST {base}/2010-04-01/Accounts/{account}/Messages.json`,
//! form fields `To`, `From`, `Body`, basic auth with the account and token), or a `.json` file
//! per message when no provider is configured.
use std::path::PathBuf;
use std::time::Duration;

use reqwest::StatusCode;

use super::{Refusal, Text, Texter, write_file};

/// A provider's coordinates (`notification.sms_*`).
#[derive(Clone, Debug)]
pub struct Provider {
    pub base_url: String,
    pub account: String,
    pub token: String,
    pub from: String,
}

/// Text messages through the provider's HTTP API.
pub struct Http {
    provider: Provider,
    client: reqwest::Client,
}

impl Http {
    pub fn new(provider: Provider, timeout: Duration) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder().timeout(timeout).build()?;
        Ok(Self { provider, client })
    }
}

#[async_trait::async_trait]
impl Texter for Http {
    async fn send(&self, text: &Text) -> Result<Option<String>, Refusal> {
        let p = &self.provider;
        let url = format!(
            "{}/2010-04-01/Accounts/{}/Messages.json",
            p.base_url.trim_end_matches('/'),
            p.account
        );
        let form = [
            ("To", text.to.as_str()),
            ("From", p.from.as_str()),
            ("Body", text.body.as_str()),
        ];
        let sent = self
            .client
            .post(url)
            .basic_auth(&p.account, Some(&p.token))
            .header("Idempotency-Key", &text.delivery_id)
            .form(&form)
            .send()
            .await
            .map_err(|e| {
                if e.is_connect() {
                    Refusal::Transient(format!("SMS provider unreachable: {e}"))
                } else {
                    Refusal::Uncertain(format!("SMS provider's answer lost: {e}"))
                }
            })?;
        let status = sent.status();
        let body: serde_json::Value = sent.json().await.unwrap_or_default();
        let said = |key: &str| body.get(key).and_then(|v| v.as_str()).map(str::to_string);
        if status.is_success() {
            return Ok(said("sid"));
        }
        let reason = format!(
            "SMS provider answered {status}: {}",
            said("message").unwrap_or_default()
        );
        if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
            Err(Refusal::Transient(reason))
        } else {
            Err(Refusal::Permanent(reason))
        }
    }
}

/// Text messages written as `<dir>/<delivery>.json`.
pub struct Files {
    dir: PathBuf,
    from: String,
}

impl Files {
    pub fn new(dir: PathBuf, from: String) -> Self {
        Self { dir, from }
    }
}

#[async_trait::async_trait]
impl Texter for Files {
    async fn send(&self, text: &Text) -> Result<Option<String>, Refusal> {
        let body = serde_json::json!({"to": text.to, "from": self.from, "body": text.body});
        let name = format!("{}.json", text.delivery_id);
        write_file(&self.dir, &name, body.to_string().as_bytes()).await?;
        tracing::info!(to = %text.to, file = %self.dir.join(&name).display(), "text message written");
        Ok(None)
    }
}
