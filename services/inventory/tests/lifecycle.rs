//! After Reserve: commit and release apply once however often and however concurrently they are
//! called, refuse what the status does not allow, and every step shows in the movements.
use vici_kit::ErrorCode;
use vici_proto::inventory::v1 as pb;

use crate::harness::{App, key, line, new_id};
use vici_testkit::refused;

/// Releases `order_id` from `n` concurrent tasks, every `commit_every`-th of them committing
/// instead (0: none); returns (committed?, answer) per task.
async fn race(
    h: &App,
    order_id: &str,
    n: usize,
    commit_every: usize,
) -> Vec<(bool, Result<pb::Reservation, tonic::Status>)> {
    let calls: Vec<_> = (0..n)
        .map(|i| {
            let mut client = h.client.clone();
            let commit = commit_every > 0 && i % commit_every == 0;
            let req = key(order_id, "");
            tokio::spawn(async move {
                let answer = if commit {
                    client.commit_reservation(req).await
                } else {
                    client.release_reservation(req).await
                };
                (commit, answer.map(|r| r.into_inner()))
            })
        })
        .collect();
    let mut answers = Vec::new();
    for c in calls {
        answers.push(c.await.unwrap());
    }
    answers
}

pub async fn commit_applies_once(h: App) {
    let a = h.product(10).await;
    let order = new_id();
    h.reserve(&order, vec![line(&a, 4)], 0).await.unwrap();
    let committed = h.commit(&order).await.unwrap();
    assert_eq!(committed.status, "COMMITTED");
    assert_eq!(h.level(&a).await.total, 6, "committed stock has left");
    assert_eq!(h.stock(&a).await, (6, 0));
    assert_eq!(
        h.commit(&order).await.unwrap(),
        committed,
        "a repeat is a no-op"
    );
    let commits = h.movement_sums(&a, "COMMIT").await;
    assert_eq!(
        (commits.count, commits.delta, commits.reserved_delta),
        (1, 0, -4)
    );

    let raced = new_id();
    h.reserve(&raced, vec![line(&a, 2)], 0).await.unwrap();
    let calls: Vec<_> = (0..10)
        .map(|_| {
            let mut client = h.client.clone();
            let req = key(&raced, "");
            tokio::spawn(async move { client.commit_reservation(req).await })
        })
        .collect();
    for c in calls {
        assert_eq!(c.await.unwrap().unwrap().into_inner().status, "COMMITTED");
    }
    assert_eq!(h.stock(&a).await, (4, 0));
    assert_eq!(h.movement_sums(&a, "COMMIT").await.count, 2);
    assert_eq!(h.events("inventory.stock_changed").await.len(), 4);
}

pub async fn release_returns_stock_once_even_when_raced(h: App) {
    let a = h.product(10).await;
    let order = new_id();
    h.reserve(&order, vec![line(&a, 4)], 0).await.unwrap();
    let released = h.release(&order, " payment failed ").await.unwrap();
    assert_eq!(released.status, "RELEASED");
    assert_eq!(h.stock(&a).await, (10, 0));
    assert_eq!(h.release(&order, "again").await.unwrap(), released);
    let releases = h.movement_sums(&a, "RELEASE").await;
    assert_eq!(
        (releases.count, releases.delta, releases.reserved_delta),
        (1, 4, -4)
    );
    let m = &h.movements(&a).await[0];
    assert_eq!(
        m.reason,
        format!("released for order {order}: payment failed")
    );

    let raced = new_id();
    h.reserve(&raced, vec![line(&a, 3)], 0).await.unwrap();
    for (_, answer) in race(&h, &raced, 10, 0).await {
        assert_eq!(answer.unwrap().status, "RELEASED");
    }
    assert_eq!(h.stock(&a).await, (10, 0));
    assert_eq!(h.movement_sums(&a, "RELEASE").await.count, 2);

    // Commits racing releases: whichever lands first, the stock comes back exactly once.
    let mixed = new_id();
    h.reserve(&mixed, vec![line(&a, 5)], 0).await.unwrap();
    let answers = race(&h, &mixed, 10, 2).await;
    let mut committed = 0;
    for (commit, answer) in answers {
        match (commit, answer) {
            (false, answer) => assert_eq!(answer.unwrap().status, "RELEASED"),
            (true, Ok(r)) => {
                assert_eq!(r.status, "COMMITTED");
                committed += 1;
            }
            (true, Err(status)) => {
                refused(Err::<(), _>(status), ErrorCode::Conflict);
            }
        }
    }
    assert_eq!(h.get(&mixed).await.unwrap().status, "RELEASED");
    assert_eq!(h.stock(&a).await, (10, 0));
    let commits = h.movement_sums(&a, "COMMIT").await.count;
    let restocks = h.movement_sums(&a, "RESTOCK").await.count;
    let releases = h.movement_sums(&a, "RELEASE").await.count;
    if committed > 0 {
        assert_eq!((commits, restocks, releases), (1, 1, 2));
    } else {
        assert_eq!((commits, restocks, releases), (0, 0, 3));
    }
}

