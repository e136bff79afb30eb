//! The payment provider port: create an intent, authorise it (manual capture: funds held),
//! capture, void and refund. A decline is a normal answer ([`Authorization::Declined`]); an
//! error means either the provider refused the request outright ([`ProviderError::Refused`],
//! nothing happened) or the outcome is unknown ([`ProviderError::Unknown`], repeat with the same
//! idempotency key to learn it). Every money-moving call takes the key the service derived from
//! its own stored ids, so a repeat is a repeat to the provider too.
pub mod simulated;
pub mod stripe;

use std::sync::Arc;

use crate::config::{PaymentConfig, PaymentProvider};
use vici_kit::Error;

pub use crate::domain::ProviderKind;

pub type SharedProvider = Arc<dyn Provider>;

/// What an intent is created for.
#[derive(Clone, Debug)]
pub struct NewIntent<'a> {
    pub amount_cents: i64,
    /// Upper-case ISO code.
    pub currency: &'a str,
    pub user_id: &'a str,
    /// Set when the intent is made for an order's attempt (metadata at the provider).
    pub order_id: Option<&'a str>,
    pub idempotency_key: &'a str,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreatedIntent {
    pub id: String,
    pub client_secret: String,
}

/// The card issuer said no: a code (`card_declined`, `insufficient_funds`, …) and a sentence
/// for the shopper.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decline {
    pub code: String,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Authorization {
    /// Funds are held until capture or void.
    Authorized,
    Declined(Decline),
}

#[derive(Debug)]
pub enum ProviderError {
    /// The provider refused the request itself (unknown method, wrong state): nothing happened.
    /// The message is fit for people.
    Refused(String),
    /// Network failure, timeout or a provider fault: the outcome is not known.
    Unknown(anyhow::Error),
}

impl ProviderError {
    /// As a caller sees it: a refusal of an authorisation is a bad payment method; of anything
    /// else a conflict with the payment's state; an unknown outcome is retryable.
    pub fn into_error(self, refused_field: Option<&str>) -> Error {
        match self {
            Self::Refused(message) => match refused_field {
                Some(field) => Error::validation(field, message),
                None => Error::conflict(message),
            },
            Self::Unknown(e) => {
                tracing::warn!(error = %format!("{e:#}"), "payment provider call failed");
                Error::unavailable(
                    "The payment provider did not answer; the same request can be retried",
                )
                .with_detail("retryable", "true")
            }
        }
    }
}

pub type ProviderResult<T> = Result<T, ProviderError>;

#[async_trait::async_trait]
pub trait Provider: Send + Sync {
    fn kind(&self) -> ProviderKind;

    /// Refuses a payment method this provider cannot take, before anything is recorded.
    fn check_method(&self, method: &str) -> ProviderResult<()>;

    async fn create_intent(&self, intent: NewIntent<'_>) -> ProviderResult<CreatedIntent>;

    /// Confirms `intent_id` with `method`, manual capture.
    async fn authorize(
        &self,
        intent_id: &str,
        method: &str,
        idempotency_key: &str,
    ) -> ProviderResult<Authorization>;

    async fn capture(
        &self,
        intent_id: &str,
        amount_cents: i64,
        idempotency_key: &str,
    ) -> ProviderResult<()>;

    /// Releases an authorisation (or an intent never confirmed).
    async fn void(&self, intent_id: &str, idempotency_key: &str) -> ProviderResult<()>;

    /// Refunds part of a captured intent; the provider's refund id.
    async fn refund(
        &self,
        intent_id: &str,
        amount_cents: i64,
        idempotency_key: &str,
    ) -> ProviderResult<String>;
}

/// The provider `config` names.
pub fn from_config(config: &PaymentConfig) -> anyhow::Result<SharedProvider> {
    Ok(match &config.provider {
        PaymentProvider::Simulated { latency } => Arc::new(simulated::Simulated::new(*latency)),
        PaymentProvider::Stripe {
            secret_key,
            api_url,
        } => Arc::new(stripe::Stripe::new(secret_key, api_url)?),
    })
}
