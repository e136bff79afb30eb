//! The saga's steps one by one: each repeated acts once, a checkout stopped right after any
//! step (the test hook leaves it exactly as a crash would) is finished or undone by recovery,
//! and a cancellation never meets a capture.
use vici_order::{Address, ChargeStatus, Checkout, Step};
use vici_types::{PostalAddress, TypedId as _, UserId};

use vici_testkit::error_code;

use crate::harness::{App, cancel, new_user, product};
use vici_proto::vocabulary::Spelled as _;

fn checkout(user: &str, method: &str, pay_now: bool) -> Checkout {
    Checkout {
        user_id: UserId::parse(user).unwrap(),
        user_email: "crash@shop.test".into(),
        shipping_address: Address {
            postal: PostalAddress {
                first_name: "Ada".into(),
                last_name: "Lovelace".into(),
                address_line1: "1 Analytical Street".into(),
                city: "London".into(),
                state: "LDN".into(),
                postal_code: "N1".into(),
                country: "GB".into(),
                phone: "+44 20 7946 0000".into(),
                address_line2: None,
            },
            id: None,
        },
        billing_address: None,
        payment_method: method.into(),
        payment_intent_id: None,
        coupon_code: Some("SAVE20".into()),
        pay_now,
        session_id: "s".into(),
        expected_total_cents: None,
        idempotency: None,
    }
}

/// Starts a checkout of one mouse with SAVE20 and stops it right after `step`; the saga id.
async fn stopped(app: &App, user: &str, step: Step) -> String {
    app.services
        .add_to_cart(user, &product("logitech-mx-master-3s"), 1)
        .await;
    let failure = app
        .engine
        .place(checkout(user, "pm_card_visa", true), Some(step))
        .await
        .expect_err("stopped by the hook");
    assert!(!failure.settled, "{step:?}: {:?}", failure.error);
    let d = &failure.error.details;
    d["sagaId"].as_str().unwrap().to_string()
}

pub async fn every_step_repeats_without_a_second_effect(app: App) {
    let mouse = product("logitech-mx-master-3s");
    let user = new_user();
    let (available, _) = app.services.stock(&mouse).await;
    let uses = app.coupon_uses("SAVE20").await;
    let saga = stopped(&app, &user, Step::Started).await;
    let mut rec = app.engine.record(&saga).await.unwrap().unwrap();
    let order_id = rec.order_id.clone();
    for _ in 0..2 {
        app.engine.reserve(&rec).await.unwrap();
        assert_eq!(app.services.stock(&mouse).await, (available - 1, 1));
        app.engine.redeem_coupon(&rec).await.unwrap();
        assert_eq!(app.coupon_uses("SAVE20").await, uses + 1);
        app.engine.write_order(&rec).await.unwrap();
        assert_eq!(app.history(&user, &order_id).await.len(), 1);
        let p = app.engine.authorize(&rec).await.unwrap();
        assert_eq!(p.status, ChargeStatus::Authorized);
        assert_eq!(app.payment_count().await, 1);
    }
    let mut payment_id = String::new();
    for _ in 0..2 {
        app.engine.commit_stock(&order_id).await.unwrap();
        assert_eq!(app.services.stock(&mouse).await, (available - 1, 0));
        payment_id = app.engine.capture(&order_id).await.unwrap().id;
        assert_eq!(
            app.payment(&order_id).await.unwrap().status().spelling(),
            "SUCCEEDED"
        );
        let o = app.engine.confirm(&mut rec, &payment_id).await.unwrap();
        assert_eq!(o.status.as_str(), "CONFIRMED");
        assert_eq!(app.history(&user, &order_id).await.len(), 2);
    }
    assert_eq!(
        app.lock_holder(&user).await,
        None,
        "finalising releases the lock"
    );
    for _ in 0..2 {
        app.engine.wind_up(&rec).await.unwrap();
        assert!(app.services.cart_of(&user).await.items.is_empty());
    }
    // The undos repeat just as safely: one refund, one restock, one release.
    for _ in 0..2 {
        let p = app
            .engine
            .reverse(&order_id, "test")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (p.status, p.id.as_str()),
            (ChargeStatus::Refunded, payment_id.as_str())
        );
        app.engine.release_stock(&order_id, "test").await.unwrap();
        assert_eq!(app.services.stock(&mouse).await, (available, 0));
        app.engine.release_coupon(&order_id).await.unwrap();
        assert_eq!(app.coupon_uses("SAVE20").await, uses);
    }
    assert_eq!(
        app.payment(&order_id).await.unwrap().refunded_cents,
        app.get(&user, &order_id).await.total_cents
    );
}

