//! Stripe's REST API (`/v1/payment_intents`, `/v1/refunds`): form-encoded POSTs with the secret
//! key as a bearer token and an `Idempotency-Key` on every one, so a repeated call is answered
//! with Stripe's first answer instead of acting twice. A 402 `card_error` is a decline; other
//! 4xx answers are refusals (nothing happened); 5xx, 429, 401/403 and network failures leave
//! the outcome unknown.
use std::time::Duration;

use anyhow::anyhow;
use serde::Deserialize;
use serde_json::Value;

use super::ProviderResult;
use super::{Authorization, CreatedIntent, Decline, NewIntent, Provider, ProviderError};
use crate::domain::ProviderKind;

/// Longer than Stripe's own processing of a confirm, shorter than the saga's patience.
const TIMEOUT: Duration = Duration::from_secs(15);

pub struct Stripe {
    http: reqwest::Client,
    secret_key: String,
    api_url: String,
}

/// Stripe's error object (`{"error": {…}}`).
#[derive(Debug, Default, Deserialize)]
struct StripeError {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    decline_code: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    payment_intent: Option<Value>,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: StripeError,
}

/// What a POST came back with, short of an unknown outcome.
enum Answer {
    Object(Value),
    /// A 402 `card_error`.
    Card(StripeError),
}

impl StripeError {
    /// The contract's failure code: the issuer's reason when Stripe gives a specific one
    /// (`insufficient_funds`), else Stripe's code (`card_declined`).
    fn decline(self) -> Decline {
        let code = self
            .decline_code
            .filter(|c| c != "generic_decline")
            .or(self.code)
            .unwrap_or_else(|| "card_declined".into());
        Decline {
            code,
            message: self
                .message
                .unwrap_or_else(|| "Your card was declined.".into()),
        }
    }

    fn intent_status(&self) -> Option<&str> {
        self.payment_intent.as_ref()?.get("status")?.as_str()
    }
}

fn field<'a>(object: &'a Value, name: &str) -> ProviderResult<&'a str> {
    object[name]
        .as_str()
        .ok_or_else(|| ProviderError::Unknown(anyhow!("Stripe answered without `{name}`")))
}

impl Stripe {
    pub fn new(secret_key: &str, api_url: &str) -> anyhow::Result<Self> {
        Ok(Self {
            http: reqwest::Client::builder().timeout(TIMEOUT).build()?,
            secret_key: secret_key.to_string(),
            api_url: api_url.trim_end_matches('/').to_string(),
        })
    }

    async fn post(&self, path: &str, form: &[(&str, String)], key: &str) -> ProviderResult<Answer> {
        let url = format!("{}{path}", self.api_url);
        let unknown = |e: anyhow::Error| ProviderError::Unknown(e.context(format!("POST {path}")));
        let response = self
            .http
            .post(&url)
            .bearer_auth(&self.secret_key)
            .header("Idempotency-Key", key)
            .form(form)
            .send()
            .await
            .map_err(|e| unknown(e.into()))?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| unknown(e.into()))?;
        if status.is_success() {
            return serde_json::from_slice(&body)
                .map(Answer::Object)
                .map_err(|e| unknown(e.into()));
        }
        let error = serde_json::from_slice::<ErrorBody>(&body)
            .map(|b| b.error)
            .unwrap_or_default();
        let code = status.as_u16();
        if code == 402 && error.kind == "card_error" {
            return Ok(Answer::Card(error));
        }
        // A request Stripe understood and turned down; the rest (our key, its load, its
        // faults, a concurrent request holding the same idempotency key) are not for the caller.
        if (400..500).contains(&code) && ![401, 403, 409, 429].contains(&code) {
            if error.intent_status() == Some("canceled") && path.ends_with("/cancel") {
                return Ok(Answer::Object(error.payment_intent.unwrap_or_default()));
            }
            return Err(ProviderError::Refused(error.message.unwrap_or_else(|| {
                "The payment provider refused the request".into()
            })));
        }
        Err(unknown(anyhow!(
            "Stripe answered {status}: {}",
            error.message.unwrap_or_default()
        )))
    }

    /// A 2xx object, with a card error where none is expected (capture, refund) a refusal.
    async fn object(
        &self,
        path: &str,
        form: &[(&str, String)],
        key: &str,
    ) -> ProviderResult<Value> {
        match self.post(path, form, key).await? {
            Answer::Object(v) => Ok(v),
            Answer::Card(e) => Err(ProviderError::Refused(e.decline().message)),
        }
    }
}

