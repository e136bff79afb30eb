//! Capture, refunds and Reverse: the money after authorisation, idempotent at every step, with
//! the events each step announces.
use tonic::Code;
use vici_testkit::error_code;

use crate::harness::{App, assert_refused, details, key, new_id, refund, reverse};
use vici_proto::vocabulary::Spelled as _;

pub async fn capture_then_partial_and_full_refunds(app: App) {
    let (order, authorized) = app.authorize("pm_card_visa", 5000).await;
    let captured = app.capture(&order).await;
    assert_eq!(captured.status().spelling(), "SUCCEEDED");
    assert_eq!(captured.id, authorized.id);
    let again = app.capture(&order).await;
    assert_eq!(again, captured, "a captured payment is returned as it is");
    assert_eq!(app.provider.calls("captures"), 1);

    let mut c = app.client();
    let too_much = c
        .refund_payment(refund(&order, 5001, "r-0"))
        .await
        .unwrap_err();
    assert_refused(
        &too_much,
        Code::AlreadyExists,
        "Only 5000 cents of this payment can still be refunded",
    );
    assert_eq!(details(&too_much)["refundableCents"], "5000");

    let part = c
        .refund_payment(refund(&order, 1200, "r-1"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (part.amount_cents, part.status.as_str()),
        (1200, "SUCCEEDED")
    );
    let after_part = part.payment.clone().unwrap();
    assert_eq!(
        (after_part.refunded_cents, after_part.status().spelling()),
        (1200, "PARTIALLY_REFUNDED")
    );
    let repeat = c
        .refund_payment(refund(&order, 1200, "r-1"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(repeat.id, part.id, "the same key is the same refund");
    assert_eq!(repeat.payment.unwrap().refunded_cents, 1200);

    let rest = c
        .refund_payment(refund(&order, 0, "r-2"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(rest.amount_cents, 3800, "0 refunds what is left");
    let after_rest = rest.payment.clone().unwrap();
    assert_eq!(
        (after_rest.refunded_cents, after_rest.status().spelling()),
        (5000, "REFUNDED")
    );
    assert_eq!(app.provider.calls("refunds"), 2);

    let nothing_left = c
        .refund_payment(refund(&order, 0, "r-3"))
        .await
        .unwrap_err();
    assert_refused(
        &nothing_left,
        Code::AlreadyExists,
        "Nothing is left to refund on this payment",
    );
    assert_eq!(error_code(&nothing_left), "CONFLICT");
    assert_eq!(app.get(&order).await.status().spelling(), "REFUNDED");

    let events = app.events("observer", 3).await;
    let kinds: Vec<&str> = events.iter().map(|(_, e)| e.event_type.as_str()).collect();
    assert_eq!(
        kinds,
        ["payment.succeeded", "payment.refunded", "payment.refunded"]
    );
    assert!(events.iter().all(|(k, _)| k == &order));
    let succeeded = &events[0].1.data;
    assert_eq!(succeeded["paymentId"], captured.id.as_str());
    assert_eq!(succeeded["amountCents"], 5000);
    assert_eq!(succeeded["method"], "pm_card_visa");
    assert_eq!(succeeded["currency"], "USD");
    assert_eq!(succeeded["userId"], captured.user_id.as_str());
    assert_eq!(events[1].1.data["refundId"], part.id.as_str());
    assert_eq!(events[1].1.data["amountCents"], 1200);
    assert_eq!(events[2].1.data["amountCents"], 3800);
}

pub async fn refunds_need_a_capture(app: App) {
    let mut c = app.client();
    let unknown = c
        .refund_payment(refund(&new_id(), 0, "k"))
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), Code::NotFound);
    let (order, _) = app.authorize("pm_card_visa", 800).await;
    let uncaptured = c
        .refund_payment(refund(&order, 100, "k"))
        .await
        .unwrap_err();
    assert_refused(
        &uncaptured,
        Code::AlreadyExists,
        "Nothing has been captured for this order",
    );
    let no_key = c
        .refund_payment(refund(&order, 100, " "))
        .await
        .unwrap_err();
    assert_eq!(no_key.code(), Code::InvalidArgument);
    let no_payment = c.capture(key(&new_id())).await.unwrap_err();
    assert_eq!(no_payment.code(), Code::NotFound);
}

pub async fn reverse_voids_an_authorisation(app: App) {
    let (order, authorized) = app.authorize("pm_card_mastercard", 3100).await;
    let mut c = app.client();
    let voided = c.reverse(reverse(&order)).await.unwrap().into_inner();
    assert_eq!(
        (voided.id.as_str(), voided.status().spelling()),
        (authorized.id.as_str(), "CANCELLED")
    );
    assert_eq!(app.provider.calls("voids"), 1);
    let again = c.reverse(reverse(&order)).await.unwrap().into_inner();
    assert_eq!(
        again, voided,
        "a repeated Reverse answers the latest attempt unchanged"
    );
    assert_eq!(app.provider.calls("voids"), 1);
    assert_eq!(app.get(&order).await, voided);
    let capture = c.capture(key(&order)).await.unwrap_err();
    assert_eq!(
        capture.code(),
        Code::NotFound,
        "nothing live is left to capture"
    );
    let none = c.reverse(reverse(&new_id())).await.unwrap_err();
    assert_eq!(none.code(), Code::NotFound);
}

pub async fn reverse_refunds_a_capture(app: App) {
    let (order, _) = app.authorize("pm_card_visa", 2750).await;
    let captured = app.capture(&order).await;
    let mut c = app.client();
    let reversed = c.reverse(reverse(&order)).await.unwrap().into_inner();
    assert_eq!(
        (reversed.status().spelling(), reversed.refunded_cents),
        ("REFUNDED", 2750)
    );
    let again = c.reverse(reverse(&order)).await.unwrap().into_inner();
    assert_eq!(again, reversed, "a repeated Reverse changes nothing");
    assert_eq!(app.provider.calls("refunds"), 1);
    // A marker after the repeat: had the repeat announced a refund, it would come first.
    let (marker, _) = app.authorize("pm_card_chargeDeclined", 10).await;

    let events = app.events("observer", 3).await;
    let kinds: Vec<(&str, &str)> = events
        .iter()
        .map(|(k, e)| (k.as_str(), e.event_type.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            (order.as_str(), "payment.succeeded"),
            (order.as_str(), "payment.refunded"),
            (marker.as_str(), "payment.failed"),
        ]
    );
    let refunded = &events[1].1.data;
    assert_eq!(refunded["paymentId"], captured.id.as_str());
    assert_eq!(refunded["amountCents"], 2750);
    assert!(refunded["refundId"].as_str().is_some_and(|r| !r.is_empty()));
}
