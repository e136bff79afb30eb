//! A stand-in for api.stripe.com on a port-0 listener: it records every request as Stripe
//! would receive it (method, path, headers, form fields) and answers with objects shaped like
//! the examples of Stripe's API reference (docs.stripe.com/api: the PaymentIntent object, its
//! confirm / capture / cancel answers, the Refund object, and the 402 `card_error`). Like
//! Stripe, it replays its first answer to a repeated `Idempotency-Key`.
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::{Value, json};

pub const SECRET_KEY: &str = "sk_test_vici_fake";

#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub authorization: String,
    pub idempotency_key: String,
    pub content_type: String,
    pub form: Vec<(String, String)>,
}

impl Seen {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct Inner {
    seen: Mutex<Vec<Seen>>,
    replies: Mutex<HashMap<String, (u16, Value)>>,
    intents: Mutex<HashMap<String, Value>>,
    next: AtomicUsize,
    /// Confirmations to fail with a 500 before answering normally.
    failing_confirms: AtomicUsize,
}

#[derive(Clone)]
pub struct FakeStripe {
    pub url: String,
    inner: Arc<Inner>,
}

impl FakeStripe {
    pub async fn start() -> Self {
        let inner = Arc::new(Inner::default());
        let router = Router::new().fallback(handle).with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self { url, inner }
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.inner.seen.lock().unwrap().clone()
    }