#[async_trait::async_trait]
impl Provider for Stripe {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Stripe
    }

    fn check_method(&self, method: &str) -> ProviderResult<()> {
        if method.starts_with("pm_") {
            Ok(())
        } else {
            Err(ProviderError::Refused(format!(
                "Unknown payment method `{method}`; use a Stripe PaymentMethod id (pm_…) or {}",
                crate::domain::CASH_ON_DELIVERY
            )))
        }
    }

    async fn create_intent(&self, intent: NewIntent<'_>) -> ProviderResult<CreatedIntent> {
        let mut form = vec![
            ("amount", intent.amount_cents.to_string()),
            ("currency", intent.currency.to_ascii_lowercase()),
            ("capture_method", "manual".into()),
            ("payment_method_types[]", "card".into()),
            ("metadata[user_id]", intent.user_id.into()),
        ];
        if let Some(order) = intent.order_id {
            form.push(("metadata[order_id]", order.into()));
        }
        let pi = self
            .object("/v1/payment_intents", &form, intent.idempotency_key)
            .await?;
        Ok(CreatedIntent {
            id: field(&pi, "id")?.into(),
            client_secret: pi["client_secret"].as_str().unwrap_or_default().into(),
        })
    }

    async fn authorize(
        &self,
        intent_id: &str,
        method: &str,
        key: &str,
    ) -> ProviderResult<Authorization> {
        let path = format!("/v1/payment_intents/{intent_id}/confirm");
        let pi = match self
            .post(&path, &[("payment_method", method.into())], key)
            .await?
        {
            Answer::Card(e) => return Ok(Authorization::Declined(e.decline())),
            Answer::Object(pi) => pi,
        };
        match field(&pi, "status")? {
            "requires_capture" | "succeeded" => Ok(Authorization::Authorized),
            "requires_action" => Ok(Authorization::Declined(Decline {
                code: "authentication_required".into(),
                message: "Your card needs authentication, which this checkout cannot do.".into(),
            })),
            "requires_payment_method" => {
                let last = serde_json::from_value::<StripeError>(pi["last_payment_error"].clone())
                    .unwrap_or_default();
                Ok(Authorization::Declined(last.decline()))
            }
            other => Err(ProviderError::Unknown(anyhow!(
                "payment intent {intent_id} is `{other}` after confirmation"
            ))),
        }
    }

    async fn capture(&self, intent_id: &str, amount: i64, key: &str) -> ProviderResult<()> {
        let path = format!("/v1/payment_intents/{intent_id}/capture");
        self.object(&path, &[("amount_to_capture", amount.to_string())], key)
            .await
            .map(|_| ())
    }

    async fn void(&self, intent_id: &str, key: &str) -> ProviderResult<()> {
        let path = format!("/v1/payment_intents/{intent_id}/cancel");
        self.object(&path, &[], key).await.map(|_| ())
    }

    async fn refund(&self, intent_id: &str, amount: i64, key: &str) -> ProviderResult<String> {
        let form = [
            ("payment_intent", intent_id.to_string()),
            ("amount", amount.to_string()),
        ];
        let refund = self.object("/v1/refunds", &form, key).await?;
        match field(&refund, "status")? {
            "failed" | "canceled" => Err(ProviderError::Refused(
                "The payment provider could not refund this payment".into(),
            )),
            _ => Ok(field(&refund, "id")?.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declines_prefer_the_specific_reason() {
        let body = r#"{"error":{"type":"card_error","code":"card_declined",
            "decline_code":"insufficient_funds","message":"Your card has insufficient funds."}}"#;
        let e = serde_json::from_str::<ErrorBody>(body)
            .unwrap()
            .error
            .decline();
        assert_eq!(e.code, "insufficient_funds");
        let body = r#"{"error":{"type":"card_error","code":"card_declined",
            "decline_code":"generic_decline","message":"Your card was declined."}}"#;
        let e = serde_json::from_str::<ErrorBody>(body)
            .unwrap()
            .error
            .decline();
        assert_eq!(
            (e.code.as_str(), e.message.as_str()),
            ("card_declined", "Your card was declined.")
        );
    }
}
