//! What the shop served (the gateway's calls): each event with the context of its own request,
//! every type taken; and each session's budget.
use serde_json::json;
use vici_bus::topics::{PRODUCT_VIEWS, USER_EVENTS};
use vici_proto::event::v1 as pb;
use vici_testkit::new_id;

use crate::harness::{App, BURST, browser};

fn shop(context: pb::TrackContext) -> pb::TrackContext {
    pb::TrackContext {
        origin: pb::Origin::Shop.into(),
        ..context
    }
}

pub async fn served_events_keep_each_their_own_request(app: App) {
    let user = new_id();
    let answer = app
        .served(&[
            (
                shop(browser(None, None)),
                json!({"type": "behaviour.product_view", "productId": "p-1", "sessionId": "visit-1"}),
            ),
            (
                shop(browser(Some(&user), None)),
                json!({"type": "behaviour.identify", "sessionId": "visit-1"}),
            ),
            (
                shop(browser(Some(&user), None)),
                json!({"type": "behaviour.wishlist_add", "productId": "p-1", "sessionId": "visit-1"}),
            ),
            (
                shop(browser(None, None)),
                json!({"type": "behaviour.product_view", "sessionId": "visit-1"}),
            ),
        ])
        .await;
    assert_eq!(answer.accepted, 3, "{answer:?}");
    assert_eq!(answer.rejected.len(), 1);
    assert_eq!(
        answer.rejected[0].index, 3,
        "named by its place: {answer:?}"
    );
    let mut all = app.services.drain("reader", &[USER_EVENTS]).await;
    let got = all.take(3).await;
    let keys: Vec<&str> = got.iter().map(|(key, _)| key.as_str()).collect();
    assert_eq!(keys, ["anon:visit-1", user.as_str(), user.as_str()]);
    assert!(got[0].1.data.get("userId").is_none(), "the anonymous view");
    assert_eq!(got[1].1.event_type, "behaviour.identify");
    assert_eq!(got[1].1.data["userId"], user.as_str());
    assert_eq!(got[1].1.data["sessionId"], "visit-1");
    assert_eq!(got[2].1.event_type, "behaviour.wishlist_add");
    let (_, view) = app
        .services
        .drain("views", &[PRODUCT_VIEWS])
        .await
        .next()
        .await;
    assert_eq!(view.id, got[0].1.id);
}

pub async fn a_runaway_session_is_flagged_and_spread(app: App) {
    let runaway = 40;
    let events: Vec<_> = (0..runaway)
        .map(|i| json!({"type": "behaviour.page_view", "path": format!("/p/{i}")}))
        .collect();
    let answer = app.batch(browser(None, Some("runaway")), &events).await;
    assert_eq!(answer.accepted, runaway as u32, "all recorded: {answer:?}");
    let calm = app
        .track(
            browser(None, Some("calm")),
            json!({"type": "behaviour.page_view"}),
        )
        .await
        .unwrap();
    let mut all = app.services.drain("reader", &[USER_EVENTS]).await;
    let got = all.take(runaway + 1).await;
    let (within, beyond): (Vec<_>, Vec<_>) = got[..runaway]
        .iter()
        .partition(|(_, e)| e.data.get("throttled").is_none());
    assert_eq!(within.len(), BURST, "the burst passes unflagged");
    assert!(within.iter().all(|(key, _)| key == "anon:runaway"));
    for (key, event) in &beyond {
        assert_eq!(event.data["throttled"], true);
        assert_eq!(key, &format!("throttled:{}", event.id), "each keyed apart");
        assert_eq!(event.data["sessionId"], "runaway", "still the session's");
    }
    let (key, last) = &got[runaway];
    assert_eq!(
        (key.as_str(), last.id.as_str()),
        ("anon:calm", calm.as_str())
    );
    assert!(
        last.data.get("throttled").is_none(),
        "another session is not held back"
    );
    let metrics = vici_kit::metrics::render();
    assert!(
        metrics.contains(r#"vici_events_throttled_total{type="behaviour.page_view"}"#),
        "{metrics}"
    );
}
