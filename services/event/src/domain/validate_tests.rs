//! Each kind of bad event is refused with its field named; good ones pass unchanged.
use serde_json::json;

use super::*;

const CLIENT: Recorder<'static> = Recorder {
    origin: Origin::Client,
    session_header: None,
    imported: false,
};

fn refused(body: Value) -> vici_kit::Error {
    check(&body, CLIENT).expect_err("refused")
}

#[test]
fn a_product_view_passes_with_its_fields() {
    let id = Uuid::now_v7();
    let checked = check(
        &json!({"id": id.to_string(), "type": "behaviour.product_view", "sessionId": "s-1",
                "productId": "p-1", "source": "search", "position": 3,
                "properties": {"variant": "red"}}),
        CLIENT,
    )
    .unwrap();
    assert_eq!(checked.event_type.name, "behaviour.product_view");
    assert_eq!(checked.client_id, Some(id));
    assert_eq!(checked.data["productId"], "p-1");
    assert_eq!(checked.data["properties"]["variant"], "red");
    assert!(
        !checked.data.contains_key("type"),
        "the type is the envelope's"
    );
}

#[test]
fn the_session_may_come_from_the_header() {
    let recorder = Recorder {
        session_header: Some("from-header"),
        ..CLIENT
    };
    let body = json!({"type": "behaviour.page_view"});
    let checked = check(&body, recorder).unwrap();
    assert_eq!(checked.data["sessionId"], "from-header");
    let e = refused(body);
    assert_eq!(e.code, vici_kit::ErrorCode::Validation);
    assert!(e.details.contains_key("sessionId"), "{e:?}");
    assert!(e.message.contains("X-Session-Id"), "{}", e.message);
}

#[test]
fn an_unknown_type_and_a_missing_type_are_named() {
    let e = refused(json!({"type": "behaviour.teleport", "sessionId": "s"}));
    assert!(e.message.contains("behaviour.teleport"), "{}", e.message);
    assert!(e.details.contains_key("type"));
    assert!(
        refused(json!({"sessionId": "s"}))
            .details
            .contains_key("type")
    );
    assert!(
        refused(json!({"type": 7, "sessionId": "s"}))
            .details
            .contains_key("type")
    );
    assert!(
        refused(json!(["not", "an", "object"]))
            .details
            .contains_key("event")
    );
}

#[test]
fn the_body_cannot_name_the_user() {
    let e = refused(json!({"type": "behaviour.page_view", "sessionId": "s", "userId": "u-admin"}));
    assert!(e.details.contains_key("userId"), "{e:?}");
}

#[test]
fn a_client_cannot_send_what_only_the_shop_records() {
    for name in [
        "behaviour.purchase",
        "behaviour.add_to_cart",
        "behaviour.identify",
    ] {
        let e = refused(json!({"type": name, "sessionId": "s"}));
        assert!(
            e.message.contains("recorded by the shop"),
            "{name}: {}",
            e.message
        );
    }
    let shop = Recorder {
        origin: Origin::Shop,
        ..CLIENT
    };
    let purchase = json!({"type": "behaviour.purchase", "sessionId": "s", "orderId": "o",
                          "productId": "p", "quantity": 2, "priceCents": 1999});
    assert!(check(&purchase, shop).is_ok());
}

#[test]
fn missing_fields_overlong_strings_and_nul_bytes_are_refused() {
    let e = refused(json!({"type": "behaviour.product_view", "sessionId": "s"}));
    assert!(e.details.contains_key("productId"), "{e:?}");
    let long = "x".repeat(10_000);
    let e = refused(json!({"type": "behaviour.search", "sessionId": "s", "query": long}));
    assert!(
        e.message.contains("at most 200 characters"),
        "{}",
        e.message
    );
    let e = refused(json!({"type": "behaviour.search", "sessionId": "s", "query": "a\u{0}b"}));
    assert!(e.message.contains("control characters"), "{}", e.message);
    let e = refused(json!({"type": "behaviour.page_view", "sessionId": "s",
                           "properties": {"k": "a\u{0}b"}}));
    assert!(e.details.contains_key("properties"), "{e:?}");
    let e = refused(json!({"type": "behaviour.page_view", "sessionId": "s", long.clone(): 1}));
    assert!(!e.message.contains(&long), "a long key is not echoed whole");
}

