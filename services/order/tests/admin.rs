//! After checkout: cancellation with refund and restock, the admin's moves along the
//! transition table with tracking and history, and lists.
use tonic::Code;
use vici_bus::topics::{ORDER_EVENTS, PAYMENT_EVENTS};
use vici_proto::common::v1::PageRequest;
use vici_proto::order::v1 as pb;

use crate::harness::{App, cancel, new_user, order_ref, place, product};
use vici_proto::vocabulary::Spelled as _;

async fn confirmed(app: &App, user: &str, method: &str) -> pb::Order {
    app.services
        .add_to_cart(user, &product("logitech-mx-master-3s"), 1)
        .await;
    app.orders()
        .place_order(place(user, method, true))
        .await
        .expect("checkout")
        .into_inner()
}

pub async fn cancelling_a_paid_order_refunds_and_restocks(app: App) {
    let mouse = product("logitech-mx-master-3s");
    let user = new_user();
    let before = app.services.stock(&mouse).await;
    let order = confirmed(&app, &user, "pm_card_visa").await;
    let stranger = new_user();
    let err = app
        .orders()
        .cancel_order(cancel(&stranger, &order.id))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);

    let cancelled = app
        .orders()
        .cancel_order(cancel(&user, &order.id))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (cancelled.status.as_str(), cancelled.payment_status.as_str()),
        ("CANCELLED", "REFUNDED")
    );
    assert_eq!(cancelled.status_reason.as_deref(), Some("Changed my mind"));
    assert_eq!(app.services.stock(&mouse).await, before, "restocked");
    assert_eq!(
        app.reservation(&order.id).await.as_deref(),
        Some("RELEASED")
    );
    let payment = app.payment(&order.id).await.unwrap();
    assert_eq!(
        (payment.status().spelling(), payment.refunded_cents),
        ("REFUNDED", order.total_cents)
    );

    let err = app
        .orders()
        .cancel_order(cancel(&user, &order.id))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::AlreadyExists, "{err:?}");
    assert_eq!(
        app.payment(&order.id).await.unwrap().refunded_cents,
        order.total_cents,
        "refunded once"
    );
    assert_eq!(app.services.stock(&mouse).await, before, "restocked once");

    let id = order.id.clone();
    let events = app
        .services
        .drain("t-cancel", &[ORDER_EVENTS])
        .await
        .until(|es| es.iter().any(|e| e.event_type == "order.cancelled"))
        .await;
    let e = events
        .iter()
        .find(|e| e.event_type == "order.cancelled")
        .unwrap();
    assert_eq!(
        (e.data["orderId"].as_str(), e.data["reason"].as_str()),
        (Some(id.as_str()), Some("Changed my mind"))
    );
    let refunds = app
        .services
        .drain("t-refund", &[PAYMENT_EVENTS])
        .await
        .until(|es| es.iter().any(|e| e.event_type == "payment.refunded"))
        .await;
    let r = refunds
        .iter()
        .find(|e| e.event_type == "payment.refunded")
        .unwrap();
    assert_eq!(r.data["amountCents"], order.total_cents);
    assert_eq!(
        app.history(&user, &order.id).await.last().unwrap(),
        &("CANCELLED".into(), user.clone())
    );
}

