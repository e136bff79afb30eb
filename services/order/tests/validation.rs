//! Bad input for every RPC: refused with the right code and field, never a panic or INTERNAL,
//! and a refused request changes nothing.
use tonic::Code;
use vici_proto::order::v1 as pb;
use vici_testkit::details;

use crate::harness::{App, address, new_user, order_ref, place, product};

#[track_caller]
fn invalid(r: Result<impl std::fmt::Debug, tonic::Status>, field: &str) {
    let e = r.expect_err("refused");
    assert_eq!(e.code(), Code::InvalidArgument, "{e:?}");
    assert!(details(&e).contains_key(field), "{field} missing in {e:?}");
}

pub async fn bad_checkouts_change_nothing(app: App) {
    let mouse = product("logitech-mx-master-3s");
    let user = new_user();
    let mut orders = app.orders();
    // Empty cart.
    invalid(
        orders.place_order(place(&user, "pm_card_visa", true)).await,
        "cart",
    );
    invalid(
        orders
            .calculate(pb::CalculateRequest {
                user_id: user.clone(),
                ..Default::default()
            })
            .await,
        "cart",
    );
    app.services.add_to_cart(&user, &mouse, 1).await;
    let stock = app.services.stock(&mouse).await;
    let cart = app.services.cart_of(&user).await;
    let mut r = place(&user, "pm_card_visa", true);
    r.user_id = "nobody".into();
    invalid(orders.place_order(r).await, "userId");
    for bad in ["", "visa", "pm_", "cash"] {
        invalid(
            orders.place_order(place(&user, bad, true)).await,
            "paymentMethod",
        );
    }
    let mut r = place(&user, "pm_card_visa", true);
    r.shipping_address = None;
    invalid(orders.place_order(r).await, "shippingAddress");
    let mut r = place(&user, "pm_card_visa", true);
    let mut a = address();
    a.city = "  ".into();
    a.country = "x".repeat(201);
    r.shipping_address = Some(a);
    let e = orders.place_order(r).await.unwrap_err();
    let d = details(&e);
    assert!(
        d.contains_key("shippingAddress.city") && d.contains_key("shippingAddress.country"),
        "{e:?}"
    );
    // The shop's one address rule, as for saved addresses: a phone, an assigned country.
    let mut r = place(&user, "pm_card_visa", true);
    let mut a = address();
    a.phone = String::new();
    a.country = "UK".into();
    r.shipping_address = Some(a);
    let e = orders.place_order(r).await.unwrap_err();
    let d = details(&e);
    assert_eq!(d["shippingAddress.phone"], "Phone is required", "{e:?}");
    assert_eq!(
        d["shippingAddress.country"],
        "UK is not an ISO 3166-1 country code"
    );
    let mut r = place(&user, "pm_card_visa", true);
    let mut billing = address();
    billing.first_name = String::new();
    r.billing_address = Some(billing);
    invalid(orders.place_order(r).await, "billingAddress.firstName");
    let mut r = place(&user, "pm_card_visa", true);
    r.idempotency = Some(pb::Idempotency {
        key: "k".repeat(300),
        fingerprint: "f".into(),
    });
    invalid(orders.place_order(r).await, "idempotencyKey");
    // A coupon the cart refuses is the cart's 409.
    let mut r = place(&user, "pm_card_visa", true);
    r.coupon_code = Some("EXPIRED5".into());
    let e = orders.place_order(r).await.unwrap_err();
    assert_eq!(e.code(), Code::AlreadyExists, "{e:?}");
    let e = orders
        .create_payment_intent(pb::CreatePaymentIntentRequest {
            user_id: user.clone(),
            expected_amount_cents: Some(1),
            currency: "USD".into(),
            idempotency: None,
        })
        .await
        .unwrap_err();
    assert_eq!(
        (e.code(), e.message()),
        (Code::AlreadyExists, "Cart changed")
    );
    invalid(
        orders
            .create_payment_intent(pb::CreatePaymentIntentRequest {
                user_id: user.clone(),
                currency: "EUR".into(),
                ..Default::default()
            })
            .await,
        "currency",
    );
    // Nothing happened.
    assert_eq!(app.services.stock(&mouse).await, stock);
    assert_eq!(app.services.cart_of(&user).await.items, cart.items);
    assert_eq!(app.payment_count().await, 0);
    let quote = orders
        .calculate(pb::CalculateRequest {
            user_id: user.clone(),
            ..Default::default()
        })
        .await;
    // 99.99, free shipping, 8 % tax 8.00.
    assert_eq!(quote.unwrap().into_inner().total_cents, 10_799);
}

