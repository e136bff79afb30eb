//! Merging a guest cart: what lands, what is clamped, what is skipped and why; and bad input of
//! every RPC leaving the cart as it was.
use tonic::Code;
use vici_proto::cart::v1 as pb;

use crate::harness::{App, add, assert_invalid, new_user, product, variant};

fn line(product_id: &str, variant_id: Option<&str>, quantity: i64) -> pb::MergeLine {
    pb::MergeLine {
        product_id: product_id.into(),
        variant_id: variant_id.map(str::to_string),
        quantity,
    }
}

fn merge(user: &str, items: Vec<pb::MergeLine>) -> pb::MergeCartRequest {
    pb::MergeCartRequest {
        user_id: user.into(),
        items,
        session_id: "guest-session".into(),
    }
}

pub async fn merging_says_what_was_skipped(app: App) {
    let user = new_user();
    let book = product("atomic-habits-book");
    let bike = product("peloton-bike-plus");
    let mouse = product("logitech-mx-master-3s");
    let backpack = product("north-face-backpack");
    let shoes = product("nike-air-max-90");
    let us9 = variant("nike-air-max-90", "US 9");
    app.services.add_to_cart(&user, &book, 98).await;
    app.set_status(&mouse, "INACTIVE").await;
    app.services.set_stock(&backpack, None, 0).await;
    let unknown = new_user();
    let items = vec![
        line(&shoes, Some(&us9), 2),
        line(&book, None, 5),
        line(&bike, None, 5),
        line("not-an-id", None, 1),
        line(&shoes, None, 0),
        line(&shoes, Some("nope"), 1),
        line(&unknown, None, 1),
        line(&shoes, Some(&unknown), 1),
        line(&mouse, None, 1),
        line(&backpack, None, 1),
        line(&shoes, Some(&us9), 1),
    ];
    let answer = app
        .cart()
        .merge_cart(merge(&user, items))
        .await
        .unwrap()
        .into_inner();
    let skipped = skipped_of(&answer);
    assert_eq!(
        skipped,
        vec![
            (book.as_str(), "clamped", 5, 1),
            (bike.as_str(), "clamped", 5, 3),
            ("not-an-id", "invalid", 1, 0),
            (shoes.as_str(), "invalid", 0, 0),
            (shoes.as_str(), "invalid", 1, 0),
            (unknown.as_str(), "not_found", 1, 0),
            (shoes.as_str(), "not_found", 1, 0),
            (mouse.as_str(), "inactive", 1, 0),
            (backpack.as_str(), "out_of_stock", 1, 0),
        ]
    );
    assert_eq!(
        answer.skipped[6].variant_id.as_deref(),
        Some(unknown.as_str())
    );
    let cart = answer.cart.unwrap();
    let lines: Vec<(&str, Option<&str>, i64)> = cart
        .items
        .iter()
        .map(|i| (i.product_id.as_str(), i.variant_id.as_deref(), i.quantity))
        .collect();
    assert_eq!(
        lines,
        vec![
            (book.as_str(), None, 99),
            (shoes.as_str(), Some(us9.as_str()), 3),
            (bike.as_str(), None, 3)
        ]
    );
    assert_eq!(app.services.cart_of(&user).await, cart);

    let too_many = (0..51).map(|_| line(&book, None, 1)).collect();
    let err = app
        .cart()
        .merge_cart(merge(&user, too_many))
        .await
        .unwrap_err();
    assert_invalid(&err, "items");
}

pub async fn merging_into_a_full_cart_skips_new_items(app: App) {
    let user = new_user();
    let mut ids = Vec::new();
    for i in 0..50 {
        ids.push(
            app.services
                .create_product(&format!("Full {i}"), 250, 5)
                .await,
        );
    }
    let fill = ids.iter().map(|id| line(id, None, 1)).collect();
    let filled = app
        .cart()
        .merge_cart(merge(&user, fill))
        .await
        .unwrap()
        .into_inner();
    assert!(filled.skipped.is_empty());
    assert_eq!(filled.cart.unwrap().items.len(), 50);
    let more = vec![
        line(&product("atomic-habits-book"), None, 1),
        line(&ids[0], None, 2),
    ];
    let answer = app
        .cart()
        .merge_cart(merge(&user, more))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(answer.skipped.len(), 1);
    assert_eq!(
        (answer.skipped[0].reason.as_str(), answer.skipped[0].added),
        ("cart_full", 0)
    );
    assert_eq!(answer.cart.unwrap().items[0].quantity, 3);
}