pub async fn admins_move_orders_along_the_table(app: App) {
    let user = new_user();
    let order = confirmed(&app, &user, "pm_card_visa").await;
    app.set_status(&order.id, "processing", None).await.unwrap();
    let err = app
        .set_status(&order.id, "SHIPPED", None)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert_eq!(
        app.get(&user, &order.id).await.status,
        "PROCESSING",
        "nothing changed"
    );
    let tracking = pb::Tracking {
        carrier: "UPS".into(),
        tracking_number: "1Z999AA1".into(),
        url: "https://ups.test/1Z999AA1".into(),
        estimated_delivery: Some("2030-01-02".into()),
        ..Default::default()
    };
    let shipped = app
        .set_status(&order.id, "SHIPPED", Some(tracking))
        .await
        .unwrap();
    let t = shipped.tracking.clone().unwrap();
    assert_eq!(
        (t.carrier.as_str(), t.tracking_number.as_str()),
        ("UPS", "1Z999AA1")
    );
    assert!(t.shipped_at.is_some());
    for illegal in ["CANCELLED", "SHIPPED", "PROCESSING"] {
        let err = app.set_status(&order.id, illegal, None).await.unwrap_err();
        assert_eq!(err.code(), Code::AlreadyExists, "{illegal}");
        assert_eq!(
            err.message(),
            format!(
                "Cannot move order {} from SHIPPED to {illegal}",
                order.order_number
            )
        );
    }
    let err = app
        .orders()
        .cancel_order(pb::CancelOrderRequest {
            user_id: user.clone(),
            order_id: order.id.clone(),
            reason: String::new(),
            any_user: false,
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::AlreadyExists);
    assert_eq!(
        app.get(&user, &order.id).await,
        shipped,
        "refused moves change nothing"
    );
    app.set_status(&order.id, "DELIVERED", None).await.unwrap();
    let err = app
        .set_status(&order.id, "PROCESSING", None)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::AlreadyExists);
    let refunded = app.set_status(&order.id, "REFUNDED", None).await.unwrap();
    assert_eq!(
        (refunded.status.as_str(), refunded.payment_status.as_str()),
        ("REFUNDED", "REFUNDED")
    );
    let history = app.history(&user, &order.id).await;
    let admin = "admin-1".to_string();
    assert_eq!(
        history,
        vec![
            ("PENDING".into(), user.clone()),
            ("CONFIRMED".into(), "system".into()),
            ("PROCESSING".into(), admin.clone()),
            ("SHIPPED".into(), admin.clone()),
            ("DELIVERED".into(), admin.clone()),
            ("REFUNDED".into(), admin),
        ]
    );
    let id = order.id.clone();
    let events = app
        .services
        .drain("t-ship", &[ORDER_EVENTS])
        .await
        .until(|es| es.iter().any(|e| e.event_type == "order.refunded"))
        .await;
    let shipped_event = events
        .iter()
        .find(|e| e.event_type == "order.shipped")
        .unwrap();
    assert_eq!(shipped_event.data["orderId"], id);
    assert_eq!(
        (
            shipped_event.data["carrier"].as_str(),
            shipped_event.data["trackingNumber"].as_str()
        ),
        (Some("UPS"), Some("1Z999AA1"))
    );
    assert!(events.iter().any(|e| e.event_type == "order.delivered"));
    let refund = events
        .iter()
        .find(|e| e.event_type == "order.refunded")
        .unwrap();
    assert_eq!(refund.data["amountCents"], order.total_cents);
}

fn list(user: &str, page: u32, limit: u32) -> pb::ListOrdersRequest {
    pb::ListOrdersRequest {
        user_id: user.into(),
        page: Some(PageRequest { page, limit }),
        ..Default::default()
    }
}

pub async fn lists_are_newest_first_and_filtered(app: App) {
    let user = new_user();
    let mut placed = Vec::new();
    for method in ["pm_card_visa", "cash_on_delivery", "pm_card_visa"] {
        placed.push(confirmed(&app, &user, method).await.id);
    }
    app.orders()
        .cancel_order(cancel(&user, &placed[0]))
        .await
        .unwrap();
    let other = new_user();
    confirmed(&app, &other, "pm_card_visa").await;

    let first = app
        .orders()
        .list_orders(list(&user, 1, 2))
        .await
        .unwrap()
        .into_inner();
    let second = app
        .orders()
        .list_orders(list(&user, 2, 2))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first.page.unwrap().total, 3);
    let ids: Vec<String> = first
        .orders
        .iter()
        .chain(&second.orders)
        .map(|o| o.id.clone())
        .collect();
    assert_eq!(
        ids,
        placed.iter().rev().cloned().collect::<Vec<_>>(),
        "newest first, stable pages"
    );

    let mut by_status = list(&user, 1, 20);
    by_status.status = crate::harness::status("cancelled");
    let found = app
        .orders()
        .list_orders(by_status)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        found
            .orders
            .iter()
            .map(|o| o.id.clone())
            .collect::<Vec<_>>(),
        vec![placed[0].clone()]
    );

    let mut admin = list(&new_user(), 1, 100);
    admin.any_user = true;
    assert_eq!(
        app.orders()
            .list_orders(admin.clone())
            .await
            .unwrap()
            .into_inner()
            .page
            .unwrap()
            .total,
        4
    );
    let email_part = user[user.len() - 8..].to_uppercase();
    admin.customer = Some(email_part);
    assert_eq!(
        app.orders()
            .list_orders(admin.clone())
            .await
            .unwrap()
            .into_inner()
            .page
            .unwrap()
            .total,
        3
    );
    admin.customer = Some(other.clone());
    assert_eq!(
        app.orders()
            .list_orders(admin.clone())
            .await
            .unwrap()
            .into_inner()
            .page
            .unwrap()
            .total,
        1
    );
    admin.customer = None;
    admin.from = Some("2999-01-01T00:00:00Z".into());
    assert_eq!(
        app.orders()
            .list_orders(admin.clone())
            .await
            .unwrap()
            .into_inner()
            .page
            .unwrap()
            .total,
        0
    );
    admin.from = Some("2000-01-01T00:00:00Z".into());
    admin.to = Some("2999-01-01T00:00:00Z".into());
    assert_eq!(
        app.orders()
            .list_orders(admin)
            .await
            .unwrap()
            .into_inner()
            .page
            .unwrap()
            .total,
        4
    );
    // An admin reads anyone's order; the owner's view is unchanged.
    let mut r = order_ref(&new_user(), &placed[1]);
    r.any_user = true;
    assert_eq!(
        app.orders().get_order(r).await.unwrap().into_inner().id,
        placed[1]
    );
}
