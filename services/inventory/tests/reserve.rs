//! Reserve: all lines or none, product and variant rows as separate pools, one reservation per
//! order however often (and however concurrently) it is asked for, and refusals of bad input.
use vici_kit::ErrorCode;
use vici_proto::inventory::v1 as pb;

use crate::harness::{App, line, new_id};
use vici_testkit::refused;

pub async fn a_reservation_takes_every_line_or_none(h: App) {
    let a = h.product(5).await;
    let b = h.product(1).await;
    let order = new_id();
    let e = refused(
        h.reserve(&order, vec![line(&a, 2), line(&b, 3)], 0).await,
        ErrorCode::OutOfStock,
    );
    assert_eq!(e.message, "Only 1 left in stock");
    assert_eq!(e.details["productId"], b.as_str(), "names the short line");
    assert_eq!(e.details["available"], 1);
    assert_eq!(h.stock(&a).await, (5, 0), "the first line was given back");
    assert_eq!(h.stock(&b).await, (1, 0));
    assert_eq!(h.reservations().await, 0);
    assert_eq!(h.movement_sums(&a, "RESERVE").await.count, 0);
    assert!(h.events("inventory.stock_changed").await.is_empty());
    refused(h.get(&order).await, ErrorCode::NotFound);

    // The same order can try again once there is enough.
    let before = vici_store::now_ms();
    let r = h
        .reserve(&order, vec![line(&b, 1), line(&a, 2)], 0)
        .await
        .unwrap();
    assert_eq!(r.status, "HELD");
    assert_eq!(r.order_id, order);
    let mut expected = vec![line(&a, 2), line(&b, 1)];
    expected.sort_by(|x, y| x.product_id.cmp(&y.product_id));
    assert_eq!(
        r.lines, expected,
        "merged lines in (product, variant) order"
    );
    let expires = chrono::DateTime::parse_from_rfc3339(&r.expires_at)
        .unwrap()
        .timestamp_millis();
    let held_for = expires - before;
    assert!(
        (14 * 60_000..=16 * 60_000).contains(&held_for),
        "ttl 0 holds for the configured 15 minutes, got {held_for} ms"
    );
    assert_eq!(h.stock(&a).await, (3, 2));
    assert_eq!(h.stock(&b).await, (0, 1));
    assert_eq!(h.get(&order).await.unwrap(), r);
}

pub async fn product_and_variant_rows_are_separate_pools(h: App) {
    let p = h.product(5).await;
    let v = new_id();
    h.init(&p, Some(&v), 2).await;
    let r = h
        .reserve(&new_id(), vec![variant_line(&p, &v, 2)], 0)
        .await
        .unwrap();
    assert_eq!(r.lines[0].variant_id.as_deref(), Some(v.as_str()));
    let level = h.level(&p).await;
    assert_eq!(
        (level.available, level.reserved),
        (5, 0),
        "product row untouched"
    );
    assert_eq!(
        (level.variants[0].available, level.variants[0].reserved),
        (0, 2)
    );
    let e = refused(
        h.reserve(&new_id(), vec![variant_line(&p, &v, 1)], 0).await,
        ErrorCode::OutOfStock,
    );
    assert_eq!(e.message, "This item is out of stock");
    assert_eq!(e.details["variantId"], v.as_str());
    assert_eq!(e.details["productId"], p.as_str());
    assert_eq!(e.details["available"], 0);
    h.reserve(&new_id(), vec![line(&p, 5)], 0).await.unwrap();
    assert_eq!(h.stock(&p).await, (0, 5));
    let changed = h.events("inventory.stock_changed").await;
    assert_eq!(changed[0].1.data["variantId"], v.as_str());
    assert_eq!(changed[0].1.data["reserved"], 2);
    assert!(changed[1].1.data["variantId"].is_null());
}

pub async fn duplicate_lines_are_summed(h: App) {
    let a = h.product(5).await;
    let r = h
        .reserve(&new_id(), vec![line(&a, 2), line(&a, 3)], 0)
        .await
        .unwrap();
    assert_eq!(r.lines, vec![line(&a, 5)]);
    assert_eq!(h.stock(&a).await, (0, 5));
    let reserves = h.movement_sums(&a, "RESERVE").await;
    assert_eq!((reserves.count, reserves.delta), (1, -5));
    // Summed lines must fit together, not one by one.
    let b = h.product(4).await;
    refused(
        h.reserve(&new_id(), vec![line(&b, 3), line(&b, 3)], 0)
            .await,
        ErrorCode::OutOfStock,
    );
    assert_eq!(h.stock(&b).await, (4, 0));
}