pub async fn a_released_reservation_cannot_be_committed(h: App) {
    let a = h.product(10).await;
    let order = new_id();
    h.reserve(&order, vec![line(&a, 4)], 0).await.unwrap();
    h.release(&order, "").await.unwrap();
    let e = refused(h.commit(&order).await, ErrorCode::Conflict);
    assert_eq!(e.message, "This reservation has expired or was released");
    assert_eq!(e.details["reason"], "RELEASED");
    assert_eq!(h.stock(&a).await, (10, 0));
    assert_eq!(h.movement_sums(&a, "COMMIT").await.count, 0);
}

pub async fn releasing_a_committed_reservation_restocks_once(h: App) {
    let a = h.product(10).await;
    let order = new_id();
    h.reserve(&order, vec![line(&a, 4)], 0).await.unwrap();
    h.commit(&order).await.unwrap();
    assert_eq!(h.stock(&a).await, (6, 0));
    // A cancelled paid order, its cancellation delivered ten times at once.
    for (_, answer) in race(&h, &order, 10, 0).await {
        assert_eq!(answer.unwrap().status, "RELEASED");
    }
    assert_eq!(h.stock(&a).await, (10, 0));
    let released = h.release(&order, "order cancelled").await.unwrap();
    assert_eq!(released.status, "RELEASED");
    assert_eq!(h.stock(&a).await, (10, 0));
    let restocks = h.movement_sums(&a, "RESTOCK").await;
    assert_eq!(
        (restocks.count, restocks.delta, restocks.reserved_delta),
        (1, 4, 0)
    );
    refused(h.commit(&order).await, ErrorCode::Conflict);
}

pub async fn unknown_and_malformed_orders_are_refused(h: App) {
    let unknown = new_id();
    for answer in [
        h.commit(&unknown).await,
        h.release(&unknown, "").await,
        h.get(&unknown).await,
    ] {
        let e = refused(answer, ErrorCode::NotFound);
        assert_eq!(e.message, "No reservation for this order");
    }
    for answer in [
        h.commit("nope").await,
        h.release("", "").await,
        h.get("123").await,
    ] {
        let e = refused(answer, ErrorCode::Validation);
        assert!(e.details.contains_key("orderId"), "{e:?}");
    }
    let a = h.product(10).await;
    let order = new_id();
    h.reserve(&order, vec![line(&a, 1)], 0).await.unwrap();
    let e = refused(
        h.release(&order, &"x".repeat(501)).await,
        ErrorCode::Validation,
    );
    assert!(e.details.contains_key("reason"));
    assert_eq!(h.get(&order).await.unwrap().status, "HELD");
    assert_eq!(h.stock(&a).await, (9, 1));
}

pub async fn movements_record_every_kind(h: App) {
    let a = h.product(10).await;
    let (o1, o2, o3) = (new_id(), new_id(), new_id());
    h.reserve(&o1, vec![line(&a, 3)], 0).await.unwrap();
    h.commit(&o1).await.unwrap();
    h.release(&o1, "").await.unwrap();
    h.reserve(&o2, vec![line(&a, 2)], 0).await.unwrap();
    h.release(&o2, "payment failed").await.unwrap();
    h.reserve(&o3, vec![line(&a, 1)], 1).await.unwrap();
    let swept = vici_inventory::sweep_expired(&h.db, vici_store::now_ms() + 2_000)
        .await
        .unwrap();
    assert_eq!(swept, 1);
    h.adjust(&a, "ADD", 1).await;

    let movements = h.movements(&a).await;
    let mut got: Vec<_> = movements
        .iter()
        .map(|m| {
            let order = m.order_id.clone().unwrap_or_default();
            (
                m.kind.clone(),
                order,
                m.delta,
                m.reserved_delta,
                m.before,
                m.after,
            )
        })
        .collect();
    let row = |kind: &str, order: &str, d, r, before, after| {
        (kind.to_string(), order.to_string(), d, r, before, after)
    };
    let mut expected = vec![
        row("RESERVE", &o1, -3, 3, 10, 7),
        row("COMMIT", &o1, 0, -3, 7, 7),
        row("RESTOCK", &o1, 3, 0, 7, 10),
        row("RESERVE", &o2, -2, 2, 10, 8),
        row("RELEASE", &o2, 2, -2, 8, 10),
        row("RESERVE", &o3, -1, 1, 10, 9),
        row("EXPIRE", &o3, 1, -1, 9, 10),
        row("ADJUST", "", 1, 0, 10, 11),
    ];
    got.sort();
    expected.sort();
    assert_eq!(got, expected);
    for m in &movements {
        match &m.order_id {
            Some(order) => {
                assert_eq!(m.actor, "system");
                assert!(m.reason.contains(order.as_str()), "{m:?}");
            }
            None => assert_eq!((m.kind.as_str(), m.actor.as_str()), ("ADJUST", "admin-1")),
        }
    }
    assert_eq!(movements[0].kind, "ADJUST", "newest first");
    assert_eq!(h.stock(&a).await, (11, 0));
}
