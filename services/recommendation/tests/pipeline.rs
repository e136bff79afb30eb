//! The running service: events on the bus reach the shelves it serves, each event is learnt
//! once however often it is delivered, catalogue and stock events hide and announce products,
//! and a restart rebuilds the model from the journal.
use std::collections::HashSet;

use serde_json::json;
use vici_bus::CloudEvent;
use vici_bus::topics::{INVENTORY_EVENTS, PRODUCT_EVENTS, USER_EVENTS};
use vici_proto::recommendation::v1 as pb;
use vici_proto::recommendation::v1::RecommendationKind as K;
use vici_recommendation::journal::Journal;
use vici_recommendation::pipeline::flow::Pipeline;
use vici_recommendation::store::{List, RecStore, Who};
use vici_testkit::caches::memory_cache;
use vici_testkit::demo::product_id;
use vici_testkit::{ServiceName, eventually, invalid};

use super::harness::App;

const VIEW: &str = "behaviour.product_view";

fn firsts(shelf: &[(String, String)]) -> Vec<&str> {
    shelf.iter().map(|(p, _)| p.as_str()).collect()
}

/// Three shoppers view a lamp, then a bulb: the two go together.
async fn lamps_and_bulbs(app: &App) {
    for shopper in ["a", "b", "c"] {
        app.behaviour(VIEW, Some(shopper), "s", "lamp").await;
        app.behaviour(VIEW, Some(shopper), "s", "bulb").await;
    }
}

pub async fn behaviour_on_the_bus_reaches_the_shelves(app: App) {
    lamps_and_bulbs(&app).await;
    app.behaviour(VIEW, Some("me"), "s-me", "lamp").await;
    eventually("my recommendations to follow my view", || async {
        let mine = app.shelf(K::Recommended, Some("me"), None, None).await;
        mine.first() == Some(&("bulb".into(), "personalized".into()))
    })
    .await;
    // A visitor's first view is enough for a list of their own.
    app.behaviour(VIEW, None, "visit-1", "lamp").await;
    eventually("a visitor's recommendations to follow one view", || async {
        let theirs = app.shelf(K::Recommended, None, Some("visit-1"), None).await;
        theirs.first() == Some(&("bulb".into(), "personalized".into()))
    })
    .await;
    let viewed = app
        .shelf(K::RecentlyViewed, None, Some("visit-1"), None)
        .await;
    assert_eq!(viewed, [("lamp".to_string(), "history".to_string())]);
    let related = app.shelf(K::Related, None, None, Some("lamp")).await;
    assert_eq!(firsts(&related), ["bulb"]);
    // Bot traffic moves nothing.
    let mut bot = CloudEvent::new(
        "event",
        VIEW,
        "me",
        json!({"userId": "me", "sessionId": "s-me", "productId": "desk", "isBot": true}),
    );
    bot.id = vici_testkit::new_id();
    app.publish(USER_EVENTS, &bot).await;
    app.behaviour(VIEW, Some("d"), "s", "marker").await;
    eventually("the marker to be learnt", || async {
        let trending = app.shelf(K::Trending, None, None, None).await;
        firsts(&trending).contains(&"marker")
    })
    .await;
    let trending = app.shelf(K::Trending, None, None, None).await;
    assert!(!firsts(&trending).contains(&"desk"), "{trending:?}");
}

pub async fn a_shopper_who_stays_away_gets_what_others_taught_since(app: App) {
    let store = RecStore::new(app.cache.clone());
    app.behaviour(VIEW, Some("me"), "s-me", "lamp").await;
    eventually("my view to be learnt", || async {
        !store.history(Who::User("me"), 5).await.unwrap().is_empty()
    })
    .await;
    // Others pair the lamp with a bulb after my visit; I do nothing more.
    lamps_and_bulbs(&app).await;
    eventually("the bulb on my stored list", || async {
        let mine = store
            .top(List::Personalized { user: "me" }, 10)
            .await
            .unwrap();
        mine.iter().any(|(p, _)| p == "bulb")
    })
    .await;
}

pub async fn a_redelivered_event_is_learnt_once(app: App) {
    let store = RecStore::new(app.cache.clone());
    let popular = || async { store.top(List::Popular, 10).await.unwrap() };
    // Delivered twice in one batch, and once more after it was learnt.
    let once = app.behaviour(VIEW, Some("u1"), "s1", "twice-sent").await;
    app.publish(USER_EVENTS, &once).await;
    eventually("the view to be learnt", || async {
        popular().await.len() == 1
    })
    .await;
    app.publish(USER_EVENTS, &once).await;
    app.behaviour(VIEW, Some("u2"), "s2", "marker").await;
    eventually("the marker to be learnt", || async {
        popular().await.len() == 2
    })
    .await;
    let popular = popular().await;
    assert!(
        popular.iter().all(|(_, score)| *score == 1.0),
        "each view counted once: {popular:?}"
    );
}