#[test]
fn numbers_lists_and_ids_keep_their_bounds() {
    let e = refused(json!({"type": "behaviour.product_click", "sessionId": "s",
                           "productId": "p", "position": -1}));
    assert!(e.details.contains_key("position"));
    let e = refused(json!({"type": "behaviour.product_click", "sessionId": "s",
                           "productId": "p", "position": "3"}));
    assert!(e.message.contains("whole number"), "{}", e.message);
    let many: Vec<String> = (0..101).map(|i| format!("p{i}")).collect();
    let e = refused(
        json!({"type": "behaviour.product_list_view", "sessionId": "s",
                           "listId": "l", "productIds": many}),
    );
    assert!(e.message.contains("at most 100"), "{}", e.message);
    let e = refused(
        json!({"type": "behaviour.product_list_view", "sessionId": "s",
                           "listId": "l", "productIds": ["a", "b"], "positions": [0]}),
    );
    assert!(e.details.contains_key("positions"), "{e:?}");
    let e = refused(json!({"type": "behaviour.page_view", "sessionId": "", "id": "nope"}));
    assert!(
        e.details.contains_key("sessionId") && e.details.contains_key("id"),
        "{e:?}"
    );
}

#[test]
fn fields_of_other_types_are_not_taken() {
    let e = refused(json!({"type": "behaviour.page_view", "sessionId": "s", "orderId": "o"}));
    assert!(
        e.message.contains("not a field of behaviour.page_view"),
        "{}",
        e.message
    );
}

const IMPORT: Recorder<'static> = Recorder {
    origin: Origin::Shop,
    imported: true,
    ..CLIENT
};

#[test]
fn an_import_names_its_user_and_time_and_may_carry_the_shops_own_types() {
    let user = UserId::generate().to_string();
    let purchase = json!({"type": "behaviour.purchase", "userId": user, "orderId": "o-1",
                          "productId": "p-1", "quantity": 1, "priceCents": 999,
                          "time": "2025-03-01T12:00:00+02:00"});
    let checked = check(&purchase, IMPORT).unwrap();
    let imported = checked.imported.expect("an import");
    assert_eq!(imported.user_id.as_deref(), Some(user.as_str()));
    assert_eq!(imported.time.to_rfc3339(), "2025-03-01T10:00:00+00:00");
    assert_eq!(
        checked.data["sessionId"],
        format!("import-{user}"),
        "without a session, the user's own stands for it"
    );
    assert!(
        !checked.data.contains_key("userId"),
        "the user is the envelope's"
    );
    assert!(
        check(&purchase, CLIENT).is_err(),
        "a client may not send it"
    );
}

#[test]
fn an_import_without_time_or_with_a_bad_user_or_a_future_time_is_refused() {
    let refused_import = |body: Value| check(&body, IMPORT).expect_err("refused");
    let untimed = refused_import(json!({"type": "behaviour.product_view", "sessionId": "s",
                                        "productId": "p"}));
    assert!(untimed.details["time"].is_string(), "{untimed:?}");
    let future = (chrono::Utc::now() + chrono::TimeDelta::hours(1)).to_rfc3339();
    let ahead = refused_import(json!({"type": "behaviour.product_view", "sessionId": "s",
                                      "productId": "p", "time": future}));
    assert!(ahead.message.contains("future"), "{}", ahead.message);
    let stranger = refused_import(json!({"type": "behaviour.product_view", "userId": "bob",
                                         "productId": "p", "time": "2025-01-01T00:00:00Z"}));
    assert!(stranger.details["userId"].is_string(), "{stranger:?}");
    let nobody = refused_import(json!({"type": "behaviour.product_view", "productId": "p",
                                       "time": "2025-01-01T00:00:00Z"}));
    assert!(nobody.message.contains("or a userId"), "{}", nobody.message);
}
