//! Wishlists: catalogue checks, duplicates, pages with products fetched in one call.
use tonic::Code;
use vici_proto::common::v1::PageRequest;
use vici_proto::user::v1::{ListWishlistRequest, WishlistItem, WishlistPage, WishlistRef};

use crate::harness::{App, assert_invalid, new_user};

fn wish(user: &str, product: &str) -> WishlistRef {
    WishlistRef {
        user_id: user.to_string(),
        product_id: product.to_string(),
    }
}

async fn add(app: &App, user: &str, product: &str) -> Result<WishlistItem, tonic::Status> {
    app.client()
        .add_to_wishlist(wish(user, product))
        .await
        .map(tonic::Response::into_inner)
}

async fn page(app: &App, user: &str, page: u32, limit: u32) -> WishlistPage {
    app.client()
        .list_wishlist(ListWishlistRequest {
            user_id: user.to_string(),
            page: Some(PageRequest { page, limit }),
        })
        .await
        .unwrap()
        .into_inner()
}

pub async fn adding_checks_the_catalogue_and_refuses_duplicates(app: App) {
    let user = new_user();
    let lamp = app.products.add("Desk Lamp", "ACTIVE");
    let sold_out = app.products.add("Sold Out Kettle", "OUT_OF_STOCK");
    let retired = app.products.add("Old Phone", "INACTIVE");
    let draft = app.products.add("Secret Thing", "DRAFT");

    let item = add(&app, &user, &lamp).await.unwrap();
    assert_eq!(
        (item.user_id.as_str(), item.product_id.as_str()),
        (user.as_str(), lamp.as_str())
    );
    assert!(chrono::DateTime::parse_from_rfc3339(&item.added_at).is_ok());
    let product = item.product.expect("the summary comes back");
    assert_eq!(product.name, "Desk Lamp");
    assert_eq!(product.slug, "desk-lamp");
    assert_eq!(
        product.image, "http://shop.test/img/0.jpg",
        "the first image"
    );
    assert_eq!((product.rating, product.stock), (4.5, 7));
    assert_eq!(
        app.products.calls(),
        vec![(vec![lamp.clone()], false)],
        "one visibility check"
    );

    let err = add(&app, &user, &lamp).await.unwrap_err();
    assert_eq!(
        (err.code(), err.message()),
        (
            Code::AlreadyExists,
            "This product is already in your wishlist"
        )
    );
    add(&app, &user, &sold_out)
        .await
        .expect("an out-of-stock product can be wished for");
    for hidden in [&retired, &draft, &uuid::Uuid::now_v7().to_string()] {
        let err = add(&app, &user, hidden).await.unwrap_err();
        assert_eq!(
            (err.code(), err.message()),
            (Code::NotFound, "No such product")
        );
    }
    let err = add(&app, &user, "'; DROP TABLE wishlist; --")
        .await
        .unwrap_err();
    assert_invalid(&err, "productId", "`productId` must be a UUID");

    let listed = page(&app, &user, 1, 0).await;
    let ids: Vec<&str> = listed.items.iter().map(|i| i.product_id.as_str()).collect();
    assert_eq!(ids, [sold_out.as_str(), lamp.as_str()], "newest first");
    assert_eq!(listed.page.unwrap().total, 2);
    let other = new_user();
    assert!(page(&app, &other, 1, 20).await.items.is_empty());
    add(&app, &other, &lamp)
        .await
        .expect("another user may save the same product");
}

pub async fn pages_fetch_their_products_in_one_call(app: App) {
    let user = new_user();
    let ids: Vec<String> = (0..25)
        .map(|i| app.products.add(&format!("Thing {i}"), "ACTIVE"))
        .collect();
    for id in &ids {
        add(&app, &user, id).await.unwrap();
    }
    app.products.reset_calls();

    let first = page(&app, &user, 1, 10).await;
    let info = first.page.unwrap();
    assert_eq!((info.page, info.limit, info.total), (1, 10, 25));
    let shown: Vec<&str> = first.items.iter().map(|i| i.product_id.as_str()).collect();
    let newest: Vec<&str> = ids.iter().rev().take(10).map(String::as_str).collect();
    assert_eq!(shown, newest);
    assert!(
        first
            .items
            .iter()
            .all(|i| i.product.as_ref().is_some_and(|p| p.id == i.product_id))
    );
    let calls = app.products.calls();
    assert_eq!(calls.len(), 1, "one catalogue call for the whole page");
    assert_eq!(calls[0].0.len(), 10);
    assert!(calls[0].1, "retired products are asked for too");

    let third = page(&app, &user, 3, 10).await;
    assert_eq!(third.items.len(), 5);
    assert_eq!(third.items.last().unwrap().product_id, ids[0]);
    assert_eq!(
        page(&app, &user, 1, 0).await.page.unwrap().limit,
        20,
        "default limit"
    );
    let all = page(&app, &user, 0, 500).await;
    assert_eq!(
        (
            all.items.len(),
            all.page.unwrap().limit,
            all.page.unwrap().page
        ),
        (25, 100, 1)
    );
    app.products.reset_calls();
    assert!(page(&app, &user, 4, 10).await.items.is_empty());
    assert!(
        app.products.calls().is_empty(),
        "an empty page asks nothing"
    );

    // A retired product still renders; one that vanished comes back without a product.
    app.products.set_status(&ids[24], "INACTIVE");
    app.products.remove(&ids[23]);
    let top = page(&app, &user, 1, 2).await;
    assert_eq!(top.items[0].product.as_ref().unwrap().name, "Thing 24");
    assert_eq!(top.items[1].product_id, ids[23]);
    assert_eq!(top.items[1].product, None);
}

pub async fn removing_twice_is_not_found(app: App) {
    let user = new_user();
    let lamp = app.products.add("Desk Lamp", "ACTIVE");
    add(&app, &user, &lamp).await.unwrap();
    let err = app
        .client()
        .remove_from_wishlist(wish(&new_user(), &lamp))
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        Code::NotFound,
        "another user's entry is not theirs to remove"
    );
    app.client()
        .remove_from_wishlist(wish(&user, &lamp))
        .await
        .unwrap();
    for absent in [lamp.as_str(), "nope", ""] {
        let err = app
            .client()
            .remove_from_wishlist(wish(&user, absent))
            .await
            .unwrap_err();
        assert_eq!(
            (err.code(), err.message()),
            (Code::NotFound, "This product is not in your wishlist")
        );
    }
    assert_eq!(page(&app, &user, 1, 20).await.page.unwrap().total, 0);
    add(&app, &user, &lamp)
        .await
        .expect("it can be added again");
}