/// An admin's import: events with their original times, flagged `imported`.
async fn imported_view(app: &App, user: &str, product: &str, days_ago: i64) {
    let data = json!({"userId": user, "sessionId": format!("import-{user}"), "productId": product,
                      "isBot": false, "imported": true});
    let mut event = CloudEvent::new("event", VIEW, user, data);
    let then = chrono::Utc::now() - chrono::TimeDelta::days(days_ago);
    event.time = then.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    app.publish(USER_EVENTS, &event).await;
}

pub async fn imported_history_teaches_within_the_memory_only(app: App) {
    let store = RecStore::new(app.cache.clone());
    // The default memory is 30 days: a season ago is forgotten, last week is not.
    imported_view(&app, "u1", "last-season", 90).await;
    imported_view(&app, "u1", "last-week", 7).await;
    app.behaviour(VIEW, Some("u2"), "s2", "marker").await;
    eventually("the marker to be learnt", || async {
        let popular = store.top(List::Popular, 10).await.unwrap();
        popular.iter().any(|(p, _)| p == "marker")
    })
    .await;
    let popular = store.top(List::Popular, 10).await.unwrap();
    let names: HashSet<&str> = popular.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(names, HashSet::from(["marker", "last-week"]), "{popular:?}");
}

pub async fn catalogue_and_stock_events_hide_and_announce_products(app: App) {
    let created = CloudEvent::new(
        "product",
        "product.created",
        "fresh",
        json!({"productId": "fresh", "status": "ACTIVE", "name": "Fresh"}),
    );
    app.publish(PRODUCT_EVENTS, &created).await;
    eventually("the new product first among the new arrivals", || async {
        let arrivals = app.shelf(K::NewArrivals, None, None, None).await;
        arrivals.first() == Some(&("fresh".to_string(), "new_arrivals".to_string()))
    })
    .await;
    // The seeded catalogue's products follow, newest first.
    let arrivals = app.shelf(K::NewArrivals, None, None, None).await;
    assert_eq!(arrivals.len(), 10, "{arrivals:?}");
    app.behaviour(VIEW, Some("u1"), "s1", "hot").await;
    eventually("the viewed product to trend", || async {
        firsts(&app.shelf(K::Trending, None, None, None).await).contains(&"hot")
    })
    .await;
    let stock = |available: i64| {
        CloudEvent::new(
            "inventory",
            "inventory.stock_changed",
            "hot",
            json!({"productId": "hot", "variantId": null, "available": available, "reserved": 0}),
        )
    };
    app.publish(INVENTORY_EVENTS, &stock(0)).await;
    eventually("a sold-out product to leave every shelf", || async {
        !firsts(&app.shelf(K::Trending, None, None, None).await).contains(&"hot")
    })
    .await;
    app.publish(INVENTORY_EVENTS, &stock(3)).await;
    eventually("a restocked product to come back", || async {
        firsts(&app.shelf(K::Trending, None, None, None).await).contains(&"hot")
    })
    .await;
    let deleted = CloudEvent::new(
        "product",
        "product.deleted",
        "fresh",
        json!({"productId": "fresh"}),
    );
    app.publish(PRODUCT_EVENTS, &deleted).await;
    eventually("a deleted product to leave the new arrivals", || async {
        let arrivals = app.shelf(K::NewArrivals, None, None, None).await;
        !firsts(&arrivals).contains(&"fresh")
    })
    .await;
}

pub async fn orders_and_sign_ins_shape_the_lists(app: App) {
    for (user, order, lines) in [
        ("u1", "o1", ["pasta", "sauce"]),
        ("u2", "o2", ["pasta", "sauce"]),
        ("u3", "o3", ["pasta", "wine"]),
    ] {
        for line in lines {
            app.purchase(user, order, line).await;
        }
    }
    app.purchase("u1", "o4", "pasta").await;
    eventually("sauce bought with pasta", || async {
        let together = app
            .shelf(K::FrequentlyBoughtTogether, None, None, Some("pasta"))
            .await;
        together.first() == Some(&("sauce".into(), "bought_together".into()))
    })
    .await;
    let store = RecStore::new(app.cache.clone());
    eventually("pasta to buy again", || async {
        let again = store.top(List::BuyAgain { user: "u1" }, 5).await.unwrap();
        again.first().map(|(p, _)| p.as_str()) == Some("pasta")
    })
    .await;
    // What u1 bought is on none of u1's shelves.
    let mine = app.shelf(K::Recommended, Some("u1"), None, None).await;
    assert!(
        !firsts(&mine).contains(&"pasta") && !firsts(&mine).contains(&"sauce"),
        "{mine:?}"
    );

    // A visitor browses anonymously, then signs in: the views follow them.
    app.behaviour(VIEW, None, "visit-9", "wine").await;
    app.identify("visit-9", "u9").await;
    eventually("the visitor's views in the user's history", || async {
        let viewed = app.shelf(K::RecentlyViewed, Some("u9"), None, None).await;
        firsts(&viewed) == ["wine"]
    })
    .await;
    eventually("the user's recommendations to follow the visit", || async {
        let theirs = app.shelf(K::Recommended, Some("u9"), None, None).await;
        theirs.first() == Some(&("pasta".into(), "personalized".into()))
    })
    .await;
}