pub async fn a_crash_after_any_step_is_recovered(app: App) {
    let mouse = product("logitech-mx-master-3s");
    let steps = [
        Step::Started,
        Step::Reserved,
        Step::CouponRedeemed,
        Step::OrderWritten,
        Step::Authorized,
        Step::Committed,
        Step::Captured,
        Step::Finalised,
    ];
    for step in steps {
        let user = new_user();
        let (available, _) = app.services.stock(&mouse).await;
        let uses = app.coupon_uses("SAVE20").await;
        let saga = stopped(&app, &user, step).await;
        let order_id = app.engine.record(&saga).await.unwrap().unwrap().order_id;
        let held = app.lock_holder(&user).await.is_some();
        assert_eq!(
            held,
            step < Step::Finalised,
            "{step:?}: a crash before step 10 keeps the lock"
        );
        let report = app.recover().await;
        assert_eq!(report.failed, 0, "{step:?}");
        assert_eq!(
            app.lock_holder(&user).await,
            None,
            "{step:?}: lock released"
        );
        let record = app.engine.record(&saga).await.unwrap().unwrap();
        assert_ne!(record.state, vici_order::State::Running, "{step:?}");
        let paid = step >= Step::Captured;
        if paid {
            let o = app.get(&user, &order_id).await;
            assert_eq!(
                (o.status.as_str(), o.payment_status.as_str()),
                ("CONFIRMED", "PAID"),
                "{step:?}"
            );
            assert_eq!(
                app.services.stock(&mouse).await,
                (available - 1, 0),
                "{step:?}"
            );
            assert_eq!(
                app.reservation(&order_id).await.as_deref(),
                Some("COMMITTED")
            );
            assert_eq!(app.coupon_uses("SAVE20").await, uses + 1, "{step:?}");
            assert!(
                app.services.cart_of(&user).await.items.is_empty(),
                "{step:?}: cart cleared"
            );
        } else {
            if step >= Step::OrderWritten {
                let o = app.get(&user, &order_id).await;
                assert_eq!(o.status, "CANCELLED", "{step:?}");
                assert_eq!(
                    o.status_reason.as_deref(),
                    Some("Checkout was interrupted; nothing was charged")
                );
                assert_eq!(
                    app.history(&user, &order_id).await.last().unwrap().1,
                    "system"
                );
            }
            if let Ok(p) = app.payment(&order_id).await {
                assert!(
                    !["AUTHORIZED", "SUCCEEDED"].contains(&p.status().spelling()),
                    "{step:?}: {p:?}"
                );
            }
            assert_eq!(
                app.services.stock(&mouse).await,
                (available, 0),
                "{step:?}: nothing left reserved"
            );
            let r = app.reservation(&order_id).await;
            assert!(
                r.is_none() || r.as_deref() == Some("RELEASED"),
                "{step:?}: {r:?}"
            );
            assert_eq!(
                app.coupon_uses("SAVE20").await,
                uses,
                "{step:?}: redemption released"
            );
            assert_eq!(
                app.services.cart_of(&user).await.items.len(),
                1,
                "{step:?}: cart kept"
            );
        }
        // A second pass finds nothing left to do.
        let again = app.recover().await;
        assert_eq!((again.finished, again.undone), (0, 0), "{step:?}");
    }
}

