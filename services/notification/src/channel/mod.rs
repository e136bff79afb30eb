//! The ways a message leaves the shop: email ([`email`]: SMTP, or `.eml` files when no server
//! is configured) and SMS ([`sms`]: a Twilio-shaped HTTP API, or `.json` files). In-app
//! notifications never leave: the worker stores them itself.
pub mod email;
pub mod sms;

/// Why a provider did not accept a message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Worth another try later: the server is down or busy, a 4xx SMTP reply, HTTP 429 or 5xx,
    /// a timeout.
    #[error("{0}")]
    Transient(String),
    /// Will never work as it is: an SMTP 5xx such as 550 (no such mailbox), an HTTP 4xx, an
    /// address that is not one.
    #[error("{0}")]
    Permanent(String),
    /// The message may or may not have been taken: the connection broke or the answer did not
    /// come in time after it was handed over. Never retried (at most once).
    #[error("{0}")]
    Uncertain(String),
}

/// A mail ready to go.
#[derive(Clone, Debug)]
pub struct Mail {
    /// The `Message-ID` header, derived from the delivery, stored before sending.
    pub message_id: String,
    /// `(name, address)` of each recipient.
    pub to: Vec<(String, String)>,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// A text message ready to go.
#[derive(Clone, Debug)]
pub struct Text {
    /// The delivery's id: the file name, and the idempotency key offered to the provider.
    pub delivery_id: String,
    pub to: String,
    pub body: String,
}

/// Where mail goes. Accepted: the provider's id for it, when it names one.
#[async_trait::async_trait]
pub trait Mailer: Send + Sync + 'static {
    async fn send(&self, mail: &Mail) -> Result<Option<String>, Refusal>;
}

/// Where text messages go. Accepted: the provider's id for it.
#[async_trait::async_trait]
pub trait Texter: Send + Sync + 'static {
    async fn send(&self, text: &Text) -> Result<Option<String>, Refusal>;
}

/// Writes `bytes` to `dir/name` through a temporary file, so a reader never sees half a file.
async fn write_file(dir: &std::path::Path, name: &str, bytes: &[u8]) -> Result<(), Refusal> {
    let failed = |e: std::io::Error| Refusal::Transient(format!("writing {name}: {e}"));
    tokio::fs::create_dir_all(dir).await.map_err(failed)?;
    let partial = dir.join(format!(".{name}.partial"));
    tokio::fs::write(&partial, bytes).await.map_err(failed)?;
    tokio::fs::rename(&partial, dir.join(name))
        .await
        .map_err(failed)
}
