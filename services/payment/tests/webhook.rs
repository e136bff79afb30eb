//! HandleWebhook through the API: signatures (tampered, wrong secret, stale, malformed, none
//! configured) and events applied once. The published Stripe vector is checked in the unit
//! tests of `src/signature.rs`, where the clock can be set to its 2018 timestamp.
use serde_json::json;
use tonic::Code;
use vici_proto::payment::v1 as pb;

use crate::harness::{App, WEBHOOK_SECRET, assert_refused};
use vici_proto::vocabulary::Spelled as _;

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn event(id: &str, kind: &str, object: serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "id": id,
        "object": "event",
        "api_version": "2024-06-20",
        "created": now(),
        "type": kind,
        "data": {"object": object},
        "livemode": false,
    }))
    .unwrap()
}

fn signed(payload: Vec<u8>) -> pb::WebhookRequest {
    pb::WebhookRequest {
        signature: stripe_signature(&payload, WEBHOOK_SECRET, now()),
        payload,
    }
}

pub async fn signatures_are_checked(app: App) {
    let payload = event("evt_sig", "customer.created", json!({"id": "cus_1"}));
    let mut c = app.client();
    let ack = c
        .handle_webhook(signed(payload.clone()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (ack.event_id.as_str(), ack.r#type.as_str(), ack.applied),
        ("evt_sig", "customer.created", false)
    );
    let good = stripe_signature(&payload, WEBHOOK_SECRET, now());
    let refused = [
        // The payload changed after signing.
        (
            b"{\"id\":\"evt_sig\"}".to_vec(),
            good.clone(),
            "The webhook signature does not match its payload",
        ),
        (
            payload.clone(),
            stripe_signature(&payload, "whsec_wrong", now()),
            "The webhook signature does not match its payload",
        ),
        (
            payload.clone(),
            stripe_signature(&payload, WEBHOOK_SECRET, now() - 301),
            "The webhook's signed timestamp is outside the allowed tolerance",
        ),
        (
            payload.clone(),
            good.split(',').nth(1).unwrap().to_string(),
            "The Stripe-Signature header is malformed",
        ),
        (
            payload.clone(),
            good.split(',').next().unwrap().to_string(),
            "The Stripe-Signature header is malformed",
        ),
        (
            payload.clone(),
            String::new(),
            "The Stripe-Signature header is malformed",
        ),
    ];
    for (payload, signature, message) in refused {
        let err = c
            .handle_webhook(pb::WebhookRequest {
                payload,
                signature: signature.clone(),
            })
            .await
            .unwrap_err();
        assert_refused(&err, Code::InvalidArgument, message);
    }
    // Another valid signature next to a stale secret's one is accepted (secret rolling).
    let rolled = format!("{good},v1={}", "ab".repeat(32));
    assert!(
        c.handle_webhook(pb::WebhookRequest {
            payload: payload.clone(),
            signature: rolled
        })
        .await
        .is_ok()
    );
    let not_json = b"not json".to_vec();
    let err = c.handle_webhook(signed(not_json)).await.unwrap_err();
    assert_refused(
        &err,
        Code::InvalidArgument,
        "The webhook payload is not a Stripe event",
    );

    let unconfigured = app.service_with(&[]).await;
    let err = unconfigured
        .clone()
        .handle_webhook(signed(payload))
        .await
        .unwrap_err();
    assert_refused(&err, Code::InvalidArgument, "Webhooks are not configured");
}

pub async fn events_apply_once(app: App) {
    let mut c = app.client();
    let (order, authorized) = app.authorize("pm_card_visa", 4000).await;
    let succeeded = event(
        "evt_succeeded",
        "payment_intent.succeeded",
        json!({"id": authorized.intent_id, "object": "payment_intent", "status": "succeeded", "amount": 4000}),
    );
    let ack = c
        .handle_webhook(signed(succeeded.clone()))
        .await
        .unwrap()
        .into_inner();
    assert!(ack.applied);
    let after = app.get(&order).await;
    assert_eq!(after.status().spelling(), "SUCCEEDED");
    let repeat = c
        .handle_webhook(signed(succeeded))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (repeat.event_id.as_str(), repeat.applied),
        ("evt_succeeded", false)
    );
    assert_eq!(app.get(&order).await, after, "a redelivery changes nothing");
    assert_eq!(
        app.capture(&order).await,
        after,
        "capture finds it captured"
    );
    assert_eq!(app.provider.calls("captures"), 0);

    let charge = |id: &str, refunded: i64| {
        event(
            id,
            "charge.refunded",
            json!({
                "id": "ch_1", "object": "charge", "amount": 4000, "amount_refunded": refunded,
                "payment_intent": authorized.intent_id, "refunded": refunded == 4000,
            }),
        )
    };
    assert!(
        c.handle_webhook(signed(charge("evt_refund_1", 1500)))
            .await
            .unwrap()
            .into_inner()
            .applied
    );
    let partly = app.get(&order).await;
    assert_eq!(
        (partly.status().spelling(), partly.refunded_cents),
        ("PARTIALLY_REFUNDED", 1500)
    );
    // The same total again under a new id adds nothing.
    assert!(
        !c.handle_webhook(signed(charge("evt_refund_2", 1500)))
            .await
            .unwrap()
            .into_inner()
            .applied
    );
    assert_eq!(app.get(&order).await.refunded_cents, 1500);

    let (other, other_payment) = app.authorize("pm_card_visa", 900).await;
    let canceled = event(
        "evt_canceled",
        "payment_intent.canceled",
        json!({"id": other_payment.intent_id, "object": "payment_intent", "status": "canceled"}),
    );
    assert!(
        c.handle_webhook(signed(canceled))
            .await
            .unwrap()
            .into_inner()
            .applied
    );
    assert_eq!(app.get(&other).await.status().spelling(), "CANCELLED");

    let unknown_intent = event(
        "evt_unknown",
        "payment_intent.succeeded",
        json!({"id": "pi_nobody"}),
    );
    let ack = c
        .handle_webhook(signed(unknown_intent))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (ack.r#type.as_str(), ack.applied),
        ("payment_intent.succeeded", false)
    );
    let unknown_type = event("evt_type", "invoice.paid", json!({"id": "in_1"}));
    assert!(
        !c.handle_webhook(signed(unknown_type))
            .await
            .unwrap()
            .into_inner()
            .applied
    );

    let events = app.events("observer", 2).await;
    assert_eq!(events[0].1.event_type, "payment.succeeded");
    assert_eq!(
        (
            events[1].1.event_type.as_str(),
            &events[1].1.data["amountCents"]
        ),
        ("payment.refunded", &json!(1500))
    );
}

/// A `Stripe-Signature` header for `payload` signed now with `secret`, computed here
/// independently of the service's own code.
fn stripe_signature(payload: &[u8], secret: &str, timestamp: i64) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(payload);
    let sig: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("t={timestamp},v1={sig}")
}
