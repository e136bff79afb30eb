//! Concurrency proofs: buyers racing for the last units, one cart confirmed twice, one
//! Idempotency-Key sent many times at once, and a cart that changed between the quote the
//! shopper saw and the confirm.
use futures::future::join_all;
use tonic::Code;
use vici_proto::common::v1::PageRequest;
use vici_proto::order::v1 as pb;
use vici_testkit::{details, error_code};

use crate::harness::{App, keyed, new_user, place, product};

async fn order_count(app: &App, user: &str) -> u64 {
    let page = app
        .orders()
        .list_orders(pb::ListOrdersRequest {
            user_id: user.into(),
            page: Some(PageRequest {
                page: 1,
                limit: 100,
            }),
            ..Default::default()
        })
        .await
        .expect("list")
        .into_inner();
    page.page.unwrap().total
}

pub async fn buyers_race_for_the_last_units(app: App) {
    const BUYERS: usize = 12;
    const LEFT: i64 = 3;
    let bike = product("peloton-bike-plus");
    app.services.set_stock(&bike, None, LEFT).await;
    let users: Vec<String> = (0..BUYERS).map(|_| new_user()).collect();
    for u in &users {
        app.services.add_to_cart(u, &bike, 1).await;
    }
    let answers = join_all(users.iter().map(|u| {
        let mut orders = app.orders();
        let req = place(u, "pm_card_visa", true);
        async move { orders.place_order(req).await }
    }))
    .await;
    let mut confirmed = 0;
    for (u, a) in users.iter().zip(&answers) {
        match a {
            Ok(o) => {
                assert_eq!(o.get_ref().status, "CONFIRMED");
                confirmed += 1;
                assert_eq!(order_count(&app, u).await, 1);
            }
            Err(e) => {
                assert_eq!(error_code(e), "OUT_OF_STOCK", "{e:?}");
                assert_eq!(details(e)["productId"], bike);
                assert_eq!(order_count(&app, u).await, 0, "no order for a loser");
                assert_eq!(
                    app.services.cart_of(u).await.items.len(),
                    1,
                    "a loser keeps the cart"
                );
            }
        }
    }
    assert_eq!(confirmed, LEFT);
    assert_eq!(
        app.services.stock(&bike).await,
        (0, 0),
        "sold out, never negative"
    );
    assert_eq!(app.payment_count().await, LEFT, "no payment for any loser");
}

pub async fn one_cart_confirmed_twice_makes_one_order(app: App) {
    let mouse = product("logitech-mx-master-3s");
    let user = new_user();
    let (before, _) = app.services.stock(&mouse).await;
    app.services.add_to_cart(&user, &mouse, 1).await;
    let answers = join_all(["key-a", "key-b"].map(|k| {
        let mut orders = app.orders();
        let req = keyed(place(&user, "pm_card_visa", true), k, k);
        async move { orders.place_order(req).await }
    }))
    .await;
    let ok = answers.iter().filter(|a| a.is_ok()).count();
    assert_eq!(ok, 1, "{answers:?}");
    let err = answers.iter().find_map(|a| a.as_ref().err()).unwrap();
    let busy = err.code() == Code::AlreadyExists;
    let emptied = err.code() == Code::InvalidArgument && details(err).contains_key("cart");
    assert!(busy || emptied, "{err:?}");
    assert_eq!(order_count(&app, &user).await, 1);
    assert_eq!(app.payment_count().await, 1);
    assert_eq!(app.services.stock(&mouse).await, (before - 1, 0));
    assert_eq!(app.lock_holder(&user).await, None, "lock released");
}

pub async fn one_key_makes_one_order(app: App) {
    let mouse = product("logitech-mx-master-3s");
    let user = new_user();
    app.services.add_to_cart(&user, &mouse, 1).await;
    let req = keyed(place(&user, "pm_card_visa", true), "same-key", "fp-1");
    let answers = join_all((0..8).map(|_| {
        let mut orders = app.orders();
        let req = req.clone();
        async move { orders.place_order(req).await.map(|o| o.into_inner()) }
    }))
    .await;
    let first = answers[0].as_ref().expect("answered").clone();
    for a in &answers {
        assert_eq!(a.as_ref().expect("answered"), &first, "identical answers");
    }
    let again = app
        .orders()
        .place_order(req.clone())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(again, first, "a later repeat replays");
    assert_eq!(order_count(&app, &user).await, 1);
    assert_eq!(app.payment_count().await, 1);

    let other = keyed(place(&user, "pm_card_mastercard", true), "same-key", "fp-2");
    let err = app.orders().place_order(other).await.unwrap_err();
    assert_eq!(err.code(), Code::AlreadyExists);
    assert_eq!(
        err.message(),
        "This Idempotency-Key was already used with a different request"
    );

    // An error answer is replayed exactly, and charges nothing more.
    app.services.add_to_cart(&user, &mouse, 1).await;
    let declined = keyed(
        place(&user, "pm_card_chargeDeclined", true),
        "decline-key",
        "fp-3",
    );
    let e1 = app
        .orders()
        .place_order(declined.clone())
        .await
        .unwrap_err();
    let e2 = app.orders().place_order(declined).await.unwrap_err();
    assert_eq!(error_code(&e1), "PAYMENT_FAILED");
    assert_eq!(
        (e1.code(), e1.message(), e1.details(), error_code(&e1)),
        (e2.code(), e2.message(), e2.details(), error_code(&e2))
    );
    assert_eq!(
        app.payment_count().await,
        2,
        "the replay made no second attempt"
    );
    // No key: no idempotency, a second order.
    let plain = app
        .orders()
        .place_order(place(&user, "pm_card_visa", true))
        .await
        .unwrap();
    assert_ne!(plain.into_inner().id, first.id);
}