pub async fn bad_references_are_refused(app: App) {
    let user = new_user();
    app.services
        .add_to_cart(&user, &product("logitech-mx-master-3s"), 1)
        .await;
    let order = app
        .orders()
        .place_order(place(&user, "pm_card_visa", false))
        .await
        .unwrap()
        .into_inner();
    let stranger = new_user();
    let unknown = new_user();
    let mut orders = app.orders();
    invalid(
        orders.get_order(order_ref(&user, "not-an-id")).await,
        "orderId",
    );
    invalid(orders.get_order(order_ref("me", &order.id)).await, "userId");
    invalid(orders.get_history(order_ref(&user, "1")).await, "orderId");
    for r in [order_ref(&stranger, &order.id), order_ref(&user, &unknown)] {
        assert_eq!(
            orders.get_order(r.clone()).await.unwrap_err().code(),
            Code::NotFound
        );
        assert_eq!(
            orders.get_history(r).await.unwrap_err().code(),
            Code::NotFound
        );
    }
    let pay = |user: &str, id: &str, method: &str| pb::PayOrderRequest {
        user_id: user.into(),
        order_id: id.into(),
        payment_method: method.into(),
        idempotency: None,
    };
    invalid(
        orders.pay_order(pay(&user, "x", "pm_card_visa")).await,
        "orderId",
    );
    invalid(
        orders.pay_order(pay(&user, &order.id, "bitcoin")).await,
        "paymentMethod",
    );
    let e = orders
        .pay_order(pay(&stranger, &order.id, "pm_card_visa"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::NotFound);
    let cancel = |user: &str, id: &str, reason: String| pb::CancelOrderRequest {
        user_id: user.into(),
        order_id: id.into(),
        reason,
        any_user: false,
    };
    invalid(
        orders.cancel_order(cancel(&user, "x", String::new())).await,
        "orderId",
    );
    invalid(
        orders
            .cancel_order(cancel(&user, &order.id, "r".repeat(1001)))
            .await,
        "reason",
    );
    let e = orders
        .cancel_order(cancel(&stranger, &order.id, String::new()))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::NotFound);
    let list = |status: Option<&str>, from: Option<&str>| pb::ListOrdersRequest {
        user_id: user.clone(),
        status: status.map_or(0, crate::harness::status),
        from: from.map(str::to_string),
        ..Default::default()
    };
    invalid(orders.list_orders(list(Some("LOST"), None)).await, "status");
    invalid(
        orders.list_orders(list(None, Some("yesterday"))).await,
        "from",
    );
    let mut backwards = list(None, Some("2030-01-01T00:00:00Z"));
    backwards.to = Some("2020-01-01T00:00:00Z".into());
    invalid(orders.list_orders(backwards).await, "from");
    // Nothing changed.
    let now = app.get(&user, &order.id).await;
    assert_eq!(
        (now.status, now.updated_at),
        (order.status, order.updated_at)
    );
    assert_eq!(app.payment_count().await, 0);
}

pub async fn bad_admin_moves_are_refused(app: App) {
    let user = new_user();
    app.services
        .add_to_cart(&user, &product("logitech-mx-master-3s"), 1)
        .await;
    let order = app
        .orders()
        .place_order(place(&user, "pm_card_visa", true))
        .await
        .unwrap()
        .into_inner();
    let mut orders = app.orders();
    let set = |id: &str, status: &str, actor: &str| pb::SetStatusRequest {
        order_id: id.into(),
        status: crate::harness::status(status),
        note: String::new(),
        tracking: None,
        actor: actor.into(),
    };
    for unnamed in ["LOST", "UNSPECIFIED"] {
        invalid(
            orders.set_status(set(&order.id, unnamed, "admin")).await,
            "status",
        );
    }
    invalid(
        orders.set_status(set(&order.id, "PROCESSING", " ")).await,
        "actor",
    );
    invalid(
        orders.set_status(set("x", "PROCESSING", "admin")).await,
        "orderId",
    );
    let e = orders
        .set_status(set(&new_user(), "PROCESSING", "admin"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::NotFound);
    for same_or_back in [
        "CONFIRMED",
        "PENDING",
        "PAYMENT_PENDING",
        "DELIVERED",
        "REFUNDED",
    ] {
        let e = orders
            .set_status(set(&order.id, same_or_back, "admin"))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::AlreadyExists, "{same_or_back}");
    }
    app.set_status(&order.id, "PROCESSING", None).await.unwrap();
    let mut bad_tracking = set(&order.id, "SHIPPED", "admin");
    bad_tracking.tracking = Some(pb::Tracking {
        carrier: "UPS".into(),
        ..Default::default()
    });
    invalid(
        orders.set_status(bad_tracking).await,
        "tracking.trackingNumber",
    );
    let now = app.get(&user, &order.id).await;
    assert_eq!((now.status.as_str(), now.tracking), ("PROCESSING", None));
    assert_eq!(app.history(&user, &order.id).await.len(), 3);
}
