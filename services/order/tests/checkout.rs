//! Checkout end to end: confirm with a card, a decline, cash on delivery, POST /orders then
//! PayOrder, and a reservation that expires before payment.
use tonic::Code;
use vici_bus::topics::{ORDER_EVENTS, PURCHASE_EVENTS, USER_EVENTS};
use vici_proto::order::v1 as pb;
use vici_testkit::{details, error_code};

use crate::harness::{App, new_user, order_ref, place, product};
use vici_proto::vocabulary::Spelled as _;

fn pay(user: &str, order_id: &str, method: &str) -> pb::PayOrderRequest {
    pb::PayOrderRequest {
        user_id: user.into(),
        order_id: order_id.into(),
        payment_method: method.into(),
        idempotency: None,
    }
}

pub async fn confirm_takes_payment_and_announces_it(app: App) {
    let (mouse, book) = (
        product("logitech-mx-master-3s"),
        product("atomic-habits-book"),
    );
    let user = new_user();
    let (mouse_before, _) = app.services.stock(&mouse).await;
    app.services.add_to_cart(&user, &mouse, 2).await;
    app.services.add_to_cart(&user, &book, 1).await;
    let order = app
        .orders()
        .place_order(place(&user, "pm_card_visa", true))
        .await
        .expect("checkout")
        .into_inner();
    assert_eq!(
        (order.status.as_str(), order.payment_status.as_str()),
        ("CONFIRMED", "PAID")
    );
    assert_eq!(order.order_number, "VS-100001");
    // 2 × 99.99 + 16.99 = 216.97; free shipping; 8 % tax = 17.3576 → 17.36.
    assert_eq!(
        (
            order.subtotal_cents,
            order.shipping_cents,
            order.tax_cents,
            order.total_cents
        ),
        (21_697, 0, 1_736, 23_433)
    );
    assert_eq!(order.items.len(), 2);
    let line = order.items.iter().find(|i| i.product_id == mouse).unwrap();
    assert_eq!(
        (line.quantity, line.unit_price_cents, line.total_price_cents),
        (2, 9_999, 19_998)
    );
    assert!(!line.name.is_empty() && !line.sku.is_empty() && !line.product_slug.is_empty());
    assert_eq!(order.shipping_address.as_ref().unwrap().city, "London");
    let payment = app.payment(&order.id).await.unwrap();
    assert_eq!(payment.status().spelling(), "SUCCEEDED");
    assert_eq!(order.payment_id.as_deref(), Some(payment.id.as_str()));
    assert_eq!(payment.amount_cents, order.total_cents);
    assert_eq!(
        app.services.stock(&mouse).await,
        (mouse_before - 2, 0),
        "stock committed"
    );
    assert_eq!(
        app.reservation(&order.id).await.as_deref(),
        Some("COMMITTED")
    );
    assert!(
        app.services.cart_of(&user).await.items.is_empty(),
        "ordered lines leave the cart"
    );
    assert_eq!(
        app.history(&user, &order.id).await,
        vec![
            ("PENDING".into(), user.clone()),
            ("CONFIRMED".into(), "system".into())
        ]
    );

    let id = order.id.clone();
    let announced = app
        .services
        .drain("t-orders", &[ORDER_EVENTS])
        .await
        .until(|es| es.iter().any(|e| e.event_type == "order.confirmed"))
        .await;
    let kinds: Vec<&str> = announced.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(kinds, ["order.created", "order.confirmed"]);
    assert_eq!(announced[1].data["orderId"], id);
    assert_eq!(announced[1].data["totalCents"], 23_433);
    assert_eq!(announced[1].data["items"].as_array().unwrap().len(), 2);
    let purchases = app
        .services
        .drain("t-purchase", &[PURCHASE_EVENTS])
        .await
        .until(|es| es.len() == 2)
        .await;
    let behaviour = app
        .services
        .drain("t-user", &[USER_EVENTS])
        .await
        .until(|es| {
            es.iter()
                .filter(|e| e.event_type == "behaviour.purchase")
                .count()
                == 2
        })
        .await;
    for p in &purchases {
        assert_eq!(p.event_type, "behaviour.purchase");
        assert_eq!(
            (p.data["orderId"].as_str(), p.data["userId"].as_str()),
            (Some(id.as_str()), Some(user.as_str()))
        );
        assert!(
            behaviour.iter().any(|b| b.id == p.id),
            "same event id on user-events"
        );
    }
    let mouse_line = purchases
        .iter()
        .find(|p| p.data["productId"] == mouse)
        .unwrap();
    assert_eq!(
        (
            mouse_line.data["quantity"].as_i64(),
            mouse_line.data["priceCents"].as_i64()
        ),
        (Some(2), Some(9_999))
    );

    app.services.add_to_cart(&user, &book, 1).await;
    let second = app
        .orders()
        .place_order(place(&user, "pm_card_mastercard", true))
        .await
        .unwrap();
    assert_eq!(second.into_inner().order_number, "VS-100002");
}

