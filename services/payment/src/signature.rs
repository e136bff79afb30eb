//! Stripe's webhook signature: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=…][,v0=…]`, where a
//! valid v1 is hex(HMAC-SHA256(secret, "<t>.<payload>")). Any v1 may match (Stripe sends one
//! per active secret while a secret is being rolled); v0 and unknown schemes are ignored; the
//! comparison is constant-time; the timestamp must be within the tolerance of now, so a
//! captured request cannot be replayed later.
use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

#[derive(Debug, PartialEq, Eq)]
pub enum SignatureError {
    /// No `t=` or no `v1=` element, or a timestamp that is not a number.
    Malformed,
    /// No v1 signature matches the payload and secret.
    Mismatch,
    /// Signed too long ago (or too far in the future).
    Stale,
}

impl SignatureError {
    pub fn message(&self) -> &'static str {
        match self {
            Self::Malformed => "The Stripe-Signature header is malformed",
            Self::Mismatch => "The webhook signature does not match its payload",
            Self::Stale => "The webhook's signed timestamp is outside the allowed tolerance",
        }
    }
}

/// hex(HMAC-SHA256(secret, "<timestamp>.<payload>")).
pub fn sign(secret: &str, timestamp: i64, payload: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    crate::domain::hex(&mac.finalize().into_bytes())
}

/// Checks `header` against `payload` and `secret` at `now` (unix seconds).
pub fn verify(
    payload: &[u8],
    header: &str,
    secret: &str,
    tolerance: Duration,
    now: i64,
) -> Result<(), SignatureError> {
    let mut timestamp = None;
    let mut candidates = Vec::new();
    for element in header.split(',') {
        match element.trim().split_once('=') {
            Some(("t", t)) => {
                timestamp = Some(t.parse::<i64>().map_err(|_| SignatureError::Malformed)?)
            }
            Some(("v1", sig)) if !sig.is_empty() => candidates.push(sig),
            _ => {}
        }
    }
    let (Some(t), false) = (timestamp, candidates.is_empty()) else {
        return Err(SignatureError::Malformed);
    };
    let expected = sign(secret, t, payload);
    // Every candidate is compared in full, so timing tells nothing about which one was close.
    let matched = candidates.iter().fold(subtle::Choice::from(0), |acc, c| {
        acc | expected.as_bytes().ct_eq(c.as_bytes())
    });
    if !bool::from(matched) {
        return Err(SignatureError::Mismatch);
    }
    if now.abs_diff(t) > tolerance.as_secs() {
        return Err(SignatureError::Stale);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The published vector of Stripe's official .NET library: secret, timestamp, payload
    /// (`src/StripeTests/Resources/event_test_signature.json`, with its final newline) and
    /// header from `src/StripeTests/Services/Events/EventUtilityTest.cs` in
    /// github.com/stripe/stripe-dotnet, whose comment derives it with
    /// `(echo -n "1533204620." && cat event_test_signature.json) | openssl sha256 -hmac "webhook_secret"`.
    const SECRET: &str = "webhook_secret";
    const T: i64 = 1533204620;
    const HEADER: &str = "t=1533204620,v1=2220f87ef101a04665f11cdf770523143f875572008577fa0f20882ddb9cc3c7,v0=63f3a72374a733066c4be69ed7f8e5ac85c22c9f0a6a612ab9a025a9e4ee7eef";
    const PAYLOAD: &str = "{\n  \"id\": \"evt_123\",\n  \"object\": \"event\",\n  \"account\": \"acct_123\",\n  \"api_version\": \"2017-05-25\",\n  \"created\": 1533204620,\n  \"data\": {\n    \"object\": {\n      \"id\": \"cus_123\",\n      \"object\": \"customer\",\n      \"created\": 123456789,\n      \"email\": \"test@stripe.com\",\n      \"livemode\": false,\n      \"metadata\": {}\n    }\n  },\n  \"livemode\": false,\n  \"pending_webhooks\": 1,\n  \"request\": {\n    \"id\": \"req_123\",\n    \"idempotency_key\": \"idempotency-key-123\"\n  },\n  \"type\": \"customer.created\"\n}\n";
    const TOLERANCE: Duration = Duration::from_secs(300);

    #[test]
    fn stripes_published_vector_verifies() {
        assert_eq!(
            sign(SECRET, T, PAYLOAD.as_bytes()),
            "2220f87ef101a04665f11cdf770523143f875572008577fa0f20882ddb9cc3c7"
        );
        // As in the library's test: checked 100 s after signing, tolerance 300 s.
        assert_eq!(
            verify(PAYLOAD.as_bytes(), HEADER, SECRET, TOLERANCE, T + 100),
            Ok(())
        );
    }

    #[test]
    fn tampering_a_wrong_secret_and_age_are_refused() {
        let tampered = format!("{PAYLOAD}this_changes_the_json");
        assert_eq!(
            verify(tampered.as_bytes(), HEADER, SECRET, TOLERANCE, T),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(PAYLOAD.as_bytes(), HEADER, "whsec_other", TOLERANCE, T),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(PAYLOAD.as_bytes(), HEADER, SECRET, TOLERANCE, T + 301),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify(PAYLOAD.as_bytes(), HEADER, SECRET, TOLERANCE, T - 301),
            Err(SignatureError::Stale)
        );
    }

    #[test]
    fn any_v1_may_match_and_v0_alone_is_not_enough() {
        let good = "2220f87ef101a04665f11cdf770523143f875572008577fa0f20882ddb9cc3c7";
        let both = format!("t={T},v1={},v1={good}", "0".repeat(64));
        assert_eq!(
            verify(PAYLOAD.as_bytes(), &both, SECRET, TOLERANCE, T),
            Ok(())
        );
        let v0_only = format!("t={T},v0={good}");
        assert_eq!(
            verify(PAYLOAD.as_bytes(), &v0_only, SECRET, TOLERANCE, T),
            Err(SignatureError::Malformed)
        );
    }

    #[test]
    fn malformed_headers_are_refused() {
        // The header shapes the .NET library's test refuses, plus an empty one.
        for header in [
            "t=,v1=2220f87ef101a04665f11cdf770523143f875572008577fa0f20882ddb9cc3c7",
            "t,v1=,v0=",
            "t,v1=,v0",
            "t,v1=,",
            "t,,",
            ",,",
            "t",
            "",
        ] {
            assert_eq!(
                verify(b"{}", header, SECRET, TOLERANCE, T),
                Err(SignatureError::Malformed),
                "{header:?}"
            );
        }
    }
}
