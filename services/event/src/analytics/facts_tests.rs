use serde_json::json;

use super::*;

fn event(kind: &str, data: Value) -> CloudEvent {
    let mut e = CloudEvent::new("test", kind, "s", data);
    e.time = "2026-03-04T10:00:00.000Z".into();
    e
}

const AT: i64 = 1_772_618_400_000;

#[test]
fn an_order_event_gives_its_state_and_lines() {
    let e = event(
        "order.refunded",
        json!({"orderId": "o1", "orderNumber": "VS-1", "userId": "u1", "status": "REFUNDED",
               "totalCents": 2500, "amountCents": 2500, "currency": "USD",
               "items": [{"productId": "p1", "name": "Mug", "quantity": 2, "unitPriceCents": 1000}]}),
    );
    let Some(Fact::Order(o)) = read(&e, 0) else {
        panic!("an order fact")
    };
    assert_eq!(o.status, "REFUNDED");
    assert_eq!(o.refunded_cents, Some(2500));
    assert_eq!(o.at_ms, AT);
    assert_eq!(o.lines[0].quantity, 2);
    assert_eq!(day_of(o.at_ms), AT / DAY_MS);
}

#[test]
fn only_a_refund_says_how_much_was_refunded() {
    let e = event(
        "order.cancelled",
        json!({"orderId": "o1", "userId": "u1", "status": "CANCELLED", "totalCents": 10, "amountCents": 10}),
    );
    let Some(Fact::Order(o)) = read(&e, 0) else {
        panic!("an order fact")
    };
    assert_eq!(o.refunded_cents, None);
}

#[test]
fn bots_and_throttled_events_are_not_counted() {
    for flag in ["isBot", "throttled"] {
        let e = event(
            "behaviour.product_view",
            json!({"sessionId": "s", "productId": "p", flag: true}),
        );
        assert_eq!(read(&e, 0), None, "{flag}");
    }
}

#[test]
fn the_visitor_is_the_user_else_the_session() {
    let signed_in = event(
        "behaviour.add_to_cart",
        json!({"userId": "u1", "sessionId": "s1"}),
    );
    let anonymous = event("behaviour.page_view", json!({"sessionId": "s1"}));
    let Some(Fact::Visit(v)) = read(&signed_in, 0) else {
        panic!("a visit")
    };
    assert_eq!((v.visitor.as_str(), v.step), ("u1", Step::AddToCart));
    let Some(Fact::Visit(v)) = read(&anonymous, 0) else {
        panic!("a visit")
    };
    assert_eq!((v.visitor.as_str(), v.step), ("anon:s1", Step::Other));
}

#[test]
fn a_purchase_is_worth_its_quantity_times_its_price() {
    let e = event(
        "behaviour.purchase",
        json!({"userId": "u1", "sessionId": "s9", "productId": "p", "quantity": 3, "priceCents": 250}),
    );
    let Some(Fact::Visit(v)) = read(&e, 0) else {
        panic!("a visit")
    };
    let expected = Step::Purchase {
        product: "p".into(),
        cents: 750,
        session: Some("anon:s9".into()),
    };
    assert_eq!(v.step, expected);
    assert_eq!(
        v.step.stages(),
        stage::SESSION | stage::PURCHASE,
        "a purchase is a session's last stage"
    );
}

#[test]
fn an_impression_needs_its_list_type_and_request() {
    let e = event(
        "behaviour.recommendation_impression",
        json!({"sessionId": "s", "listType": "trending", "productIds": ["p"]}),
    );
    assert_eq!(
        read(&e, 0),
        None,
        "without a request id no click can find it"
    );
}

#[test]
fn only_product_level_stock_is_kept() {
    let variant = event(
        "inventory.stock_changed",
        json!({"productId": "p", "variantId": "v", "available": 1}),
    );
    let product = event(
        "inventory.stock_changed",
        json!({"productId": "p", "variantId": null, "available": 4, "threshold": 5}),
    );
    assert_eq!(read(&variant, 0), None);
    assert_eq!(
        read(&product, 0),
        Some(Fact::Stock {
            product: "p".into(),
            available: 4,
            threshold: Some(5)
        })
    );
}

#[test]
fn sales_are_confirmed_orders_not_cancelled() {
    for s in [
        "CONFIRMED",
        "PROCESSING",
        "SHIPPED",
        "DELIVERED",
        "REFUNDED",
    ] {
        assert!(counts_as_sale(s), "{s}");
    }
    for s in ["PENDING", "PAYMENT_PENDING", "CANCELLED"] {
        assert!(!counts_as_sale(s), "{s}");
    }
}
