//! Idempotency-Key handling around the saga: claim the key, replay what it answered (errors
//! included), wait for a duplicate still running, refuse the key with another body.
use std::future::Future;
use std::time::Duration;

use vici_kit::{Error, Result};
use vici_store::claim::{Patience, Poll, wait_for_first};
use vici_store::now_ms;
use vici_types::idempotency::{KEEP_MS, Scope};
use vici_types::{IdempotencyKey, UserId};

use super::Service;
use crate::domain::order::Order;
use crate::domain::outcome::{Answer, Outcome, Presented};
use crate::saga::Failure;
use crate::store::idempotency::{self, Existing};

/// How long a duplicate waits for the first request with its key (a whole checkout, payment
/// included) before answering "retry", and how often it reads the key's row meanwhile.
const PATIENCE: Patience = Patience {
    total: Duration::from_secs(30),
    every: Duration::from_millis(50),
};

impl Service {
    /// Runs `op` once per (user, scope, key): a repeat gets the first answer. Without a key
    /// `op` simply runs.
    pub(crate) async fn once<F, Fut>(
        &self,
        user_id: &UserId,
        scope: Scope,
        idem: Option<Presented>,
        op: F,
    ) -> Result<Answer>
    where
        F: FnOnce(Option<IdempotencyKey>) -> Fut,
        Fut: Future<Output = Result<Order, Failure>>,
    {
        let Some(Presented { key, fingerprint }) = idem else {
            return op(None).await.map(Answer::fresh).map_err(|f| f.error);
        };
        let key = IdempotencyKey { scope, key };
        loop {
            let now = now_ms();
            let claimed = {
                let mut conn = self
                    .engine
                    .writer("taking a connection to claim an idempotency key")
                    .await?;
                let expired_before = now - KEEP_MS;
                idempotency::claim(&mut conn, user_id, &key, &fingerprint, now, expired_before)
                    .await?
            };
            let Some(row) = claimed else {
                return self.run_claimed(user_id, key, op).await;
            };
            // Someone else holds the key: wait for its outcome by reading (no writes), or claim
            // again once its claim was given up (a server fault frees the key).
            let mut seen = Some(row);
            let first = wait_for_first(
                PATIENCE,
                || {
                    let seen = seen.take();
                    let (key, fingerprint) = (&key, fingerprint.as_str());
                    async move {
                        let row = match seen {
                            Some(row) => Some(row),
                            None => {
                                let mut conn =
                                    self.engine.reader("taking a read connection for an idempotency key").await?;
                                idempotency::read(&mut conn, user_id, key).await?
                            }
                        };
                        look(row, fingerprint)
                    }
                },
                || {
                    Error::conflict(
                        "A request with this Idempotency-Key is still being processed; retry shortly",
                    )
                    .with_detail("retryable", "true")
                },
            )
            .await?;
            if let Some(text) = first {
                return replay(&text);
            }
        }
    }

    async fn run_claimed<F, Fut>(
        &self,
        user_id: &UserId,
        key: IdempotencyKey,
        op: F,
    ) -> Result<Answer>
    where
        F: FnOnce(Option<IdempotencyKey>) -> Fut,
        Fut: Future<Output = Result<Order, Failure>>,
    {
        let result = op(Some(key.clone())).await;
        // The saga stores its own outcome when it ends (a success in the transaction that
        // finalises the order); this covers the errors given before it started, and is a no-op
        // for the others: the first stored outcome stays.
        let settle = match &result {
            Ok(_) => None,
            Err(f) if f.settled && Outcome::keeps(&f.error) => {
                Some(Some(Outcome::failure(&f.error)))
            }
            Err(f) if f.settled => Some(None),
            // A saga left running: recovery settles its key.
            Err(_) => None,
        };
        if let Some(outcome) = settle {
            let mut conn = self
                .engine
                .writer("taking a connection to settle an idempotency key")
                .await?;
            match outcome {
                Some(o) => {
                    idempotency::finish(&mut conn, user_id, &key, &o.to_text(), now_ms()).await
                }
                None => idempotency::forget(&mut conn, user_id, &key).await,
            }?;
        }
        result.map(Answer::fresh).map_err(|f| f.error)
    }
}

/// What a duplicate sees in its key's row: the first answer, the first request still running,
/// or no row (the claim was given up). The key sent with another request is refused at once.
fn look(row: Option<Existing>, fingerprint: &str) -> Result<Poll<String>> {
    match row {
        None => Ok(Poll::Free),
        Some(r) if r.fingerprint != fingerprint => Err(Error::conflict(
            "This Idempotency-Key was already used with a different request",
        )),
        Some(Existing {
            outcome: Some(text),
            ..
        }) => Ok(Poll::Done(text)),
        Some(_) => Ok(Poll::Busy),
    }
}

/// The answer stored for a key, as the first request got it.
fn replay(text: &str) -> Result<Answer> {
    let stored = Outcome::from_text(text)
        .map_err(|e| Error::internal(e.context("stored idempotent outcome")))?;
    Ok(Answer::Replayed(stored.replay()?))
}
