//! Coupons on carts: every seeded coupon by its rules, and an attached coupon re-evaluated on
//! every change (kept with a message when it stops applying).
use tonic::Code;
use vici_proto::cart::v1 as pb;

use crate::admin::coupon_id;
use crate::harness::{App, assert_invalid, assert_refused, details, new_user, product};
use crate::items::assert_totals;

#[track_caller]
pub fn assert_coupon_refused(err: &tonic::Status, message: &str, reason: &str) {
    assert_refused(err, Code::AlreadyExists, message);
    assert_eq!(details(err)["reason"], reason, "{err:?}");
}

pub fn redeem(code: &str, user: &str, order: &str, subtotal_cents: i64) -> pb::RedeemCouponRequest {
    pb::RedeemCouponRequest {
        code: code.into(),
        user_id: user.into(),
        order_id: order.into(),
        subtotal_cents,
    }
}

pub async fn seeded_coupons_apply_by_their_rules(app: App) {
    // SAVE20: 20 % from $50.00 — the minimum itself qualifies, a cent less does not.
    let book = product("atomic-habits-book");
    app.set_price(&book, 2_500).await;
    let at_minimum = new_user();
    app.services.add_to_cart(&at_minimum, &book, 2).await;
    let cart = app
        .services
        .apply_coupon(&at_minimum, "SAVE20")
        .await
        .unwrap();
    assert_eq!(cart.coupon_code.as_deref(), Some("SAVE20"));
    assert_eq!(
        (cart.subtotal_cents, cart.discount_cents, cart.total_cents),
        (5_000, 1_000, 4_000)
    );
    assert_eq!(cart.coupon_message, None);
    assert_totals(&cart);

    let below = new_user();
    let before = app
        .services
        .add_to_cart(&below, &product("zara-floral-dress"), 1)
        .await;
    let err = app
        .services
        .apply_coupon(&below, "SAVE20")
        .await
        .unwrap_err();
    assert_coupon_refused(&err, "Minimum order $50.00 required", "minimum");
    assert_eq!(
        app.services.cart_of(&below).await,
        before,
        "a refused coupon is not attached"
    );

    // Codes are case-insensitive and trimmed.
    let lower = app
        .services
        .apply_coupon(&at_minimum, "  save20 ")
        .await
        .unwrap();
    assert_eq!(lower.coupon_code.as_deref(), Some("SAVE20"));

    // FLAT15: $15 off from $100.00.
    let flat = new_user();
    app.services
        .add_to_cart(&flat, &product("logitech-mx-master-3s"), 1)
        .await;
    let err = app
        .services
        .apply_coupon(&flat, "FLAT15")
        .await
        .unwrap_err();
    assert_coupon_refused(&err, "Minimum order $100.00 required", "minimum");
    app.services.add_to_cart(&flat, &book, 1).await;
    let cart = app.services.apply_coupon(&flat, "flat15").await.unwrap();
    assert_eq!((cart.subtotal_cents, cart.discount_cents), (12_499, 1_500));
    assert_totals(&cart);

    // EXPIRED5 expired in 2024.
    let err = app
        .services
        .apply_coupon(&flat, "EXPIRED5")
        .await
        .unwrap_err();
    assert_coupon_refused(&err, "This coupon has expired", "expired");
    assert_eq!(
        app.services.cart_of(&flat).await.coupon_code.as_deref(),
        Some("FLAT15"),
        "the old one stays"
    );

    // WELCOME10: 10 %, once per user; applying replaces the attached coupon.
    let cart = app.services.apply_coupon(&flat, "WELCOME10").await.unwrap();
    assert_eq!(
        (cart.coupon_code.as_deref(), cart.discount_cents),
        (Some("WELCOME10"), 1_250)
    );
    app.cart()
        .redeem_coupon(redeem("WELCOME10", &flat, &new_user(), 12_499))
        .await
        .expect("first use");
    let used = app.services.cart_of(&flat).await;
    assert_eq!(
        (used.discount_cents, used.coupon_code.as_deref()),
        (0, Some("WELCOME10"))
    );
    assert_eq!(
        used.coupon_message.as_deref(),
        Some("This coupon has already been used up")
    );
    let err = app
        .services
        .apply_coupon(&flat, "WELCOME10")
        .await
        .unwrap_err();
    assert_coupon_refused(&err, "This coupon has already been used up", "used");
    assert!(
        app.services
            .apply_coupon(&at_minimum, "WELCOME10")
            .await
            .is_ok(),
        "another user's use is theirs"
    );

    let err = app.services.apply_coupon(&flat, "NOPE").await.unwrap_err();
    assert_refused(&err, Code::NotFound, "Invalid coupon code");
    for bad in ["SAVE 20", "", "ÉTÉ", &"A".repeat(10_240)] {
        assert_invalid(
            &app.services.apply_coupon(&flat, bad).await.unwrap_err(),
            "couponCode",
        );
    }
}

pub async fn a_coupon_is_reevaluated_on_every_change(app: App) {
    let user = new_user();
    let dress = product("zara-floral-dress");
    let book = product("atomic-habits-book");
    app.services.add_to_cart(&user, &dress, 1).await;
    let two = app.services.add_to_cart(&user, &book, 1).await;
    let line = two.items[1].id.clone();
    assert_eq!(
        app.services
            .apply_coupon(&user, "SAVE20")
            .await
            .unwrap()
            .discount_cents,
        1_340
    );
    let removed = app
        .cart()
        .remove_item(pb::RemoveItemRequest {
            user_id: user.clone(),
            item_id: line,
            session_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (removed.discount_cents, removed.coupon_code.as_deref()),
        (0, Some("SAVE20"))
    );
    assert_eq!(
        removed.coupon_message.as_deref(),
        Some("Minimum order $50.00 required")
    );
    assert_totals(&removed);
    let back = app.services.add_to_cart(&user, &book, 1).await;
    assert_eq!(
        (back.discount_cents, back.coupon_message.clone()),
        (1_340, None)
    );

    // A price change is a change too, seen on the next read.
    app.set_price(&book, 1).await;
    let cheaper = app.services.cart_of(&user).await;
    assert_eq!(
        (cheaper.subtotal_cents, cheaper.discount_cents),
        (5_000, 1_000)
    );

    // Deactivated or deleted: still attached, takes nothing off.
    let save20 = coupon_id(&app, "SAVE20").await;
    let deactivate = pb::UpdateCouponRequest {
        id: save20.clone(),
        is_active: Some(false),
        ..pb::UpdateCouponRequest::default()
    };
    app.cart().update_coupon(deactivate).await.unwrap();
    let off = app.services.cart_of(&user).await;
    assert_eq!(
        (off.discount_cents, off.coupon_message.as_deref()),
        (0, Some("This coupon is no longer available"))
    );
    let err = app
        .services
        .apply_coupon(&user, "SAVE20")
        .await
        .unwrap_err();
    assert_refused(&err, Code::NotFound, "Invalid coupon code");

    let removed = app
        .cart()
        .remove_coupon(pb::CartRef {
            user_id: user.clone(),
            session_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (
            removed.coupon_code,
            removed.coupon_message,
            removed.discount_cents
        ),
        (None, None, 0)
    );
    app.services.apply_coupon(&user, "WELCOME10").await.unwrap();
    let cleared = app
        .cart()
        .clear_cart(pb::ClearCartRequest {
            user_id: user.clone(),
            session_id: String::new(),
            after_order: false,
            item_ids: Vec::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(cleared.items.is_empty());
    assert_eq!(cleared.coupon_code, None, "clearing detaches the coupon");
}
