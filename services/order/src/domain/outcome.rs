//! What an idempotent request answered, stored so a replay gives the identical gRPC status: the
//! encoded Order message for a success, or the error's code, message and details. The encoding
//! is the API's, handed down by the gRPC layer (`Encode`), so rows written by any release replay
//! byte for byte; a replayed success comes back as those bytes (`Answer::Replayed`).
use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use vici_kit::{Error, ErrorCode};
use vici_types::idempotency::Key;

use super::order::Order;

/// How a success is stored for replays: the API's encoding of the order.
pub type Encode = fn(&Order) -> Vec<u8>;

/// An idempotent request's answer: the order it made now, or what the first request with its
/// key answered, as stored.
#[derive(Debug)]
pub enum Answer {
    Fresh(Box<Order>),
    Replayed(Vec<u8>),
}

impl Answer {
    pub fn fresh(order: Order) -> Self {
        Self::Fresh(Box::new(order))
    }
}

/// The `Idempotency-Key` a request came with, and the fingerprint of the request it guards.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Presented {
    pub key: Key,
    pub fingerprint: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Outcome {
    /// The answer's protobuf bytes, base64.
    Ok { message: String },
    Err {
        code: String,
        message: String,
        details: BTreeMap<String, Value>,
    },
}

impl Outcome {
    pub fn success(encoded: &[u8]) -> Self {
        Self::Ok {
            message: STANDARD.encode(encoded),
        }
    }

    pub fn failure(e: &Error) -> Self {
        Self::Err {
            code: e.code.as_str().to_string(),
            message: e.message.clone(),
            details: e.details.clone(),
        }
    }

    /// Whether a failure is worth remembering: what the request itself earned (4xx, 402, 409).
    /// A server fault is not stored, so a retry with the same key runs again.
    pub fn keeps(e: &Error) -> bool {
        !e.code.is_server_fault()
    }

    pub fn to_text(&self) -> String {
        serde_json::to_string(self).expect("outcomes serialise")
    }

    pub fn from_text(text: &str) -> anyhow::Result<Self> {
        Ok(serde_json::from_str(text)?)
    }

    /// The stored answer: the message bytes, or the error as it was first answered.
    pub fn replay(self) -> Result<Vec<u8>, Error> {
        match self {
            Self::Ok { message } => STANDARD
                .decode(message)
                .map_err(|e| Error::internal(anyhow::anyhow!("stored outcome: {e}"))),
            Self::Err {
                code,
                message,
                details,
            } => {
                let code = ErrorCode::parse(&code).unwrap_or(ErrorCode::Internal);
                let mut e = Error::new(code, message);
                e.details = details;
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_replay_with_code_message_and_details() {
        let e = Error::new(ErrorCode::PaymentFailed, "Your card was declined.")
            .with_detail("orderId", "o1");
        let stored = Outcome::failure(&e).to_text();
        let back = Outcome::from_text(&stored).unwrap().replay().unwrap_err();
        let (a, b) = (e.into_status(), back.into_status());
        assert_eq!(
            (a.code(), a.message(), a.details()),
            (b.code(), b.message(), b.details())
        );
        assert_eq!(
            a.metadata().get(vici_kit::error::ERROR_CODE_METADATA),
            b.metadata().get(vici_kit::error::ERROR_CODE_METADATA)
        );
    }

    #[test]
    fn successes_replay_their_bytes() {
        let stored = Outcome::success(&[1, 2, 250]).to_text();
        assert_eq!(
            Outcome::from_text(&stored).unwrap().replay().unwrap(),
            vec![1, 2, 250]
        );
        assert!(!Outcome::keeps(&Error::unavailable("down")));
        assert!(Outcome::keeps(&Error::conflict("no")));
    }
}
