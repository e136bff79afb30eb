//! The in-process provider: the contract's test payment methods behave as their names say
//! (`pm_card_visa` / `pm_card_mastercard` are authorised, the `chargeDeclined` ones declined),
//! every call after the configured latency. It keeps no state: captures, voids and refunds of
//! anything it authorised succeed.
use std::time::Duration;

use super::ProviderResult;
use super::{Authorization, CreatedIntent, Decline, NewIntent, Provider, ProviderError};
use crate::domain::ProviderKind;

/// The methods it knows, with the decline each one gives (`None` = authorised).
const METHODS: &[(&str, Option<(&str, &str)>)] = &[
    ("pm_card_visa", None),
    ("pm_card_mastercard", None),
    (
        "pm_card_chargeDeclined",
        Some(("card_declined", "Your card was declined.")),
    ),
    (
        "pm_card_chargeDeclinedInsufficientFunds",
        Some(("insufficient_funds", "Your card has insufficient funds.")),
    ),
];

pub struct Simulated {
    latency: Duration,
}

impl Simulated {
    pub fn new(latency: Duration) -> Self {
        Self { latency }
    }

    async fn wait(&self) {
        if !self.latency.is_zero() {
            tokio::time::sleep(self.latency).await;
        }
    }

    fn outcome(method: &str) -> ProviderResult<Option<(&'static str, &'static str)>> {
        METHODS
            .iter()
            .find(|(m, _)| *m == method)
            .map(|(_, decline)| *decline)
            .ok_or_else(|| {
                let known: Vec<&str> = METHODS.iter().map(|(m, _)| *m).collect();
                ProviderError::Refused(format!(
                    "Unknown payment method `{method}`; use one of {}, or {}",
                    known.join(", "),
                    crate::domain::CASH_ON_DELIVERY
                ))
            })
    }
}

fn random_hex() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

#[async_trait::async_trait]
impl Provider for Simulated {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Simulated
    }

    fn check_method(&self, method: &str) -> ProviderResult<()> {
        Self::outcome(method).map(|_| ())
    }

    async fn create_intent(&self, _intent: NewIntent<'_>) -> ProviderResult<CreatedIntent> {
        self.wait().await;
        let id = format!("pi_sim_{}", random_hex());
        let client_secret = format!("{id}_secret_{}", random_hex());
        Ok(CreatedIntent { id, client_secret })
    }

    async fn authorize(
        &self,
        _intent: &str,
        method: &str,
        _key: &str,
    ) -> ProviderResult<Authorization> {
        self.wait().await;
        Ok(match Self::outcome(method)? {
            None => Authorization::Authorized,
            Some((code, message)) => Authorization::Declined(Decline {
                code: code.into(),
                message: message.into(),
            }),
        })
    }

    async fn capture(&self, _intent: &str, _amount: i64, _key: &str) -> ProviderResult<()> {
        self.wait().await;
        Ok(())
    }

    async fn void(&self, _intent: &str, _key: &str) -> ProviderResult<()> {
        self.wait().await;
        Ok(())
    }

    async fn refund(&self, _intent: &str, _amount: i64, _key: &str) -> ProviderResult<String> {
        self.wait().await;
        Ok(format!("re_sim_{}", random_hex()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn test_methods_behave_as_named() {
        let p = Simulated::new(Duration::ZERO);
        for m in ["pm_card_visa", "pm_card_mastercard"] {
            assert_eq!(
                p.authorize("pi", m, "k").await.unwrap(),
                Authorization::Authorized
            );
        }
        let Authorization::Declined(d) = p
            .authorize("pi", "pm_card_chargeDeclinedInsufficientFunds", "k")
            .await
            .unwrap()
        else {
            panic!("expected a decline");
        };
        assert_eq!(d.code, "insufficient_funds");
        let Err(ProviderError::Refused(msg)) = p.check_method("pm_card_amex") else {
            panic!("expected a refusal");
        };
        assert!(
            msg.contains("pm_card_visa") && msg.contains("cash_on_delivery"),
            "{msg}"
        );
    }
}