pub async fn an_interrupted_payment_is_undone(app: App) {
    let mouse = product("logitech-mx-master-3s");
    let user = new_user();
    app.services.add_to_cart(&user, &mouse, 1).await;
    let mut place = checkout(&user, "pm_card_visa", false);
    place.coupon_code = None;
    let order = app.engine.place(place, None).await.expect("placed");
    let (available, reserved) = app.services.stock(&mouse).await;
    let failure = app
        .engine
        .pay(&order, "pm_card_visa", None, Some(Step::Authorized))
        .await
        .expect_err("stopped");
    assert!(!failure.settled);
    assert_eq!(
        app.payment(&order.id).await.unwrap().status().spelling(),
        "AUTHORIZED"
    );
    app.recover().await;
    // The attempt is voided; the order still waits for payment with its stock held.
    assert_eq!(
        app.payment(&order.id).await.unwrap().status().spelling(),
        "CANCELLED"
    );
    assert_eq!(app.get(&user, &order.id).await.status, "PAYMENT_PENDING");
    assert_eq!(app.services.stock(&mouse).await, (available, reserved));
    assert_eq!(app.lock_holder(&user).await, None);
    assert!(failure.error.details.contains_key("sagaId"));
}

/// A pay-later order of one mouse, and its payment stopped right after `step`; the saga.
async fn paying(app: &App, user: &str, step: Step) -> (vici_order::Order, vici_order::Record) {
    app.services
        .add_to_cart(user, &product("logitech-mx-master-3s"), 1)
        .await;
    let mut later = checkout(user, "pm_card_visa", false);
    later.coupon_code = None;
    let order = app.engine.place(later, None).await.expect("placed");
    let failure = app
        .engine
        .pay(&order, "pm_card_visa", None, Some(step))
        .await
        .expect_err("stopped by the hook");
    let saga = failure.error.details["sagaId"]
        .as_str()
        .unwrap()
        .to_string();
    let rec = app.engine.record(&saga).await.unwrap().unwrap();
    (order, rec)
}

/// Cancel and pay on one order never interleave. A cancel while the payment is being taken
/// (the saga claimed the capture) is refused and changes nothing; once the payment is taken
/// the cancel refunds it. A cancel that comes first makes the saga's claim fail, so the
/// authorisation is only ever voided, never captured.
pub async fn a_cancel_never_meets_a_capture(app: App) {
    let user = new_user();
    let (order, mut rec) = paying(&app, &user, Step::Committed).await;
    let refused = app
        .orders()
        .cancel_order(cancel(&user, order.id.as_str()))
        .await
        .expect_err("the payment is being taken");
    assert_eq!(error_code(&refused), "CONFLICT", "{refused:?}");
    assert!(refused.message().contains("being taken"), "{refused:?}");
    assert_eq!(app.get(&user, &order.id).await.status, "PAYMENT_PENDING");
    let captured = app.engine.capture(&order.id).await.unwrap();
    app.engine.confirm(&mut rec, &captured.id).await.unwrap();
    let cancelled = app
        .orders()
        .cancel_order(cancel(&user, order.id.as_str()))
        .await
        .expect("cancelled once paid")
        .into_inner();
    assert_eq!(
        (cancelled.status.as_str(), cancelled.payment_status.as_str()),
        ("CANCELLED", "REFUNDED")
    );

    let user = new_user();
    let (order, mut rec) = paying(&app, &user, Step::Authorized).await;
    app.orders()
        .cancel_order(cancel(&user, order.id.as_str()))
        .await
        .expect("nothing is being taken yet");
    let e = app.engine.claim_payment(&mut rec).await.unwrap_err();
    assert_eq!(e.code.as_str(), "CONFLICT", "{e:?}");
    assert!(e.message.contains("nothing was charged"), "{e:?}");
    assert_eq!(
        app.payment(&order.id).await.unwrap().status().spelling(),
        "CANCELLED",
        "the authorisation is voided, never captured"
    );
    assert_eq!(app.get(&user, &order.id).await.status, "CANCELLED");
}