/// The two coupon races: between the quote and the confirm, the coupon stops applying (a price
/// drop takes the cart under its minimum), then the total rises (a price rise). Each confirm is
/// refused with "Cart changed" saying what changed, and nothing happens; the confirm that names
/// the new total goes through.
pub async fn a_cart_that_changed_since_the_quote_is_refused(app: App) {
    let user = new_user();
    let lamp = app.services.create_product("Quoted lamp", 6_000, 10).await;
    app.services.add_to_cart(&user, &lamp, 1).await;
    app.services.apply_coupon(&user, "SAVE20").await.unwrap();
    let quote = |user: String| {
        let mut orders = app.orders();
        async move {
            let request = pb::CalculateRequest {
                user_id: user,
                ..Default::default()
            };
            orders
                .calculate(request)
                .await
                .unwrap()
                .into_inner()
                .total_cents
        }
    };
    let shown = quote(user.clone()).await;
    let confirm = |expected: i64| {
        let mut r = place(&user, "pm_card_visa", true);
        r.expected_total_cents = Some(expected);
        r
    };
    // What the shopper put in the cart (its prices follow the catalogue).
    let lines = async || {
        let cart = app.services.cart_of(&user).await;
        let lines: Vec<_> = cart
            .items
            .iter()
            .map(|i| (i.id.clone(), i.quantity))
            .collect();
        (lines, cart.coupon_code)
    };
    let cart = lines().await;
    let stock = app.services.stock(&lamp).await;
    let uses = app.coupon_uses("SAVE20").await;
    let unchanged = async || {
        assert_eq!(app.services.stock(&lamp).await, stock);
        assert_eq!(lines().await, cart);
        assert_eq!(app.coupon_uses("SAVE20").await, uses);
        assert_eq!(order_count(&app, &user).await, 0);
        assert_eq!(app.payment_count().await, 0);
    };

    let price = |cents: i64| vici_proto::product::v1::ProductPatch {
        price_cents: Some(cents),
        ..Default::default()
    };
    app.services.update_product(&lamp, price(4_000)).await;
    let e = app.orders().place_order(confirm(shown)).await.unwrap_err();
    assert_eq!(
        (e.code(), e.message()),
        (Code::AlreadyExists, "Cart changed")
    );
    assert!(
        details(&e)["couponCode"].starts_with("SAVE20 no longer applies"),
        "{e:?}"
    );
    unchanged().await;

    app.services.update_product(&lamp, price(7_000)).await;
    let now = quote(user.clone()).await;
    assert!(now > shown);
    let e = app.orders().place_order(confirm(shown)).await.unwrap_err();
    assert_eq!(
        (e.code(), e.message()),
        (Code::AlreadyExists, "Cart changed")
    );
    let d = details(&e);
    let dollars = vici_pricing::dollars;
    assert_eq!(
        (d["expectedTotal"].clone(), d["total"].clone()),
        (dollars(shown), dollars(now))
    );
    unchanged().await;

    let placed = app
        .orders()
        .place_order(confirm(now))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(placed.total_cents, now);
    assert_eq!(app.coupon_uses("SAVE20").await, uses + 1);
}

/// One account cannot hoard stock in orders it does not pay: at most 3 orders and 20 units
/// await payment at once (the defaults), the one over either is refused and changes nothing,
/// and the stock of an order awaiting payment is held for 10 minutes, not a checkout's 15.
pub async fn unpaid_orders_are_limited_per_account(app: App) {
    let lamp = app
        .services
        .create_product("Hoarded lamp", 1_000, 100)
        .await;
    let later = |user: &str| place(user, "pm_card_visa", false);
    let hoarder = new_user();
    let mut placed = Vec::new();
    for _ in 0..3 {
        app.services.add_to_cart(&hoarder, &lamp, 1).await;
        let order = app.orders().place_order(later(&hoarder)).await.unwrap();
        placed.push(order.into_inner().id);
    }
    app.services.add_to_cart(&hoarder, &lamp, 1).await;
    let stock = app.services.stock(&lamp).await;
    assert_eq!(stock, (97, 3));
    let e = app.orders().place_order(later(&hoarder)).await.unwrap_err();
    assert_eq!(e.code(), Code::AlreadyExists, "{e:?}");
    assert_eq!(details(&e)["unpaidOrders"], "3");
    assert_eq!(app.services.stock(&lamp).await, stock, "nothing reserved");
    assert_eq!(order_count(&app, &hoarder).await, 3);
    assert_eq!(
        app.services.cart_of(&hoarder).await.items.len(),
        1,
        "the cart is kept"
    );
    // Paying now is still possible.
    let confirmed = app
        .orders()
        .place_order(place(&hoarder, "pm_card_visa", true))
        .await;
    assert!(confirmed.is_ok(), "{confirmed:?}");

    let bulk = new_user();
    app.services.add_to_cart(&bulk, &lamp, 21).await;
    let e = app.orders().place_order(later(&bulk)).await.unwrap_err();
    assert!(e.message().starts_with("At most 20 items"), "{e:?}");
    let fair = new_user();
    app.services.add_to_cart(&fair, &lamp, 20).await;
    let held = app
        .orders()
        .place_order(later(&fair))
        .await
        .unwrap()
        .into_inner();
    let hold: i64 = vici_testkit::scalar(
        &app.inventory_db,
        "SELECT expires_at - created_at FROM reservations WHERE order_id = $1",
        &[&held.id],
    )
    .await;
    assert_eq!(hold, 600_000, "held for VICI_ORDER_UNPAID_HOLD_SECS");
}