pub async fn a_repeated_reserve_returns_the_first_and_takes_stock_once(h: App) {
    let a = h.product(10).await;
    let order = new_id();
    let first = h.reserve(&order, vec![line(&a, 2)], 60).await.unwrap();
    let again = h.reserve(&order, vec![line(&a, 2)], 0).await.unwrap();
    assert_eq!(
        again, first,
        "the first reservation, unchanged (TTL included)"
    );
    let split = h
        .reserve(&order.to_uppercase(), vec![line(&a, 1), line(&a, 1)], 60)
        .await
        .unwrap();
    assert_eq!(
        split.id, first.id,
        "the same lines in another shape are the same request"
    );
    assert_eq!(h.stock(&a).await, (8, 2));
    assert_eq!(h.reservations().await, 1);
    assert_eq!(h.movement_sums(&a, "RESERVE").await.count, 1);

    let e = refused(
        h.reserve(&order, vec![line(&a, 3)], 0).await,
        ErrorCode::Conflict,
    );
    assert_eq!(
        e.message,
        "This order already holds a different reservation"
    );
    assert_eq!(h.stock(&a).await, (8, 2));

    // Whatever became of it, a repeat answers with it and takes nothing.
    h.commit(&order).await.unwrap();
    let after_commit = h.reserve(&order, vec![line(&a, 2)], 0).await.unwrap();
    assert_eq!(
        (after_commit.id, after_commit.status.as_str()),
        (first.id, "COMMITTED")
    );
    assert_eq!(h.stock(&a).await, (8, 0));
}

pub async fn concurrent_identical_reserves_make_one_reservation(h: App) {
    let a = h.product(10).await;
    let b = h.product(10).await;
    let order = new_id();
    let calls: Vec<_> = (0..10)
        .map(|_| {
            let mut client = h.client.clone();
            let req = pb::ReserveRequest {
                order_id: order.clone(),
                lines: vec![line(&a, 3), line(&b, 1)],
                ttl_seconds: 0,
            };
            tokio::spawn(async move { client.reserve(req).await.map(|r| r.into_inner()) })
        })
        .collect();
    let mut ids = Vec::new();
    for c in calls {
        ids.push(c.await.unwrap().expect("every identical call succeeds").id);
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "one reservation: {ids:?}");
    assert_eq!(h.reservations().await, 1);
    assert_eq!(h.stock(&a).await, (7, 3));
    assert_eq!(h.stock(&b).await, (9, 1));
    assert_eq!(h.movement_sums(&a, "RESERVE").await.count, 1);
}

pub async fn bad_reserve_requests_are_refused_and_change_nothing(h: App) {
    let a = h.product(10).await;
    let v = new_id();
    h.init(&a, Some(&v), 3).await;
    let order = new_id();
    let req = |order_id: &str, lines: Vec<pb::ReserveLine>, ttl_seconds: u32| pb::ReserveRequest {
        order_id: order_id.into(),
        lines,
        ttl_seconds,
    };
    let invalid = [
        (req("not-a-uuid", vec![line(&a, 1)], 0), "orderId"),
        (req("", vec![line(&a, 1)], 0), "orderId"),
        (req(&order, vec![line("x", 1)], 0), "lines[0].productId"),
        (
            req(&order, vec![variant_line(&a, "v", 1)], 0),
            "lines[0].variantId",
        ),
        (req(&order, vec![line(&a, 0)], 0), "lines[0].quantity"),
        (req(&order, vec![line(&a, -1)], 0), "lines[0].quantity"),
        (req(&order, vec![line(&a, 10_001)], 0), "lines[0].quantity"),
        (
            req(&order, vec![line(&a, i64::MAX)], 0),
            "lines[0].quantity",
        ),
        (
            req(&order, vec![line(&a, 1), line(&a, i64::MIN)], 0),
            "lines[1].quantity",
        ),
        (req(&order, vec![], 0), "lines"),
        (req(&order, vec![line(&a, 1); 101], 0), "lines"),
        (req(&order, vec![line(&a, 1)], 86_401), "ttlSeconds"),
    ];
    for (r, field) in invalid {
        let e = refused(h.client.clone().reserve(r).await, ErrorCode::Validation);
        assert!(e.details.contains_key(field), "{field}: {e:?}");
    }
    let unknown = new_id();
    let e = refused(
        h.reserve(&order, vec![line(&a, 1), line(&unknown, 1)], 0)
            .await,
        ErrorCode::NotFound,
    );
    assert_eq!(e.message, format!("No stock record for product {unknown}"));
    assert_eq!(e.details["productId"], unknown.as_str());
    refused(
        h.reserve(&order, vec![variant_line(&a, &new_id(), 1)], 0)
            .await,
        ErrorCode::NotFound,
    );
    let level = h.level(&a).await;
    assert_eq!((level.available, level.reserved), (10, 0));
    assert_eq!(
        (level.variants[0].available, level.variants[0].reserved),
        (3, 0)
    );
    assert_eq!(h.reservations().await, 0);
    assert!(h.movements(&a).await.is_empty());
    assert!(h.events("inventory.stock_changed").await.is_empty());
    // The largest request allowed goes through.
    let big = h.product(10_000).await;
    h.reserve(&order, vec![line(&big, 10_000)], 86_400)
        .await
        .unwrap();
    assert_eq!(h.stock(&big).await, (0, 10_000));
}

fn variant_line(product_id: &str, variant_id: &str, quantity: i64) -> pb::ReserveLine {
    pb::ReserveLine {
        variant_id: Some(variant_id.into()),
        ..line(product_id, quantity)
    }
}
