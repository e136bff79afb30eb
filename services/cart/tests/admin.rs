//! The admin's catalogue of coupons: list, get, create, update (concurrent edits keep both),
//! soft delete, with validation and duplicate codes.
use tonic::Code;
use vici_proto::cart::v1 as pb;
use vici_proto::common::v1::PageRequest;
use vici_proto::vocabulary::Spelled as _;

use crate::harness::{App, assert_invalid, assert_refused, details, new_user, product};

pub fn input(code: &str, kind: &str, value: i64) -> pb::CouponInput {
    pb::CouponInput {
        code: code.into(),
        // A kind the contract does not have is sent as UNSPECIFIED.
        kind: pb::CouponKind::parse(kind).map_or(0, |k| k as i32),
        value,
        description: "test coupon".into(),
        ..pb::CouponInput::default()
    }
}

pub async fn coupon_id(app: &App, code: &str) -> String {
    list(app, 1, 100)
        .await
        .coupons
        .into_iter()
        .find(|c| c.code == code)
        .expect("listed")
        .id
}

pub async fn get(app: &App, id: &str) -> Result<pb::Coupon, tonic::Status> {
    let found = app.cart().get_coupon(pb::CouponRef { id: id.into() }).await;
    found.map(|r| r.into_inner())
}

async fn list(app: &App, page: u32, limit: u32) -> pb::CouponPage {
    app.cart()
        .list_coupons(pb::ListCouponsRequest {
            page: Some(PageRequest { page, limit }),
        })
        .await
        .unwrap()
        .into_inner()
}

