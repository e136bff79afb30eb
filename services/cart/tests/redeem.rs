//! Checkout's coupon redemptions: counted once per order, given back on release, limits held,
//! and a retry that survives the coupon's deletion or the reuse of its code.
use tonic::Code;
use vici_proto::cart::v1 as pb;

use crate::admin::{get, input};
use crate::coupons::{assert_coupon_refused, redeem};
use crate::harness::{App, assert_invalid, assert_refused, new_user};

/// Checkout's second coupon for an order that already redeemed one.
async fn assert_other_coupon_refused(app: &App, code: &str, user: &str, order: &str) {
    let err = app
        .cart()
        .redeem_coupon(redeem(code, user, order, 9_000))
        .await
        .unwrap_err();
    assert_refused(
        &err,
        Code::AlreadyExists,
        "This order already redeemed another coupon",
    );
}

pub async fn redemptions_count_once_per_order(app: App) {
    let limited = pb::CouponInput {
        usage_limit: Some(2),
        min_subtotal_cents: 1_000,
        ..input("TWICE", "percent", 10)
    };
    app.cart().create_coupon(limited).await.unwrap();
    let (user, other) = (new_user(), new_user());
    let (first, second, third) = (new_user(), new_user(), new_user());
    let mut client = app.cart();
    let used = client
        .redeem_coupon(redeem("twice", &user, &first, 5_000))
        .await
        .unwrap()
        .into_inner();
    assert_eq!((used.code.as_str(), used.used_count), ("TWICE", 1));
    let repeat = client
        .redeem_coupon(redeem("TWICE", &user, &first, 5_000))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        repeat.used_count, 1,
        "a repeat for the same order counts nothing"
    );
    client
        .redeem_coupon(redeem("TWICE", &other, &second, 5_000))
        .await
        .unwrap();
    let err = client
        .redeem_coupon(redeem("TWICE", &other, &third, 5_000))
        .await
        .unwrap_err();
    assert_coupon_refused(&err, "This coupon has already been used up", "used");

    client
        .release_coupon(pb::ReleaseCouponRequest {
            order_id: first.clone(),
        })
        .await
        .unwrap();
    client
        .release_coupon(pb::ReleaseCouponRequest {
            order_id: first.clone(),
        })
        .await
        .unwrap();
    assert_eq!(get(&app, &used.id).await.unwrap().used_count, 1);
    let err = client
        .redeem_coupon(redeem("TWICE", &other, &third, 999))
        .await
        .unwrap_err();
    assert_coupon_refused(&err, "Minimum order $10.00 required", "minimum");
    let now = client
        .redeem_coupon(redeem("TWICE", &other, &third, 1_000))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(now.used_count, 2, "the released use was given back");

    assert_other_coupon_refused(&app, "SAVE20", &other, &third).await;
    let err = client
        .redeem_coupon(redeem("NOPE", &user, &new_user(), 5_000))
        .await
        .unwrap_err();
    assert_refused(&err, Code::NotFound, "Invalid coupon code");
    assert_invalid(
        &client
            .redeem_coupon(redeem("TWICE", &user, "order-1", 5_000))
            .await
            .unwrap_err(),
        "orderId",
    );
    assert_invalid(
        &client
            .redeem_coupon(redeem("TWICE", &user, &new_user(), -1))
            .await
            .unwrap_err(),
        "subtotalCents",
    );
    assert_invalid(
        &client
            .redeem_coupon(redeem("TWICE", "u", &new_user(), 1))
            .await
            .unwrap_err(),
        "userId",
    );
    let err = client
        .release_coupon(pb::ReleaseCouponRequest {
            order_id: "1".into(),
        })
        .await
        .unwrap_err();
    assert_invalid(&err, "orderId");
}

/// A retry of a redemption answers as the first did even after the coupon was deleted and its
/// code given to a new coupon, and counts nothing; a new order with that code gets the new one.
pub async fn a_retried_redemption_survives_deletion_and_code_reuse(app: App) {
    let mut client = app.cart();
    let first = client
        .create_coupon(input("RETRY", "percent", 10))
        .await
        .unwrap()
        .into_inner();
    let (user, order) = (new_user(), new_user());
    let used = client
        .redeem_coupon(redeem("RETRY", &user, &order, 5_000))
        .await
        .unwrap()
        .into_inner();
    assert_eq!((used.id.as_str(), used.used_count), (first.id.as_str(), 1));
    client
        .delete_coupon(pb::CouponRef {
            id: first.id.clone(),
        })
        .await
        .unwrap();
    let retry = client
        .redeem_coupon(redeem("RETRY", &user, &order, 5_000))
        .await
        .expect("a retry after the coupon was deleted")
        .into_inner();
    assert_eq!(
        (retry.id.as_str(), retry.used_count),
        (first.id.as_str(), 1),
        "the same coupon, not counted again"
    );

    let reused = client
        .create_coupon(input("RETRY", "fixed", 500))
        .await
        .unwrap()
        .into_inner();
    let retry = client
        .redeem_coupon(redeem("RETRY", &user, &order, 5_000))
        .await
        .expect("a retry after the code was reused")
        .into_inner();
    assert_eq!(
        (retry.id.as_str(), retry.used_count),
        (first.id.as_str(), 1)
    );
    assert_eq!(get(&app, &reused.id).await.unwrap().used_count, 0);
    assert_other_coupon_refused(&app, "SAVE20", &user, &order).await;
    let other = client
        .redeem_coupon(redeem("RETRY", &user, &new_user(), 5_000))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (other.id.as_str(), other.used_count),
        (reused.id.as_str(), 1)
    );
}
