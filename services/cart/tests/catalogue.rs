//! What the catalogue decides: live stock bounds every add, unknown and inactive products are
//! refused (an inactive one already in the cart stays, unavailable), and moved prices are
//! flagged once.
use tonic::Code;
use vici_proto::cart::v1 as pb;

use crate::harness::{App, add, assert_refused, details, error_code, new_user, product, variant};
use crate::items::assert_totals;

pub async fn stock_bounds_every_add(app: App) {
    let user = new_user();
    let bike = product("peloton-bike-plus");
    app.services.add_to_cart(&user, &bike, 2).await;
    let before = app.services.cart_of(&user).await;
    let err = app
        .cart()
        .add_item(add(&user, &bike, None, 2))
        .await
        .unwrap_err();
    assert_refused(&err, Code::FailedPrecondition, "Only 3 left in stock");
    assert_eq!(error_code(&err), "OUT_OF_STOCK");
    let d = details(&err);
    assert_eq!(
        (d["productId"].as_str(), d["available"].as_str()),
        (bike.as_str(), "3")
    );
    assert!(!d.contains_key("variantId"));

    let shoes = product("nike-air-max-90");
    let size = variant("nike-air-max-90", "US 11");
    let err = app
        .cart()
        .add_item(add(&user, &shoes, Some(&size), 16))
        .await
        .unwrap_err();
    let d = details(&err);
    assert_eq!(
        (d["variantId"].as_str(), d["available"].as_str()),
        (size.as_str(), "15")
    );

    // Stock is read live from inventory.
    app.services.set_stock(&shoes, Some(&size), 0).await;
    let err = app
        .cart()
        .add_item(add(&user, &shoes, Some(&size), 1))
        .await
        .unwrap_err();
    assert_refused(&err, Code::FailedPrecondition, "This item is out of stock");
    assert_eq!(details(&err)["available"], "0");
    assert_eq!(
        app.services.cart_of(&user).await,
        before,
        "refused adds change nothing"
    );

    // Raising a line past the stock is refused too; lowering it is not.
    let line = before.items[0].id.clone();
    let set = |quantity| pb::UpdateItemRequest {
        user_id: user.clone(),
        item_id: line.clone(),
        quantity,
        session_id: String::new(),
    };
    let err = app.cart().update_item(set(4)).await.unwrap_err();
    assert_eq!(error_code(&err), "OUT_OF_STOCK");
    app.services.set_stock(&bike, None, 1).await;
    let lowered = app.cart().update_item(set(1)).await.unwrap().into_inner();
    assert_eq!((lowered.items[0].quantity, lowered.items[0].stock), (1, 1));
}

pub async fn unknown_and_inactive_products_are_refused(app: App) {
    let user = new_user();
    let mouse = product("logitech-mx-master-3s");
    let book = product("atomic-habits-book");
    app.services.add_to_cart(&user, &mouse, 1).await;
    let before = app.services.add_to_cart(&user, &book, 2).await;
    let err = app
        .cart()
        .add_item(add(&user, &new_user(), None, 1))
        .await
        .unwrap_err();
    assert_refused(&err, Code::NotFound, "Product not found");
    let other_variant = variant("iphone-15-pro-max", "256GB Blue");
    let err = app
        .cart()
        .add_item(add(&user, &mouse, Some(&other_variant), 1))
        .await
        .unwrap_err();
    assert_refused(&err, Code::NotFound, "Variant not found");

    app.set_status(&mouse, "INACTIVE").await;
    let err = app
        .cart()
        .add_item(add(&user, &mouse, None, 1))
        .await
        .unwrap_err();
    assert_refused(&err, Code::AlreadyExists, "This product is not available");
    assert_eq!(error_code(&err), "CONFLICT");
    // The line stays, shown unavailable and left out of the totals.
    let shown = app.services.cart_of(&user).await;
    assert_eq!(shown.items.len(), 2);
    let gone = &shown.items[0];
    assert!(!gone.available);
    assert_eq!(
        (gone.stock, gone.name.as_str()),
        (0, "Logitech MX Master 3S")
    );
    assert_eq!((shown.subtotal_cents, shown.item_count), (2 * 1_699, 2));
    assert_totals(&shown);
    app.set_status(&mouse, "ACTIVE").await;
    assert_eq!(app.services.cart_of(&user).await, before);
}

pub async fn price_changes_are_flagged_once(app: App) {
    let user = new_user();
    let jeans = product("levis-501-jeans");
    app.services.add_to_cart(&user, &jeans, 2).await;
    app.set_price(&jeans, 7_900).await;
    let read = app.services.cart_of(&user).await;
    let line = &read.items[0];
    assert!(line.price_changed);
    assert_eq!(
        (line.unit_price_cents, line.previous_price_cents),
        (7_900, Some(8_900))
    );
    assert_eq!(read.subtotal_cents, 15_800);
    let again = app.services.cart_of(&user).await;
    assert!(!again.items[0].price_changed);
    assert_eq!(again.items[0].previous_price_cents, None);
    assert_eq!(again.updated_at, read.updated_at, "a read is not a change");

    // A mutation shows (and stores) the new price the same way.
    app.set_price(&jeans, 9_500).await;
    let added = app
        .services
        .add_to_cart(&user, &product("atomic-habits-book"), 1)
        .await;
    assert!(added.items[0].price_changed);
    assert_eq!(added.items[0].previous_price_cents, Some(7_900));
    assert!(!app.services.cart_of(&user).await.items[0].price_changed);
    assert_totals(&added);
}