pub async fn a_declined_card_cancels_and_keeps_the_cart(app: App) {
    let mouse = product("logitech-mx-master-3s");
    let user = new_user();
    app.services.add_to_cart(&user, &mouse, 1).await;
    app.services
        .apply_coupon(&user, "SAVE20")
        .await
        .expect("apply coupon");
    let cart_before = app.services.cart_of(&user).await;
    let stock_before = app.services.stock(&mouse).await;
    let uses_before = app.coupon_uses("SAVE20").await;
    let err = app
        .orders()
        .place_order(place(&user, "pm_card_chargeDeclined", true))
        .await
        .unwrap_err();
    assert_eq!(error_code(&err), "PAYMENT_FAILED", "{err:?}");
    assert_eq!(err.message(), "Your card was declined.");
    let order_id = details(&err)["orderId"].clone();
    let order = app.get(&user, &order_id).await;
    assert_eq!(
        (order.status.as_str(), order.payment_status.as_str()),
        ("CANCELLED", "FAILED")
    );
    assert_eq!(
        order.status_reason.as_deref(),
        Some("Your card was declined.")
    );
    assert_eq!(
        app.services.stock(&mouse).await,
        stock_before,
        "stock back where it was"
    );
    assert_eq!(
        app.reservation(&order_id).await.as_deref(),
        Some("RELEASED")
    );
    assert_eq!(
        app.coupon_uses("SAVE20").await,
        uses_before,
        "redemption released"
    );
    let cart_after = app.services.cart_of(&user).await;
    assert_eq!(cart_after.items, cart_before.items, "same lines");
    assert_eq!(cart_after.coupon_code.as_deref(), Some("SAVE20"));
    assert_eq!(
        app.payment(&order_id).await.unwrap().status().spelling(),
        "FAILED"
    );
    let err = app
        .orders()
        .place_order(place(
            &user,
            "pm_card_chargeDeclinedInsufficientFunds",
            true,
        ))
        .await
        .unwrap_err();
    assert_eq!(
        (error_code(&err).as_str(), err.message()),
        ("PAYMENT_FAILED", "Your card has insufficient funds.")
    );
}

pub async fn cash_on_delivery_is_paid_at_the_door(app: App) {
    let mouse = product("logitech-mx-master-3s");
    let user = new_user();
    let (before, _) = app.services.stock(&mouse).await;
    app.services.add_to_cart(&user, &mouse, 1).await;
    app.services
        .apply_coupon(&user, "SAVE20")
        .await
        .expect("apply coupon");
    let order = app
        .orders()
        .place_order(place(&user, "cash_on_delivery", false))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (order.status.as_str(), order.payment_status.as_str()),
        ("CONFIRMED", "PENDING")
    );
    assert_eq!(
        app.services.stock(&mouse).await,
        (before - 1, 0),
        "stock committed"
    );
    let cart = app.services.cart_of(&user).await;
    assert!(
        cart.items.is_empty() && cart.coupon_code.is_none(),
        "cart and coupon emptied"
    );
    assert_eq!(
        app.payment(&order.id).await.unwrap().status().spelling(),
        "PENDING"
    );
    app.set_status(&order.id, "PROCESSING", None).await.unwrap();
    let tracking = pb::Tracking {
        carrier: "UPS".into(),
        tracking_number: "1Z999".into(),
        ..Default::default()
    };
    app.set_status(&order.id, "SHIPPED", Some(tracking))
        .await
        .unwrap();
    let delivered = app.set_status(&order.id, "DELIVERED", None).await.unwrap();
    assert_eq!(
        (delivered.status.as_str(), delivered.payment_status.as_str()),
        ("DELIVERED", "PAID")
    );
    assert_eq!(
        app.payment(&order.id).await.unwrap().status().spelling(),
        "SUCCEEDED"
    );
}