pub async fn bad_input_changes_nothing(app: App) {
    let user = new_user();
    let book = product("atomic-habits-book");
    app.services.add_to_cart(&user, &book, 2).await;
    let before = app.services.apply_coupon(&user, "WELCOME10").await.unwrap();
    let line_id = before.items[0].id.clone();
    let mut c = app.cart();
    let huge = "A".repeat(10_240);
    let refusals = vec![
        c.add_item(add(&user, "1; DROP TABLE carts", None, 1))
            .await
            .unwrap_err(),
        c.add_item(add(&user, &book, Some("x"), 1))
            .await
            .unwrap_err(),
        c.add_item(add(&user, &book, None, 0)).await.unwrap_err(),
        c.add_item(add(&user, &book, None, -5)).await.unwrap_err(),
        c.add_item(add(&user, &book, None, i64::MAX))
            .await
            .unwrap_err(),
        c.add_item(add(&user, &book, None, 98)).await.unwrap_err(),
        c.add_item(add(&user, &new_user(), None, 1))
            .await
            .unwrap_err(),
        c.add_item(add(&user, &product("peloton-bike-plus"), None, 4))
            .await
            .unwrap_err(),
        c.update_item(pb::UpdateItemRequest {
            user_id: user.clone(),
            item_id: line_id.clone(),
            quantity: 100,
            session_id: String::new(),
        })
        .await
        .unwrap_err(),
        c.update_item(pb::UpdateItemRequest {
            user_id: user.clone(),
            item_id: line_id.clone(),
            quantity: -1,
            session_id: String::new(),
        })
        .await
        .unwrap_err(),
        c.remove_item(pb::RemoveItemRequest {
            user_id: user.clone(),
            item_id: new_user(),
            session_id: String::new(),
        })
        .await
        .unwrap_err(),
        app.services.apply_coupon(&user, &huge).await.unwrap_err(),
        app.services
            .apply_coupon(&user, "DROP'--")
            .await
            .unwrap_err(),
        app.services
            .apply_coupon(&user, "EXPIRED5")
            .await
            .unwrap_err(),
        app.services
            .apply_coupon(&user, "SAVE20")
            .await
            .unwrap_err(),
        app.services
            .apply_coupon(&user, "UNKNOWN")
            .await
            .unwrap_err(),
        c.merge_cart(merge(
            &user,
            (0..51).map(|_| line(&book, None, 1)).collect(),
        ))
        .await
        .unwrap_err(),
    ];
    for err in &refusals {
        assert_ne!(err.code(), Code::Internal, "{err:?}");
        assert_ne!(err.code(), Code::Ok);
    }
    assert_eq!(
        app.services.cart_of(&user).await,
        before,
        "nothing changed, not even the time"
    );
}

/// A guest line above 99 is clamped to what a line may hold, not refused as invalid.
pub async fn merging_more_than_99_clamps(app: App) {
    let user = new_user();
    let plenty = app.services.create_product("Plenty", 500, 1_000).await;
    let answer = app
        .cart()
        .merge_cart(merge(&user, vec![line(&plenty, None, 150)]))
        .await
        .unwrap()
        .into_inner();
    let skipped = skipped_of(&answer);
    assert_eq!(skipped, vec![(plenty.as_str(), "clamped", 150, 99)]);
    let cart = answer.cart.unwrap();
    assert_eq!(cart.items.len(), 1);
    assert_eq!(cart.items[0].quantity, 99);
}

/// `(productId, reason, requested, added)` of each skipped guest line.
fn skipped_of(answer: &pb::MergeCartResponse) -> Vec<(&str, &str, i64, i64)> {
    answer
        .skipped
        .iter()
        .map(|s| {
            (
                s.product_id.as_str(),
                s.reason.as_str(),
                s.requested,
                s.added,
            )
        })
        .collect()
}
