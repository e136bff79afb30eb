//! The Stripe adapter through the service (configured with the `stripe` provider pointing
//! at [`FakeStripe`]): every request Stripe would receive is checked, and the answers are
//! Stripe-shaped.
use tonic::Code;

use crate::fake_stripe::{FakeStripe, SECRET_KEY, Seen};
use crate::harness::{self, App, Client, authorize, key, new_id, refund};
use vici_proto::vocabulary::Spelled as _;

async fn stripe_service(app: &App) -> (FakeStripe, Client) {
    let fake = FakeStripe::start().await;
    let settings = [
        ("VICI_PAYMENT_PROVIDER", "stripe"),
        ("VICI_STRIPE_SECRET_KEY", SECRET_KEY),
        ("VICI_STRIPE_API_URL", fake.url.as_str()),
    ];
    let client = app.service_with(&settings).await;
    (fake, client)
}

#[track_caller]
fn assert_post(seen: &Seen, path: &str, form: &[(&str, &str)]) {
    assert_eq!((seen.method.as_str(), seen.path.as_str()), ("POST", path));
    assert_eq!(seen.authorization, format!("Bearer {SECRET_KEY}"));
    assert_eq!(seen.content_type, "application/x-www-form-urlencoded");
    assert!(seen.idempotency_key.starts_with("vici:"), "{seen:?}");
    let mut got: Vec<(&str, &str)> = seen
        .form
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let mut want = form.to_vec();
    got.sort();
    want.sort();
    assert_eq!(got, want, "form of {path}");
}

pub async fn authorize_capture_refund_through_stripe(app: App) {
    let (fake, mut c) = stripe_service(&app).await;
    let (order, attempt, user) = (new_id(), new_id(), new_id());
    let p = c
        .authorize(authorize(&order, &attempt, &user, "pm_card_visa", 12345))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (p.status().spelling(), p.provider.as_str()),
        ("AUTHORIZED", "stripe")
    );
    assert!(p.intent_id.starts_with("pi_3Fake"), "{}", p.intent_id);
    let captured = c.capture(key(&order)).await.unwrap().into_inner();
    assert_eq!(captured.status().spelling(), "SUCCEEDED");
    let part = c
        .refund_payment(refund(&order, 2345, "r-1"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        part.payment.unwrap().status().spelling(),
        "PARTIALLY_REFUNDED"
    );
    let again = c
        .refund_payment(refund(&order, 2345, "r-1"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(again.id, part.id);

    let seen = fake.requests();
    assert_eq!(seen.len(), 4, "{seen:#?}");
    assert_post(
        &seen[0],
        "/v1/payment_intents",
        &[
            ("amount", "12345"),
            ("currency", "usd"),
            ("capture_method", "manual"),
            ("payment_method_types[]", "card"),
            ("metadata[order_id]", &order),
            ("metadata[user_id]", &user),
        ],
    );
    let pi = &p.intent_id;
    assert_post(
        &seen[1],
        &format!("/v1/payment_intents/{pi}/confirm"),
        &[("payment_method", "pm_card_visa")],
    );
    assert_post(
        &seen[2],
        &format!("/v1/payment_intents/{pi}/capture"),
        &[("amount_to_capture", "12345")],
    );
    assert_post(
        &seen[3],
        "/v1/refunds",
        &[("payment_intent", pi), ("amount", "2345")],
    );
    let keys: std::collections::BTreeSet<&str> =
        seen.iter().map(|s| s.idempotency_key.as_str()).collect();
    assert_eq!(keys.len(), 4, "every operation has its own key: {keys:?}");
    assert!(
        seen[0].idempotency_key.contains(&attempt) && seen[1].idempotency_key.contains(&attempt)
    );

    // Reverse of the rest is one more refund; its repeat reaches Stripe no more.
    let reversed = c
        .reverse(harness::reverse(&order))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (reversed.status().spelling(), reversed.refunded_cents),
        ("REFUNDED", 12345)
    );
    c.reverse(harness::reverse(&order)).await.unwrap();
    let seen = fake.requests();
    assert_eq!(seen.len(), 5);
    assert_post(
        &seen[4],
        "/v1/refunds",
        &[("payment_intent", pi), ("amount", "10000")],
    );
}

pub async fn a_stripe_decline_and_a_void(app: App) {
    let (fake, mut c) = stripe_service(&app).await;
    let order = new_id();
    let user = new_id();
    let declined = c
        .authorize(authorize(
            &order,
            &new_id(),
            &user,
            "pm_card_chargeDeclinedInsufficientFunds",
            500,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (
            declined.status().spelling(),
            declined.failure_code.as_str(),
            declined.failure_message.as_str()
        ),
        (
            "FAILED",
            "insufficient_funds",
            "Your card has insufficient funds."
        )
    );
    let generic = c
        .authorize(authorize(
            &order,
            &new_id(),
            &user,
            "pm_card_chargeDeclined",
            500,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (
            generic.failure_code.as_str(),
            generic.failure_message.as_str()
        ),
        ("card_declined", "Your card was declined.")
    );
    let paid = c
        .authorize(authorize(
            &order,
            &new_id(),
            &user,
            "pm_card_mastercard",
            500,
        ))
        .await
        .unwrap()
        .into_inner();
    let voided = c
        .reverse(harness::reverse(&order))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(voided.status().spelling(), "CANCELLED");
    let last = fake.requests().pop().unwrap();
    assert_post(
        &last,
        &format!("/v1/payment_intents/{}/cancel", paid.intent_id),
        &[],
    );
    let not_stripe = c
        .authorize(authorize(&new_id(), &new_id(), &user, "card_4242", 500))
        .await
        .unwrap_err();
    assert_eq!(not_stripe.code(), Code::InvalidArgument);
}

pub async fn a_retried_attempt_repeats_its_idempotency_keys(app: App) {
    let (fake, mut c) = stripe_service(&app).await;
    fake.fail_next_confirms(1);
    let req = authorize(&new_id(), &new_id(), &new_id(), "pm_card_visa", 800);
    let err = c.authorize(req.clone()).await.unwrap_err();
    assert_eq!(
        err.code(),
        Code::Unavailable,
        "a 500 leaves the outcome unknown: {err:?}"
    );
    let p = c.authorize(req).await.unwrap().into_inner();
    assert_eq!(p.status().spelling(), "AUTHORIZED");
    let seen = fake.requests();
    let confirms: Vec<&Seen> = seen
        .iter()
        .filter(|s| s.path.ends_with("/confirm"))
        .collect();
    assert_eq!(confirms.len(), 2);
    assert_eq!(confirms[0].idempotency_key, confirms[1].idempotency_key);
    assert_eq!(
        confirms[0].path, confirms[1].path,
        "the retry confirms the same intent"
    );
    let creates = seen
        .iter()
        .filter(|s| s.path == "/v1/payment_intents")
        .count();
    assert_eq!(creates, 1, "the intent made before the failure is reused");
}