    pub fn fail_next_confirms(&self, n: usize) {
        self.inner.failing_confirms.store(n, Ordering::SeqCst);
    }
}

/// `application/x-www-form-urlencoded` pairs, decoded.
fn parse_form(body: &[u8]) -> Vec<(String, String)> {
    fn decode(s: &str) -> String {
        let bytes = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < bytes.len() => {
                    let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                    out.push(u8::from_str_radix(hex, 16).unwrap());
                    i += 2;
                }
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8(out).unwrap()
    }
    std::str::from_utf8(body)
        .unwrap()
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn header(headers: &HeaderMap, name: &str) -> String {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

async fn handle(
    State(inner): State<Arc<Inner>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let seen = Seen {
        method: method.to_string(),
        path: uri.path().to_string(),
        authorization: header(&headers, "authorization"),
        idempotency_key: header(&headers, "idempotency-key"),
        content_type: header(&headers, "content-type"),
        form: parse_form(&body),
    };
    inner.seen.lock().unwrap().push(seen.clone());
    let replay = inner
        .replies
        .lock()
        .unwrap()
        .get(&seen.idempotency_key)
        .cloned();
    let (status, body) = match replay {
        Some(reply) => reply,
        None => {
            let reply = answer(&inner, &seen);
            // Stripe keeps no result for a request that failed on its side, so a retry runs.
            if reply.0 < 500 {
                inner
                    .replies
                    .lock()
                    .unwrap()
                    .insert(seen.idempotency_key.clone(), reply.clone());
            }
            reply
        }
    };
    (StatusCode::from_u16(status).unwrap(), axum::Json(body)).into_response()
}

fn answer(inner: &Inner, req: &Seen) -> (u16, Value) {
    let n = inner.next.fetch_add(1, Ordering::SeqCst);
    let parts: Vec<&str> = req.path.trim_start_matches('/').split('/').collect();
    match parts.as_slice() {
        ["v1", "payment_intents"] => {
            let id = format!("pi_3Fake{n:04}");
            let pi = payment_intent(&id, req);
            inner.intents.lock().unwrap().insert(id, pi.clone());
            (200, pi)
        }
        ["v1", "payment_intents", id, action] => {
            let mut intents = inner.intents.lock().unwrap();
            let Some(pi) = intents.get_mut(*id) else {
                return (
                    404,
                    json!({"error": {"type": "invalid_request_error", "code": "resource_missing",
                    "message": format!("No such payment_intent: '{id}'")}}),
                );
            };
            match *action {
                "confirm" => confirm(inner, pi, req),
                "capture" => {
                    pi["status"] = "succeeded".into();
                    pi["amount_received"] = pi["amount"].clone();
                    pi["amount_capturable"] = 0.into();
                    (200, pi.clone())
                }
                "cancel" => {
                    pi["status"] = "canceled".into();
                    pi["canceled_at"] = 1680801569.into();
                    pi["amount_capturable"] = 0.into();
                    (200, pi.clone())
                }
                _ => (
                    404,
                    json!({"error": {"type": "invalid_request_error", "message": "Unrecognized request URL"}}),
                ),
            }
        }
        ["v1", "refunds"] => (
            200,
            json!({
                "id": format!("re_3Fake{n:04}"),
                "object": "refund",
                "amount": req.field("amount").unwrap().parse::<i64>().unwrap(),
                "balance_transaction": "txn_1Nispe2eZvKYlo2CYezqFhEx",
                "charge": "ch_1NirD82eZvKYlo2CIvbtLWuY",
                "created": 1692942318,
                "currency": "usd",
                "metadata": {},
                "payment_intent": req.field("payment_intent").unwrap(),
                "reason": null,
                "receipt_number": null,
                "source_transfer_reversal": null,
                "status": "succeeded",
                "transfer_reversal": null
            }),
        ),
        _ => (
            404,
            json!({"error": {"type": "invalid_request_error", "message": "Unrecognized request URL"}}),
        ),
    }
}

fn payment_intent(id: &str, req: &Seen) -> Value {
    let amount: i64 = req.field("amount").unwrap().parse().unwrap();
    let metadata: serde_json::Map<String, Value> = req
        .form
        .iter()
        .filter_map(|(k, v)| {
            let key = k.strip_prefix("metadata[")?.strip_suffix(']')?;
            Some((key.to_string(), Value::from(v.as_str())))
        })
        .collect();
    json!({
        "id": id,
        "object": "payment_intent",
        "amount": amount,
        "amount_capturable": 0,
        "amount_details": {"tip": {}},
        "amount_received": 0,
        "application": null,
        "application_fee_amount": null,
        "automatic_payment_methods": null,
        "canceled_at": null,
        "cancellation_reason": null,
        "capture_method": req.field("capture_method").unwrap_or("automatic"),
        "client_secret": format!("{id}_secret_YrKJUKribcBjcG8HVhfZluoGH"),
        "confirmation_method": "automatic",
        "created": 1680800504,
        "currency": req.field("currency").unwrap(),
        "customer": null,
        "description": null,
        "last_payment_error": null,
        "latest_charge": null,
        "livemode": false,
        "metadata": metadata,
        "next_action": null,
        "payment_method": null,
        "payment_method_types": ["card"],
        "status": "requires_payment_method"
    })
}

fn confirm(inner: &Inner, pi: &mut Value, req: &Seen) -> (u16, Value) {
    if inner
        .failing_confirms
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
    {
        return (
            500,
            json!({"error": {"type": "api_error", "message": "An unknown error occurred"}}),
        );
    }
    let method = req.field("payment_method").unwrap_or_default();
    let decline = match method {
        "pm_card_chargeDeclined" => Some(("generic_decline", "Your card was declined.")),
        "pm_card_chargeDeclinedInsufficientFunds" => {
            Some(("insufficient_funds", "Your card has insufficient funds."))
        }
        _ => None,
    };
    pi["payment_method"] = method.into();
    match decline {
        None => {
            pi["status"] = "requires_capture".into();
            pi["amount_capturable"] = pi["amount"].clone();
            pi["latest_charge"] = "ch_3MrVHKLkdIwHu7ix0Kk7t1Gs".into();
            (200, pi.clone())
        }
        Some((decline_code, message)) => {
            pi["status"] = "requires_payment_method".into();
            let error = json!({
                "type": "card_error",
                "code": "card_declined",
                "decline_code": decline_code,
                "charge": "ch_3MrVHKLkdIwHu7ix0Kk7t1Gs",
                "doc_url": "https://stripe.com/docs/error-codes/card-declined",
                "message": message,
                "request_log_url": "https://dashboard.stripe.com/test/logs/req_xyz",
            });
            pi["last_payment_error"] = error.clone();
            let mut error = error;
            error["payment_intent"] = pi.clone();
            (402, json!({"error": error}))
        }
    }
}
