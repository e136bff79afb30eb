//! Authorize: the contract's test methods, declines as answers with their event, and the
//! idempotency and one-live-payment rules under concurrency.
use futures::future::join_all;
use tonic::Code;
use vici_testkit::error_code;

use crate::harness::{App, assert_refused, authorize, new_id};
use vici_proto::vocabulary::Spelled as _;

pub async fn test_methods_behave_as_named(app: App) {
    for method in ["pm_card_visa", "pm_card_mastercard"] {
        let (order, p) = app.authorize(method, 2599).await;
        assert_eq!(p.status().spelling(), "AUTHORIZED", "{method}");
        assert_eq!(
            (
                p.order_id.as_str(),
                p.amount_cents,
                p.refunded_cents,
                p.currency.as_str()
            ),
            (order.as_str(), 2599, 0, "USD")
        );
        assert!(p.intent_id.starts_with("pi_sim_"), "{}", p.intent_id);
        assert_eq!(
            (p.provider.as_str(), p.payment_method.as_str()),
            ("simulated", method)
        );
        assert!(p.failure_code.is_empty() && p.failure_message.is_empty());
    }
    let declines = [
        (
            "pm_card_chargeDeclined",
            "card_declined",
            "Your card was declined.",
        ),
        (
            "pm_card_chargeDeclinedInsufficientFunds",
            "insufficient_funds",
            "Your card has insufficient funds.",
        ),
    ];
    for (method, code, message) in declines {
        let (_, p) = app.authorize(method, 1000).await;
        assert_eq!(
            (
                p.status().spelling(),
                p.failure_code.as_str(),
                p.failure_message.as_str()
            ),
            ("FAILED", code, message)
        );
    }
    let calls = app.provider.total();
    let err = app
        .client()
        .authorize(authorize(
            &new_id(),
            &new_id(),
            &new_id(),
            "pm_card_amex",
            1000,
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert_eq!(error_code(&err), "VALIDATION_ERROR");
    for named in ["pm_card_visa", "pm_card_chargeDeclined", "cash_on_delivery"] {
        assert!(err.message().contains(named), "{}", err.message());
    }
    assert_eq!(
        app.provider.total(),
        calls,
        "an unknown method never reaches the provider"
    );
    let bad_amount = app
        .client()
        .authorize(authorize(
            &new_id(),
            &new_id(),
            &new_id(),
            "pm_card_visa",
            0,
        ))
        .await
        .unwrap_err();
    assert_eq!(bad_amount.code(), Code::InvalidArgument);
}

pub async fn a_decline_is_recorded_and_announced(app: App) {
    let user = new_id();
    let order = new_id();
    let mut c = app.client();
    let declined = c
        .authorize(authorize(
            &order,
            &new_id(),
            &user,
            "pm_card_chargeDeclinedInsufficientFunds",
            4200,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(declined.status().spelling(), "FAILED");
    assert_eq!(
        app.get(&order).await,
        declined,
        "the latest attempt is the order's payment"
    );
    // A declined attempt is not live: the shopper may pay again with another card.
    let retry = c
        .authorize(authorize(&order, &new_id(), &user, "pm_card_visa", 4200))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(retry.status().spelling(), "AUTHORIZED");
    assert_ne!(retry.id, declined.id);
    assert_eq!(
        app.get(&order).await.id,
        retry.id,
        "the live payment wins over the latest"
    );

    let events = app.events("observer", 1).await;
    let (event_key, event) = &events[0];
    assert_eq!(event_key, &order);
    assert_eq!(event.event_type, "payment.failed");
    assert_eq!(event.source, "/vici/payment");
    assert_eq!(event.data["paymentId"], declined.id.as_str());
    assert_eq!(event.data["orderId"], order.as_str());
    assert_eq!(event.data["userId"], user.as_str());
    assert_eq!(event.data["code"], "insufficient_funds");
    assert_eq!(event.data["reason"], "Your card has insufficient funds.");
    let changes: Vec<(Option<String>, String)> = sqlx::query_as(
        "SELECT from_status, to_status FROM payment_changes WHERE payment_id = $1 ORDER BY at, to_status DESC",
    )
    .bind(&declined.id)
    .fetch_all(app.db.reader())
    .await
    .unwrap();
    assert_eq!(
        changes,
        vec![
            (None, "PROCESSING".into()),
            (Some("PROCESSING".into()), "FAILED".into())
        ]
    );
}

pub async fn identical_attempts_are_authorised_once(app: App) {
    let (order, attempt, user) = (new_id(), new_id(), new_id());
    let calls = join_all((0..10).map(|_| {
        let mut c = app.client();
        let req = authorize(&order, &attempt, &user, "pm_card_visa", 1500);
        async move { c.authorize(req).await.map(|r| r.into_inner()) }
    }))
    .await;
    let payments: Vec<_> = calls
        .into_iter()
        .map(|r| r.expect("every duplicate answers"))
        .collect();
    assert!(payments.iter().all(|p| p == &payments[0]), "{payments:#?}");
    assert_eq!(payments[0].status().spelling(), "AUTHORIZED");
    assert_eq!(app.provider.calls("authorizations"), 1);
    // A duplicate that finds no row yet may ask for the attempt's intent too (keyed by the
    // attempt id at a real provider, so one intent); only the first row's is confirmed.
    assert!((1..=10).contains(&app.provider.calls("intents")));
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM payments WHERE order_id = $1")
        .bind(&order)
        .fetch_one(app.db.reader())
        .await
        .unwrap();
    assert_eq!(rows, 1);
    // A later repeat is answered from the row, without the provider.
    let again = app
        .client()
        .authorize(authorize(&order, &attempt, &user, "pm_card_visa", 1500))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(again, payments[0]);
    assert_eq!(app.provider.calls("authorizations"), 1);
}

pub async fn a_second_attempt_while_one_is_live_conflicts(app: App) {
    let user = new_id();
    let (order, first) = app.authorize("pm_card_visa", 990).await;
    let err = app
        .client()
        .authorize(authorize(
            &order,
            &new_id(),
            &user,
            "pm_card_mastercard",
            990,
        ))
        .await
        .unwrap_err();
    assert_refused(
        &err,
        Code::AlreadyExists,
        "This order already has a payment in progress or made",
    );
    assert_eq!(error_code(&err), "CONFLICT");
    // The same attempt id for another order is refused too.
    let err = app
        .client()
        .authorize(authorize(
            &new_id(),
            &first.attempt_id,
            &user,
            "pm_card_visa",
            990,
        ))
        .await
        .unwrap_err();
    assert_refused(
        &err,
        Code::AlreadyExists,
        "This payment attempt belongs to another order",
    );
    // Still live after capture: a captured order cannot be paid twice.
    app.capture(&order).await;
    let err = app
        .client()
        .authorize(authorize(&order, &new_id(), &user, "pm_card_visa", 990))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::AlreadyExists);
}

pub async fn one_live_payment_per_order_under_concurrency(app: App) {
    let (order, user) = (new_id(), new_id());
    let calls = join_all((0..10).map(|_| {
        let mut c = app.client();
        let req = authorize(&order, &new_id(), &user, "pm_card_visa", 700);
        async move { c.authorize(req).await.map(|r| r.into_inner()) }
    }))
    .await;
    let (won, lost): (Vec<_>, Vec<_>) = calls.into_iter().partition(|r| r.is_ok());
    assert_eq!(won.len(), 1, "{lost:?}");
    assert!(
        lost.iter()
            .all(|r| r.as_ref().unwrap_err().code() == Code::AlreadyExists)
    );
    assert_eq!(app.provider.calls("authorizations"), 1);

    // The database itself refuses a second live row, whatever the service checks.
    let second_live = sqlx::query(
        "INSERT INTO payments (id, order_id, user_id, attempt_id, payment_method, amount_cents, \
         currency, status, provider, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, 'pm_card_visa', 700, 'USD', 'SUCCEEDED', 'simulated', 0, 0)",
    )
    .bind(new_id())
    .bind(&order)
    .bind(&user)
    .bind(new_id())
    .execute(app.db.writer())
    .await;
    assert!(
        second_live
            .as_ref()
            .is_err_and(vici_store::error::is_unique_violation),
        "{second_live:?}"
    );
    // A dead attempt (FAILED) beside the live one is fine.
    sqlx::query(
        "INSERT INTO payments (id, order_id, user_id, attempt_id, payment_method, amount_cents, \
         currency, status, provider, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, 'pm_card_visa', 700, 'USD', 'FAILED', 'simulated', 0, 0)",
    )
    .bind(new_id())
    .bind(&order)
    .bind(&user)
    .bind(new_id())
    .execute(app.db.writer())
    .await
    .expect("a failed attempt is not live");
    assert_eq!(app.get(&order).await.status().spelling(), "AUTHORIZED");
}
