//! CreateIntent: a provider intent for an amount, before any order exists. Repeating the
//! user's idempotency key returns the stored intent; two concurrent first calls with one key
//! both ask the provider (with the same key, so Stripe answers both with one intent) and the
//! row that lands first wins.
use vici_kit::{Error, Result};
use vici_store::now_ms;
use vici_types::UserId;

use super::Service;
use crate::domain::{self, Intent, IntentStatus};
use crate::provider::NewIntent;
use crate::store::intents;

pub struct IntentRequest {
    pub user_id: UserId,
    pub amount_cents: i64,
    pub currency: String,
    pub idempotency_key: String,
}

impl Service {
    pub async fn create_intent(&self, req: IntentRequest) -> Result<Intent> {
        let user_id = req.user_id.as_str();
        let amount = domain::positive_amount(req.amount_cents)?;
        let currency = domain::currency(&req.currency)?;
        let key = Some(req.idempotency_key.trim()).filter(|k| !k.is_empty());
        if let Some(k) = key {
            let mut conn = self
                .reader("taking a read connection for a stored payment intent")
                .await?;
            if let Some(found) = intents::by_key(&mut conn, user_id, k).await? {
                return Ok(found);
            }
        }
        // Without a key every call is a new intent, so its provider key is fresh too.
        let provider_key = match key {
            Some(k) => format!("vici:intent:{user_id}:{k}"),
            None => format!("vici:intent:{}", vici_types::new_id()),
        };
        let created = self
            .provider
            .create_intent(NewIntent {
                amount_cents: amount,
                currency: &currency,
                user_id,
                order_id: None,
                idempotency_key: &provider_key,
            })
            .await
            .map_err(|e| e.into_error(None))?;
        let intent = Intent {
            id: created.id,
            user_id: user_id.to_string(),
            amount_cents: amount,
            currency,
            client_secret: created.client_secret,
            status: IntentStatus::Pending,
            order_id: None,
            created_at: now_ms(),
        };
        let mut tx = self
            .begin("starting the transaction storing an intent")
            .await?;
        let inserted =
            intents::insert(&mut tx, &intent, self.provider.kind().as_str(), key).await?;
        let stored = match (inserted, key) {
            (true, _) => intent,
            (false, Some(k)) => intents::by_key(&mut tx, user_id, k)
                .await?
                .ok_or_else(|| Error::internal(anyhow::anyhow!("intent under {k} vanished")))?,
            (false, None) => {
                return Err(Error::internal(anyhow::anyhow!(
                    "provider intent id {} is already stored",
                    intent.id
                )));
            }
        };
        self.commit(tx, "committing a new payment intent").await?;
        Ok(stored)
    }
}
