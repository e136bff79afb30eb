//! What the shop serves is recorded as behaviour (the storefront never posts events): product
//! views (once per session and product per half hour, cached answers too), lists with their
//! positions, searches with what they found, shelves with their request id, category pages.
use axum::body::Body;
use axum::http::Request;
use vici_bus::topics::USER_EVENTS;

use crate::fake::{HEADPHONES_ID, MUG_ID};
use crate::{gateway_recording, send};

async fn browse(gw: &crate::Gateway, uri: &str, session: Option<&str>) -> vici_testkit::Reply {
    let mut request = Request::get(uri).header("user-agent", "Mozilla/5.0 Firefox/133.0");
    if let Some(session) = session {
        request = request.header("x-session-id", session);
    }
    let reply = send(&gw.app, request.body(Body::empty()).unwrap()).await;
    assert_eq!(reply.status, 200, "{uri}: {}", reply.text());
    reply
}

#[tokio::test]
async fn the_pages_a_shopper_is_served_are_recorded() {
    let gw = gateway_recording().await;
    let product = format!("/api/products/{HEADPHONES_ID}");
    browse(&gw, &product, Some("tab-9")).await;
    browse(&gw, &product, Some("tab-9")).await; // a reload: the same view
    browse(&gw, &product, Some("tab-10")).await; // the micro-cache's answer, another session
    browse(
        &gw,
        "/api/products?category=audio&page=2&limit=2",
        Some("tab-9"),
    )
    .await;
    browse(&gw, "/api/products/search?q=head", Some("tab-9")).await;
    let shelf = browse(&gw, "/api/products/trending", Some("tab-9")).await;
    browse(&gw, "/api/products/categories/audio", Some("tab-9")).await;
    browse(&gw, &product, None).await; // no session: a visit derived for it
    // A session header the event service would refuse (too long), from another browser: a
    // visit derived for it instead.
    let long_session = Request::get(&product)
        .header("user-agent", "Mozilla/5.0 Chrome/131.0")
        .header("x-session-id", "s".repeat(65))
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&gw.app, long_session).await.status, 200);

    let mut all = gw.services.drain("reader", &[USER_EVENTS]).await;
    let got: Vec<_> = all.take(8).await.into_iter().map(|(_, e)| e).collect();
    let types: Vec<&str> = got.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(
        types,
        [
            "behaviour.product_view",
            "behaviour.product_view",
            "behaviour.product_list_view",
            "behaviour.search",
            "behaviour.recommendation_impression",
            "behaviour.category_view",
            "behaviour.product_view",
            "behaviour.product_view",
        ]
    );
    let sessions: Vec<&str> = got
        .iter()
        .map(|e| e.data["sessionId"].as_str().unwrap())
        .collect();
    assert_eq!(
        sessions[..6],
        ["tab-9", "tab-10", "tab-9", "tab-9", "tab-9", "tab-9"]
    );
    assert!(sessions[6].starts_with("visit-"), "{}", sessions[6]);
    assert!(sessions[7].starts_with("visit-"), "{}", sessions[7]);
    assert_ne!(sessions[6], sessions[7], "another browser, another visit");
    assert_eq!(got[0].data["productId"], HEADPHONES_ID);
    assert_eq!(got[0].data["userAgent"], "Mozilla/5.0 Firefox/133.0");
    assert_eq!(got[0].data["isBot"], false);
    let list = &got[2].data;
    assert_eq!(list["listId"], "category:audio");
    assert_eq!(list["source"], "category");
    assert_eq!(
        list["positions"],
        serde_json::json!([2, 3]),
        "page 2 of 2 a page: {list}"
    );
    assert_eq!(got[3].data["query"], "head");
    assert_eq!(
        got[3].data["resultProductIds"],
        serde_json::json!([HEADPHONES_ID])
    );
    let impression = &got[4].data;
    assert_eq!(impression["listType"], "trending");
    assert_eq!(
        impression["productIds"],
        serde_json::json!([HEADPHONES_ID, MUG_ID])
    );
    assert_eq!(
        impression["requestId"],
        shelf.json()["meta"]["requestId"],
        "the impression names the list as its answer did"
    );
    all.assert_quiet(std::time::Duration::from_millis(300))
        .await;
}
