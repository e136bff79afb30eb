//! CreateIntent and the checks an Authorize makes on the intent it names.
use tonic::Code;

use crate::harness::{App, assert_refused, authorize, new_id};
use vici_proto::payment::v1 as pb;
use vici_proto::vocabulary::Spelled as _;

fn intent(user: &str, amount: i64, key: &str) -> pb::CreateIntentRequest {
    pb::CreateIntentRequest {
        user_id: user.into(),
        amount_cents: amount,
        currency: "usd".into(),
        idempotency_key: key.into(),
    }
}

pub async fn intents_are_idempotent_per_user_and_key(app: App) {
    let user = new_id();
    let mut c = app.client();
    let first = c
        .create_intent(intent(&user, 4999, "k1"))
        .await
        .unwrap()
        .into_inner();
    assert!(first.id.starts_with("pi_sim_"), "{}", first.id);
    assert!(
        first
            .client_secret
            .starts_with(&format!("{}_secret_", first.id))
    );
    assert_eq!(
        (
            first.amount_cents,
            first.currency.as_str(),
            first.status.as_str(),
            first.user_id.as_str()
        ),
        (4999, "USD", "pending", user.as_str())
    );
    let again = c
        .create_intent(intent(&user, 4999, "k1"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(again, first);
    let other_user = c
        .create_intent(intent(&new_id(), 4999, "k1"))
        .await
        .unwrap()
        .into_inner();
    assert_ne!(other_user.id, first.id);
    let no_key = c
        .create_intent(intent(&user, 4999, ""))
        .await
        .unwrap()
        .into_inner();
    let no_key_again = c
        .create_intent(intent(&user, 4999, ""))
        .await
        .unwrap()
        .into_inner();
    assert_ne!(
        no_key.id, no_key_again.id,
        "without a key every call is a new intent"
    );
    let bad = c.create_intent(intent(&user, -1, "k2")).await.unwrap_err();
    assert_eq!(bad.code(), Code::InvalidArgument);
}

pub async fn an_intent_belongs_to_its_user_amount_and_order(app: App) {
    let user = new_id();
    let mut c = app.client();
    let pi = c
        .create_intent(intent(&user, 2000, "cart-1"))
        .await
        .unwrap()
        .into_inner();
    let with_intent = |order: &str, user: &str, method: &str, amount: i64| pb::AuthorizeRequest {
        intent_id: Some(pi.id.clone()),
        ..authorize(order, &new_id(), user, method, amount)
    };
    let order = new_id();
    let err = c
        .authorize(with_intent(&order, &new_id(), "pm_card_visa", 2000))
        .await
        .unwrap_err();
    assert_refused(
        &err,
        Code::AlreadyExists,
        "This payment intent belongs to someone else",
    );
    let err = c
        .authorize(with_intent(&order, &user, "pm_card_visa", 2100))
        .await
        .unwrap_err();
    assert_refused(&err, Code::AlreadyExists, "Cart changed");
    // Refused attempts leave nothing behind: the order can still pay.
    let declined = c
        .authorize(with_intent(&order, &user, "pm_card_chargeDeclined", 2000))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (declined.status().spelling(), declined.intent_id.as_str()),
        ("FAILED", pi.id.as_str())
    );
    // The same order may retry with its intent; another order may not take it.
    let paid = c
        .authorize(with_intent(&order, &user, "pm_card_visa", 2000))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (paid.status().spelling(), paid.intent_id.as_str()),
        ("AUTHORIZED", pi.id.as_str())
    );
    let err = c
        .authorize(with_intent(&new_id(), &user, "pm_card_visa", 2000))
        .await
        .unwrap_err();
    assert_refused(
        &err,
        Code::AlreadyExists,
        "This payment intent was used by another order",
    );
    let unknown = pb::AuthorizeRequest {
        intent_id: Some("pi_sim_unknown".into()),
        ..authorize(&new_id(), &new_id(), &user, "pm_card_visa", 2000)
    };
    assert_eq!(
        c.authorize(unknown).await.unwrap_err().code(),
        Code::NotFound
    );
    let shown = c
        .create_intent(intent(&user, 2000, "cart-1"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        shown.status, "processing",
        "the intent follows its authorised payment"
    );
}

pub async fn cash_on_delivery_never_reaches_a_provider(app: App) {
    let (order, pending) = app.authorize("cash_on_delivery", 6400).await;
    assert_eq!(
        (
            pending.status().spelling(),
            pending.provider.as_str(),
            pending.intent_id.as_str()
        ),
        ("PENDING", "cash", "")
    );
    let collected = app.capture(&order).await;
    assert_eq!(collected.status().spelling(), "SUCCEEDED");
    assert_eq!(app.capture(&order).await, collected);
    let (cancelled_order, _) = app.authorize("cash_on_delivery", 1000).await;
    let cancelled = app
        .client()
        .reverse(crate::harness::reverse(&cancelled_order))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(cancelled.status().spelling(), "CANCELLED");
    let refunded = app
        .client()
        .reverse(crate::harness::reverse(&order))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (refunded.status().spelling(), refunded.refunded_cents),
        ("REFUNDED", 6400)
    );
    assert_eq!(app.provider.total(), 0);
    let events = app.events("observer", 2).await;
    assert_eq!(events[0].1.event_type, "payment.succeeded");
    assert_eq!(events[0].1.data["method"], "cash_on_delivery");
    assert_eq!(events[1].1.event_type, "payment.refunded");
}