pub async fn orders_wait_for_payment_then_pay(app: App) {
    let mouse = product("logitech-mx-master-3s");
    let user = new_user();
    let (before, _) = app.services.stock(&mouse).await;
    app.services.add_to_cart(&user, &mouse, 1).await;
    let order = app
        .orders()
        .place_order(place(&user, "pm_card_visa", false))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (order.status.as_str(), order.payment_status.as_str()),
        ("PAYMENT_PENDING", "PENDING")
    );
    assert_eq!(
        app.services.stock(&mouse).await,
        (before - 1, 1),
        "stock held"
    );
    assert!(app.services.cart_of(&user).await.items.is_empty());
    assert!(
        app.payment(&order.id).await.is_err(),
        "nothing authorised yet"
    );

    let err = app
        .orders()
        .pay_order(pay(&user, &order.id, "pm_card_chargeDeclined"))
        .await
        .unwrap_err();
    assert_eq!(error_code(&err), "PAYMENT_FAILED");
    assert_eq!(details(&err)["orderId"], order.id);
    let still = app.get(&user, &order.id).await;
    assert_eq!(still.status, "PAYMENT_PENDING");
    assert_eq!(
        still.status_reason.as_deref(),
        Some("Your card was declined.")
    );
    assert_eq!(app.reservation(&order.id).await.as_deref(), Some("HELD"));

    let paid = app
        .orders()
        .pay_order(pay(&user, &order.id, "pm_card_visa"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (paid.status.as_str(), paid.payment_status.as_str()),
        ("CONFIRMED", "PAID")
    );
    assert_eq!(app.services.stock(&mouse).await, (before - 1, 0));
    let err = app
        .orders()
        .pay_order(pay(&user, &order.id, "pm_card_visa"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::AlreadyExists, "{err:?}");
    assert_eq!(app.payment_count().await, 2, "the decline and the payment");
}

/// Places a PAYMENT_PENDING order with a coupon, then expires every reservation.
async fn expire_a_waiting_order(app: &App, user: &str) -> (String, String, (i64, i64), i64) {
    let mouse = product("logitech-mx-master-3s");
    let stock = app.services.stock(&mouse).await;
    let uses = app.coupon_uses("WELCOME10").await;
    app.services.add_to_cart(user, &mouse, 1).await;
    app.services
        .apply_coupon(user, "WELCOME10")
        .await
        .expect("apply coupon");
    let order = app
        .orders()
        .place_order(place(user, "pm_card_visa", false))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(order.coupon_code.as_deref(), Some("WELCOME10"));
    assert_eq!(app.coupon_uses("WELCOME10").await, uses + 1);
    let later = vici_store::now_ms() + 3_600_000;
    assert_eq!(
        vici_inventory::sweep_expired(&app.inventory_db, later)
            .await
            .unwrap(),
        1
    );
    assert_eq!(app.reservation(&order.id).await.as_deref(), Some("EXPIRED"));
    (order.id, mouse, stock, uses)
}

pub async fn an_expired_reservation_cannot_be_paid(app: App) {
    let user = new_user();
    let (order_id, mouse, stock, uses) = expire_a_waiting_order(&app, &user).await;
    let err = app
        .orders()
        .pay_order(pay(&user, &order_id, "pm_card_visa"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::AlreadyExists, "{err:?}");
    app.recover().await;
    let order = app.get(&user, &order_id).await;
    assert_eq!(order.status, "CANCELLED");
    if let Ok(p) = app.payment(&order_id).await {
        assert!(
            !["AUTHORIZED", "SUCCEEDED"].contains(&p.status().spelling()),
            "{p:?}"
        );
    }
    // Expired by a sweep run directly, as another replica would: the bus brings it.
    app.services.stock_becomes(&mouse, stock).await;
    assert_eq!(app.coupon_uses("WELCOME10").await, uses, "coupon released");
}

pub async fn reservation_expiry_cancels_a_waiting_order(app: App) {
    let user = new_user();
    let (order_id, _, _, uses) = expire_a_waiting_order(&app, &user).await;
    // The consumer cancels the order when the inventory's event arrives.
    let mut order = app.get(&user, &order_id).await;
    for _ in 0..200 {
        if order.status == "CANCELLED" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        order = app.get(&user, &order_id).await;
    }
    assert_eq!(order.status, "CANCELLED");
    assert_eq!(
        order.status_reason.as_deref(),
        Some("Payment was not received in time")
    );
    assert_eq!(
        app.history(&user, &order_id).await.last().unwrap(),
        &("CANCELLED".into(), "system".into())
    );
    app.recover().await;
    assert_eq!(app.coupon_uses("WELCOME10").await, uses, "coupon released");
    let got = app
        .orders()
        .get_order(order_ref(&user, &order_id))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got.status, "CANCELLED", "and stays so");
}
