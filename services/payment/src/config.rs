//! The payment service's settings (`payment.*`): which provider takes the money, and how
//! webhooks are verified.
use std::time::Duration;

use vici_kit::config::{ConfigError, Key, Section, Settings, key, secret};

/// Which payment provider takes the money.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PaymentProvider {
    /// In-process: the contract's test payment methods behave as named, after `latency`.
    Simulated { latency: Duration },
    /// Stripe's REST API at `api_url` with a secret key (`sk_…`).
    Stripe { secret_key: String, api_url: String },
}

#[derive(Clone, Debug)]
pub struct PaymentConfig {
    pub provider: PaymentProvider,
    /// The webhook signing secret (`whsec_…`); unset = webhooks are refused.
    pub webhook_secret: Option<String>,
    /// How old a webhook's signed timestamp may be.
    pub webhook_tolerance: Duration,
}

impl Section for PaymentConfig {
    const KEYS: &'static [Key] = &[
        key(
            "payment.provider",
            "VICI_PAYMENT_PROVIDER",
            Some("simulated"),
        ),
        key(
            "payment.simulated_latency_ms",
            "VICI_PAYMENT_LATENCY_MS",
            Some("150"),
        ),
        secret("payment.stripe_secret_key", "VICI_STRIPE_SECRET_KEY"),
        key(
            "payment.stripe_api_url",
            "VICI_STRIPE_API_URL",
            Some("https://api.stripe.com"),
        ),
        secret(
            "payment.stripe_webhook_secret",
            "VICI_STRIPE_WEBHOOK_SECRET",
        ),
        key(
            "payment.webhook_tolerance_secs",
            "VICI_STRIPE_WEBHOOK_TOLERANCE_SECS",
            Some("300"),
        ),
    ];

    fn parse(s: &Settings) -> Result<Self, ConfigError> {
        let provider = match s.get("payment.provider").unwrap_or_default().trim() {
            "simulated" => PaymentProvider::Simulated {
                latency: s.millis("payment.simulated_latency_ms", 0..=60_000)?,
            },
            "stripe" => PaymentProvider::Stripe {
                secret_key: s.text("payment.stripe_secret_key").ok_or_else(|| {
                    s.error(
                        "payment.stripe_secret_key",
                        "the stripe provider needs a secret key (sk_…)",
                    )
                })?,
                api_url: s
                    .url("payment.stripe_api_url", &["http", "https"])?
                    .unwrap_or_default()
                    .trim_end_matches('/')
                    .to_string(),
            },
            other => {
                let problem = format!("`{other}` is not `simulated` or `stripe`");
                return Err(s.error("payment.provider", problem));
            }
        };
        Ok(Self {
            provider,
            webhook_secret: s.text("payment.stripe_webhook_secret"),
            webhook_tolerance: s.secs("payment.webhook_tolerance_secs", 1..=86_400)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vici_kit::Config;

    fn config(env: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let env = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_sources(None, &env, &[PaymentConfig::KEYS])
    }

    #[test]
    fn simulated_by_default_stripe_when_configured_with_secrets_hidden() {
        let c: PaymentConfig = config(&[]).unwrap().section().unwrap();
        let latency = Duration::from_millis(150);
        assert_eq!(c.provider, PaymentProvider::Simulated { latency });
        assert!(c.webhook_secret.is_none());
        let all = config(&[
            ("VICI_PAYMENT_PROVIDER", "stripe"),
            ("VICI_STRIPE_SECRET_KEY", "sk_test_123"),
            ("VICI_STRIPE_API_URL", "http://127.0.0.1:9/"),
            ("VICI_STRIPE_WEBHOOK_SECRET", "whsec_abc"),
        ])
        .unwrap();
        let c: PaymentConfig = all.section().unwrap();
        let stripe = PaymentProvider::Stripe {
            secret_key: "sk_test_123".into(),
            api_url: "http://127.0.0.1:9".into(),
        };
        assert_eq!(c.provider, stripe);
        for k in ["payment.stripe_secret_key", "payment.stripe_webhook_secret"] {
            let shown = all
                .describe()
                .into_iter()
                .find(|(name, ..)| name == k)
                .unwrap();
            assert_eq!(shown.1, "****", "{k}");
        }
    }

    #[test]
    fn a_provider_without_its_settings_names_the_key() {
        let stripe = config(&[("VICI_PAYMENT_PROVIDER", "stripe")]).unwrap();
        let e = stripe.section::<PaymentConfig>().unwrap_err();
        assert_eq!(e.key, "payment.stripe_secret_key");
        let paypal = config(&[("VICI_PAYMENT_PROVIDER", "paypal")]).unwrap();
        let e = paypal.section::<PaymentConfig>().unwrap_err();
        assert_eq!(e.key, "payment.provider");
    }
}