pub async fn admins_manage_coupons(app: App) {
    let seeded = list(&app, 1, 100).await;
    assert_eq!(seeded.coupons.len(), 4);
    let save20 = seeded.coupons.iter().find(|c| c.code == "SAVE20").unwrap();
    assert_eq!(
        (
            save20.kind().spelling(),
            save20.value,
            save20.min_subtotal_cents
        ),
        ("percent", 20, 5_000)
    );
    let expired = seeded
        .coupons
        .iter()
        .find(|c| c.code == "EXPIRED5")
        .unwrap();
    assert_eq!(
        expired.expires_at.as_deref(),
        Some("2024-01-01T00:00:00.000Z")
    );

    let created = app
        .cart()
        .create_coupon(pb::CouponInput {
            min_subtotal_cents: 2_000,
            expires_at: Some("2030-06-30T12:00:00+02:00".into()),
            usage_limit: Some(100),
            ..input(" summer-5 ", "fixed", 500)
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (
            created.code.as_str(),
            created.kind().spelling(),
            created.value
        ),
        ("SUMMER-5", "fixed", 500)
    );
    assert_eq!(
        created.expires_at.as_deref(),
        Some("2030-06-30T10:00:00.000Z")
    );
    assert_eq!(
        (
            created.usage_limit,
            created.per_user_limit,
            created.used_count
        ),
        (Some(100), None, 0)
    );
    assert!(created.is_active);
    let newest = list(&app, 1, 2).await;
    assert_eq!(newest.coupons[0].id, created.id, "newest first");
    assert_eq!((newest.coupons.len(), newest.page.unwrap().total), (2, 5));
    assert_eq!(list(&app, 3, 2).await.coupons.len(), 1);

    let err = app
        .cart()
        .create_coupon(input("summer-5", "percent", 5))
        .await
        .unwrap_err();
    assert_refused(
        &err,
        Code::AlreadyExists,
        "A coupon with this code already exists",
    );
    assert!(details(&err).contains_key("code"));
    let bad = pb::CouponInput {
        min_subtotal_cents: -1,
        usage_limit: Some(0),
        per_user_limit: Some(0),
        expires_at: Some("next week".into()),
        description: "x".repeat(501),
        ..input("no good!", "percent", 0)
    };
    let err = app.cart().create_coupon(bad).await.unwrap_err();
    for field in [
        "code",
        "value",
        "minSubtotalCents",
        "usageLimit",
        "perUserLimit",
        "expiresAt",
        "description",
    ] {
        assert_invalid(&err, field);
    }
    for (kind, value, field) in [
        ("percent", 101, "value"),
        ("fixed", 10_000_001, "value"),
        ("bogo", 5, "kind"),
    ] {
        let err = app
            .cart()
            .create_coupon(input("OK1", kind, value))
            .await
            .unwrap_err();
        assert_invalid(&err, field);
    }
    assert_eq!(
        list(&app, 1, 100).await.coupons.len(),
        5,
        "refused creates store nothing"
    );

    let update = |patch: pb::UpdateCouponRequest| {
        let mut client = app.cart();
        async move { client.update_coupon(patch).await.map(|r| r.into_inner()) }
    };
    let updated = update(pb::UpdateCouponRequest {
        id: created.id.clone(),
        value: Some(700),
        per_user_limit: Some(2),
        clear_expires_at: true,
        clear_usage_limit: true,
        ..pb::UpdateCouponRequest::default()
    })
    .await
    .unwrap();
    assert_eq!(
        (
            updated.value,
            updated.code.as_str(),
            updated.min_subtotal_cents
        ),
        (700, "SUMMER-5", 2_000)
    );
    assert_eq!(
        (
            updated.expires_at.as_deref(),
            updated.usage_limit,
            updated.per_user_limit
        ),
        (None, None, Some(2))
    );
    assert_eq!(get(&app, &created.id).await.unwrap(), updated);
    assert_invalid(&get(&app, "nope").await.unwrap_err(), "id");
    let err = get(&app, &new_user()).await.unwrap_err();
    assert_refused(&err, Code::NotFound, "Coupon not found");
    let err = update(pb::UpdateCouponRequest {
        id: created.id.clone(),
        kind: Some(pb::CouponKind::Percent.into()),
        ..pb::UpdateCouponRequest::default()
    })
    .await
    .unwrap_err();
    assert_invalid(&err, "value");
    let err = update(pb::UpdateCouponRequest {
        id: created.id.clone(),
        code: Some("save20".into()),
        ..pb::UpdateCouponRequest::default()
    })
    .await
    .unwrap_err();
    assert!(details(&err).contains_key("code"));
    let err = update(pb::UpdateCouponRequest {
        id: "x".into(),
        ..Default::default()
    })
    .await
    .unwrap_err();
    assert_invalid(&err, "id");
    let err = update(pb::UpdateCouponRequest {
        id: new_user(),
        ..Default::default()
    })
    .await
    .unwrap_err();
    assert_refused(&err, Code::NotFound, "Coupon not found");

    // Deleting hides it and stops it applying; its code can be used again.
    let user = new_user();
    app.services
        .add_to_cart(&user, &product("levis-501-jeans"), 1)
        .await;
    app.services.apply_coupon(&user, "SUMMER-5").await.unwrap();
    app.cart()
        .delete_coupon(pb::CouponRef {
            id: created.id.clone(),
        })
        .await
        .unwrap();
    assert!(
        list(&app, 1, 100)
            .await
            .coupons
            .iter()
            .all(|c| c.id != created.id)
    );
    let cart = app.services.cart_of(&user).await;
    assert_eq!(
        cart.coupon_message.as_deref(),
        Some("This coupon is no longer available")
    );
    let err = app
        .cart()
        .delete_coupon(pb::CouponRef {
            id: created.id.clone(),
        })
        .await
        .unwrap_err();
    assert_refused(&err, Code::NotFound, "Coupon not found");
    let err = get(&app, &created.id).await.unwrap_err();
    assert_refused(&err, Code::NotFound, "Coupon not found");
    let err = app
        .services
        .apply_coupon(&user, "SUMMER-5")
        .await
        .unwrap_err();
    assert_refused(&err, Code::NotFound, "Invalid coupon code");
    let again = app
        .cart()
        .create_coupon(input("SUMMER-5", "percent", 5))
        .await
        .unwrap()
        .into_inner();
    assert_ne!(again.id, created.id);
    assert_eq!(
        app.services.cart_of(&user).await.coupon_message.as_deref(),
        Some("This coupon is no longer available")
    );
}

/// Two admins changing different fields of one coupon at once: both changes land.
pub async fn concurrent_coupon_updates_keep_both_fields(app: App) {
    let created = app
        .cart()
        .create_coupon(input("BOTH", "percent", 10))
        .await
        .unwrap()
        .into_inner();
    for round in 1..=8_i64 {
        let description = format!("round {round}");
        let min_subtotal = round * 1_000;
        let (mut a, mut b) = (app.cart(), app.cart());
        let (by_a, by_b) = tokio::join!(
            a.update_coupon(pb::UpdateCouponRequest {
                id: created.id.clone(),
                description: Some(description.clone()),
                ..pb::UpdateCouponRequest::default()
            }),
            b.update_coupon(pb::UpdateCouponRequest {
                id: created.id.clone(),
                min_subtotal_cents: Some(min_subtotal),
                ..pb::UpdateCouponRequest::default()
            }),
        );
        by_a.unwrap();
        by_b.unwrap();
        let now = get(&app, &created.id).await.unwrap();
        assert_eq!(
            (now.description.as_str(), now.min_subtotal_cents),
            (description.as_str(), min_subtotal),
            "round {round}"
        );
    }
}
