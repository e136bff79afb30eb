//! Lines: adding and merging, variants, stable ids, concurrency, the 99 and 50 limits, and
//! another user's lines.
use futures::future::join_all;
use tonic::Code;
use vici_proto::cart::v1 as pb;

use crate::harness::{App, add, assert_invalid, assert_refused, new_user, product, variant};

/// What `vici_pricing` says the cart's totals are, from the lines it shows.
#[track_caller]
pub fn assert_totals(cart: &pb::Cart) {
    let lines: Vec<vici_pricing::Line> = cart
        .items
        .iter()
        .filter(|i| i.available)
        .map(|i| vici_pricing::Line {
            unit_price_cents: i.unit_price_cents,
            original_price_cents: i.original_price_cents,
            quantity: i.quantity,
        })
        .collect();
    let t = vici_pricing::cart_totals(&lines, cart.discount_cents);
    assert_eq!(
        (
            t.item_count,
            t.subtotal_cents,
            t.discount_cents,
            t.total_cents
        ),
        (
            cart.item_count,
            cart.subtotal_cents,
            cart.discount_cents,
            cart.total_cents
        ),
        "{cart:?}"
    );
}

pub async fn a_new_user_gets_an_empty_cart(app: App) {
    let user = new_user();
    let first = app.services.cart_of(&user).await;
    assert!(uuid::Uuid::parse_str(&first.id).is_ok());
    assert_eq!(first.user_id, user);
    assert!(first.items.is_empty());
    assert_eq!(
        (first.subtotal_cents, first.total_cents, first.item_count),
        (0, 0, 0)
    );
    assert_eq!(first.currency, "USD");
    assert_eq!(
        app.services.cart_of(&user).await,
        first,
        "a read creates once and changes nothing"
    );
    let err = app
        .cart()
        .get_cart(pb::CartRef {
            user_id: "not-a-user".into(),
            session_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_invalid(&err, "userId");
}

pub async fn adds_merge_into_one_line_with_a_stable_id(app: App) {
    let user = new_user();
    let mouse = product("logitech-mx-master-3s");
    let first = app.services.add_to_cart(&user, &mouse, 2).await;
    let line = first.items[0].clone();
    assert_eq!(line.name, "Logitech MX Master 3S");
    assert_eq!(
        (line.quantity, line.unit_price_cents, line.stock),
        (2, 9_999, 37)
    );
    assert!(
        line.available && !line.price_changed && !line.sku.is_empty() && !line.image.is_empty()
    );
    assert_eq!(line.product_slug, "logitech-mx-master-3s");
    assert_eq!(line.variant_id, None);
    let merged = app
        .services
        .add_to_cart(&user, &mouse.to_uppercase(), 3)
        .await;
    assert_eq!(merged.items.len(), 1);
    assert_eq!(
        (merged.items[0].id.as_str(), merged.items[0].quantity),
        (line.id.as_str(), 5)
    );
    assert_eq!(merged.items[0].added_at, line.added_at);

    // A variant is its own line with its own price, sku and stock; the bare product another.
    let phone = product("iphone-15-pro-max");
    let titanium = variant("iphone-15-pro-max", "512GB Titanium");
    let with_variant = app
        .cart()
        .add_item(add(&user, &phone, Some(&titanium), 1))
        .await
        .unwrap()
        .into_inner();
    let v = &with_variant.items[1];
    assert_eq!(v.name, "iPhone 15 Pro Max — 512GB Titanium");
    assert_eq!(
        (v.variant_id.as_deref(), v.unit_price_cents, v.stock),
        (Some(titanium.as_str()), 139_900, 45)
    );
    let bare = app.services.add_to_cart(&user, &phone, 1).await;
    assert_eq!(bare.items.len(), 3);
    assert_eq!(
        (bare.items[2].unit_price_cents, bare.items[2].stock),
        (119_900, 139)
    );
    let ids: Vec<&str> = bare.items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(
        ids[..2],
        [line.id.as_str(), v.id.as_str()],
        "lines keep their ids and order"
    );
    assert_eq!(bare.item_count, 7);
    assert_eq!(bare.subtotal_cents, 5 * 9_999 + 139_900 + 119_900);
    assert_totals(&bare);

    // On sale: the "was" price comes from the catalogue.
    let dress = app
        .services
        .add_to_cart(&user, &product("zara-floral-dress"), 1)
        .await;
    assert_eq!(dress.items[3].original_price_cents, Some(7_999));

    let updated = app
        .cart()
        .update_item(pb::UpdateItemRequest {
            user_id: user.clone(),
            item_id: line.id.clone(),
            quantity: 1,
            session_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (updated.items[0].id.as_str(), updated.items[0].quantity),
        (line.id.as_str(), 1)
    );
    let removed = app
        .cart()
        .remove_item(pb::RemoveItemRequest {
            user_id: user.clone(),
            item_id: line.id.clone(),
            session_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(removed.items.len(), 3);
    assert!(removed.items.iter().all(|i| i.id != line.id));
    assert_totals(&removed);
    assert_eq!(
        app.services.cart_of(&user).await,
        removed,
        "every mutation answers the cart as stored"
    );
}

/// Many first reads at once (each creates the user's cart) neither wait for nor exhaust the
/// connection pool: a read never holds one connection while waiting for another.
pub async fn concurrent_first_reads_all_answer_quickly(app: App) {
    let users: Vec<String> = (0..40).map(|_| new_user()).collect();
    let reads = users.iter().map(|user| {
        let mut client = app.cart();
        async move {
            client
                .get_cart(pb::CartRef {
                    user_id: user.clone(),
                    session_id: String::new(),
                })
                .await
        }
    });
    let answers = tokio::time::timeout(std::time::Duration::from_secs(5), join_all(reads))
        .await
        .expect("40 first reads answer within 5 s");
    for (user, answer) in users.iter().zip(answers) {
        let cart = answer.expect("get cart").into_inner();
        assert_eq!(&cart.user_id, user);
        assert!(cart.items.is_empty());
    }
}

pub async fn concurrent_adds_of_one_product_all_land(app: App) {
    let user = new_user();
    let laptop = product("macbook-pro-16-m3");
    let adds = (0..20).map(|_| {
        let mut client = app.cart();
        let req = add(&user, &laptop, None, 1);
        async move { client.add_item(req).await }
    });
    for outcome in join_all(adds).await {
        outcome.expect("every add lands");
    }
    let cart = app.services.cart_of(&user).await;
    assert_eq!(cart.items.len(), 1);
    assert_eq!(cart.items[0].quantity, 20);
}

pub async fn concurrent_adds_of_different_products_all_land(app: App) {
    let user = new_user();
    let slugs = [
        "dell-xps-15",
        "logitech-mx-master-3s",
        "sony-wh1000xm5",
        "airpods-pro-2",
        "levis-501-jeans",
        "zara-floral-dress",
        "dyson-v15-detect",
        "kitchenaid-stand-mixer",
        "north-face-backpack",
        "atomic-habits-book",
    ];
    let adds = slugs.iter().map(|slug| {
        let mut client = app.cart();
        let req = add(&user, &product(slug), None, 2);
        async move { client.add_item(req).await }
    });
    for outcome in join_all(adds).await {
        outcome.expect("every add lands");
    }
    let cart = app.services.cart_of(&user).await;
    assert_eq!(cart.items.len(), slugs.len());
    assert_eq!(cart.item_count, 20);
    assert_totals(&cart);
}

pub async fn quantities_stop_at_99_and_lines_at_50(app: App) {
    let user = new_user();
    let book = product("atomic-habits-book");
    let err = app
        .cart()
        .add_item(add(&user, &book, None, 100))
        .await
        .unwrap_err();
    assert_invalid(&err, "quantity");
    assert_eq!(
        err.message(),
        "Quantity must be a whole number from 1 to 99"
    );
    assert_eq!(
        app.services.add_to_cart(&user, &book, 99).await.items[0].quantity,
        99
    );
    let err = app
        .cart()
        .add_item(add(&user, &book, None, 1))
        .await
        .unwrap_err();
    assert_invalid(&err, "quantity");

    // 16 products and 8 variants are seeded; the rest of the 50 are made for the case.
    let catalog = app.services.catalog();
    let mut items: Vec<(String, Option<String>)> = catalog
        .products
        .iter()
        .flat_map(|p| {
            let id = p.id().to_string();
            let variants = p
                .variants
                .iter()
                .map(|v| (id.clone(), Some(p.variant_id(&v.sku).to_string())));
            std::iter::once((id.clone(), None))
                .chain(variants)
                .collect::<Vec<_>>()
        })
        .filter(|(id, v)| !(id == &book && v.is_none()))
        .collect();
    for i in items.len() + 1..=50 {
        items.push((
            app.services
                .create_product(&format!("Filler {i}"), 100, 10)
                .await,
            None,
        ));
    }
    for (id, v) in &items[..49] {
        app.cart()
            .add_item(add(&user, id, v.as_deref(), 1))
            .await
            .expect("room for 50 lines");
    }
    let full = app.services.cart_of(&user).await;
    assert_eq!(full.items.len(), 50);
    let (id, v) = &items[49];
    let err = app
        .cart()
        .add_item(add(&user, id, v.as_deref(), 1))
        .await
        .unwrap_err();
    assert_refused(
        &err,
        Code::AlreadyExists,
        "A cart holds at most 50 different items",
    );
    // A line already there still merges.
    app.services.add_to_cart(&user, &items[0].0, 1).await;
    assert_eq!(app.services.cart_of(&user).await.items.len(), 50);
}

pub async fn another_users_line_is_not_found(app: App) {
    let (alice, bob) = (new_user(), new_user());
    let alices = app
        .services
        .add_to_cart(&alice, &product("levis-501-jeans"), 1)
        .await;
    let bobs = app
        .services
        .add_to_cart(&bob, &product("atomic-habits-book"), 1)
        .await;
    let line = alices.items[0].id.clone();
    let err = app
        .cart()
        .update_item(pb::UpdateItemRequest {
            user_id: bob.clone(),
            item_id: line.clone(),
            quantity: 3,
            session_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_refused(&err, Code::NotFound, "Cart item not found");
    let remove = |item_id: &str| pb::RemoveItemRequest {
        user_id: bob.clone(),
        item_id: item_id.into(),
        session_id: String::new(),
    };
    let err = app.cart().remove_item(remove(&line)).await.unwrap_err();
    assert_refused(&err, Code::NotFound, "Cart item not found");
    let err = app
        .cart()
        .remove_item(remove(&new_user()))
        .await
        .unwrap_err();
    assert_refused(&err, Code::NotFound, "Cart item not found");
    assert_invalid(
        &app.cart().remove_item(remove("line-1")).await.unwrap_err(),
        "itemId",
    );
    assert_eq!(app.services.cart_of(&alice).await, alices);
    assert_eq!(app.services.cart_of(&bob).await, bobs);
}

/// Checkout names the lines it ordered: a line added while the order was being placed stays.
pub async fn clearing_after_an_order_keeps_lines_added_meanwhile(app: App) {
    let user = new_user();
    let mut c = app.cart();
    let ordered = c
        .add_item(add(&user, &product("atomic-habits-book"), None, 2))
        .await
        .unwrap()
        .into_inner();
    let ordered_ids: Vec<String> = ordered.items.iter().map(|i| i.id.clone()).collect();
    c.add_item(add(&user, &product("levis-501-jeans"), None, 1))
        .await
        .unwrap();
    let after = c
        .clear_cart(pb::ClearCartRequest {
            user_id: user.clone(),
            session_id: String::new(),
            after_order: true,
            item_ids: ordered_ids.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(after.items.len(), 1, "{after:?}");
    let kept = &after.items[0];
    assert_eq!(kept.product_id, product("levis-501-jeans"));
    assert!(!ordered_ids.contains(&kept.id));
    // The line that stays is rendered from the catalogue, which the clear asks about it alone.
    assert!(
        kept.available && !kept.name.is_empty() && kept.stock > 0,
        "{kept:?}"
    );
    assert_totals(&after);
}