pub async fn a_new_product_gets_similar_items_by_what_it_is(app: App) {
    let phones = vici_catalog::category_id("mobile-phones").to_string();
    let created = CloudEvent::new(
        "product",
        "product.created",
        "pixel",
        json!({"productId": "pixel", "status": "ACTIVE", "name": "Pixel 9 Pro",
            "categoryId": phones, "tags": ["smartphone", "android", "5g"]}),
    );
    app.publish(PRODUCT_EVENTS, &created).await;
    let (iphone, samsung) = (
        product_id("iphone-15-pro-max"),
        product_id("samsung-s24-ultra"),
    );
    eventually("the new phone's similar items", || async {
        let related = app.shelf(K::Related, None, None, Some("pixel")).await;
        related.len() >= 2
    })
    .await;
    let related = app.shelf(K::Related, None, None, Some("pixel")).await;
    let first_two: HashSet<&str> = firsts(&related).into_iter().take(2).collect();
    assert_eq!(
        first_two,
        HashSet::from([iphone.as_str(), samsung.as_str()]),
        "{related:?}"
    );
    assert!(related.iter().all(|(_, source)| source == "similar"));
    // Shoppers' behaviour takes over: what they view with it comes first.
    for shopper in ["a", "b"] {
        app.behaviour(VIEW, Some(shopper), "s", "pixel").await;
        app.behaviour(VIEW, Some(shopper), "s", "case").await;
    }
    eventually("the case first among the phone's similar items", || async {
        let related = app.shelf(K::Related, None, None, Some("pixel")).await;
        firsts(&related).first() == Some(&"case")
    })
    .await;
    let related = app.shelf(K::Related, None, None, Some("pixel")).await;
    assert!(
        firsts(&related).contains(&iphone.as_str()),
        "content still fills: {related:?}"
    );
}

pub async fn a_category_trends_with_its_own_products(app: App) {
    let (iphone, macbook) = (
        product_id("iphone-15-pro-max"),
        product_id("macbook-pro-16-m3"),
    );
    for shopper in ["a", "b"] {
        app.behaviour(VIEW, Some(shopper), "s", &iphone).await;
        app.behaviour(VIEW, Some(shopper), "s", &macbook).await;
    }
    let electronics = vici_catalog::category_id("electronics").to_string();
    let phones = vici_catalog::category_id("mobile-phones").to_string();
    let computers = vici_catalog::category_id("computers-accessories").to_string();
    let trending_in = |categories: Vec<String>| {
        let request = pb::RecommendRequest {
            kind: K::Trending.into(),
            category_ids: categories,
            limit: 10,
            ..Default::default()
        };
        let mut recs = app.recs();
        async move {
            let answer = recs.recommend(request).await.unwrap().into_inner();
            answer
                .items
                .into_iter()
                .map(|i| i.product_id)
                .collect::<Vec<_>>()
        }
    };
    eventually("the phone trending among phones", || async {
        trending_in(vec![phones.clone()]).await == [iphone.clone()]
    })
    .await;
    // A category with its descendants, as the gateway asks for one.
    let both = trending_in(vec![electronics, phones, computers]).await;
    assert_eq!(both.len(), 2, "{both:?}");
}

pub async fn a_restart_rebuilds_the_model_from_the_journal(app: App) {
    lamps_and_bulbs(&app).await;
    app.behaviour(VIEW, None, "visit-2", "lamp").await;
    let store = RecStore::new(app.cache.clone());
    eventually("the lamp's similar items", || async {
        !store
            .top(List::Similar { product: "lamp" }, 5)
            .await
            .unwrap()
            .is_empty()
    })
    .await;
    // A restarted `vici up`: the in-process store is empty, the database is not.
    let emptied = RecStore::new(memory_cache());
    let mut pipeline = Pipeline::start(emptied, true).await.unwrap();
    let journal = Journal::new(app.services.db(ServiceName::Recommendation).await);
    let learnt = pipeline
        .rebuild(&journal, 0, vici_store::now_ms())
        .await
        .unwrap();
    assert_eq!(learnt, 7);
    let rebuilt = pipeline.store();
    let similar = rebuilt
        .top(List::Similar { product: "lamp" }, 5)
        .await
        .unwrap();
    assert_eq!(similar[0].0, "bulb");
    assert_eq!(rebuilt.recently_viewed("visit-2").await.unwrap(), ["lamp"]);
    let trending = rebuilt.top(List::Trending, 5).await.unwrap();
    assert_eq!(trending.len(), 2);
}

pub async fn unclear_requests_are_refused(app: App) {
    let ask = |kind: K, product: Option<&str>, limit: u32| pb::RecommendRequest {
        kind: kind.into(),
        user_id: None,
        session_id: None,
        product_id: product.map(str::to_string),
        limit,
        category_ids: Vec::new(),
    };
    let mut recs = app.recs();
    for (request, field) in [
        (ask(K::Unspecified, None, 10), "kind"),
        (ask(K::Related, None, 10), "productId"),
        (ask(K::FrequentlyBoughtTogether, Some(""), 10), "productId"),
        (ask(K::Trending, None, 0), "limit"),
        (ask(K::Trending, None, 101), "limit"),
    ] {
        invalid(recs.recommend(request).await, field);
    }
}
