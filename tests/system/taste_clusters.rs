//! A small shopper simulator with planted tastes, through the API: a crowd of visitors, each
//! browsing a few products of one of two tastes, is imported as history; a newcomer who looked
//! at two products of a taste is then recommended that taste's other products, where the
//! shop's popular list (what a visitor without history sees) mixes both. A fast check that
//! personalisation beats popularity; the real measure is bench/recs-quality.sh.
use std::collections::HashSet;

use reqwest::Method;
use reqwest::header::CONTENT_TYPE;
use serde_json::json;
use vici_testkit::system::{Visitor, shop};

use crate::account::product_id;
use crate::checkout::admin;
use crate::recommendations::{eventually, session_shelf, shelf};

// Products no other test takes off sale (sells out or stocks to zero): a hidden product is
// neither recommended nor shown as recently viewed, which would change what this test counts.
const GADGETS: [&str; 5] = [
    "macbook-pro-16-m3",
    "dell-xps-15",
    "logitech-mx-master-3s",
    "iphone-15-pro-max",
    "samsung-s24-ultra",
];
const LIFESTYLE: [&str; 5] = [
    "kitchenaid-stand-mixer",
    "levis-501-jeans",
    "nike-air-max-90",
    "zara-floral-dress",
    "atomic-habits-book",
];
/// Products a newcomer is recommended and scored on.
const SHOWN: usize = 3;

/// A seeded linear congruential generator: the same crowd on every run.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        ((self.0 >> 33) % n as u64) as usize
    }
}

async fn import(admin: &Visitor<'_>, ndjson: String) {
    let req = admin
        .request(Method::POST, "/api/admin/events/import")
        .header(CONTENT_TYPE, "application/x-ndjson")
        .body(ndjson);
    let reply = shop().send(req).await;
    assert_eq!(reply.data()["rejectedCount"], 0, "{}", reply.body);
}

fn view(session: &str, product: &str, minutes_ago: i64) -> String {
    let at = chrono::Utc::now() - chrono::TimeDelta::minutes(minutes_ago);
    let event = json!({"type": "behaviour.product_view", "sessionId": session,
                       "productId": product, "time": at.to_rfc3339()});
    format!("{event}\n")
}

/// How many of `shown`'s products are of `taste`.
fn of_taste(shown: &[(String, String)], taste: &[String]) -> usize {
    shown.iter().filter(|(p, _)| taste.contains(p)).count()
}

#[tokio::test]
async fn a_newcomer_is_recommended_their_taste_where_popularity_mixes_both() {
    let lookup = shop().visitor();
    let mut tastes = Vec::new();
    for slugs in [GADGETS, LIFESTYLE] {
        let mut ids = Vec::new();
        for slug in slugs {
            ids.push(product_id(&lookup, slug).await);
        }
        tastes.push(ids);
    }
    println!("gadgets {:?}, lifestyle {:?}", tastes[0], tastes[1]);
    let run = vici_testkit::new_id();
    let mut rng = Lcg(42);
    let mut crowd = Vec::new();
    let mut ndjson = String::new();
    for i in 0..40 {
        let taste = &tastes[i % 2];
        let session = format!("crowd-{i}-{run}");
        let mut viewed = HashSet::new();
        for step in 0..4 {
            let product = &taste[rng.below(taste.len())];
            ndjson += &view(&session, product, 60 - step);
            viewed.insert(product.clone());
        }
        crowd.push((session, viewed));
    }
    let admin = admin().await;
    import(&admin, ndjson).await;
    // The crowd's sessions land on different partitions: the newcomers come once every one is
    // learnt (a view is learnt before it shows in recently viewed), or their lists would be
    // drawn from whatever part of the crowd was learnt first.
    for (session, viewed) in &crowd {
        eventually("the crowd's views to be learnt", || async {
            let shown = session_shelf(session, "/api/products/recently-viewed").await;
            shown.iter().map(|(p, _)| p).collect::<HashSet<_>>() == viewed.iter().collect()
        })
        .await;
    }
    // Newcomers: two products of one taste, the first two of its list.
    let newcomers: Vec<(String, usize)> = (0..4)
        .map(|i| (format!("newcomer-{i}-{run}"), i % 2))
        .collect();
    let mut ndjson = String::new();
    for (session, taste) in &newcomers {
        ndjson += &view(session, &tastes[*taste][0], 2);
        ndjson += &view(session, &tastes[*taste][1], 1);
    }
    import(&admin, ndjson).await;

    let path = format!("/api/products/recommended?limit={SHOWN}");
    let mut personal = 0;
    let mut popular = 0;
    // A visitor without history sees the popular list.
    let wider = format!("/api/products/recommended?limit={}", SHOWN + 2);
    let everyone = shelf(&shop().visitor(), &wider).await;
    for (session, taste) in &newcomers {
        let (seen, rest) = tastes[*taste].split_at(2);
        let polls = std::sync::atomic::AtomicUsize::new(0);
        eventually("the newcomer's history to be learnt", || async {
            let shown = session_shelf(session, &path).await;
            // Every 10 s, what the shelf holds instead: the way to see why it never came.
            if polls.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % 50 == 49 {
                let viewed = session_shelf(session, "/api/products/recently-viewed").await;
                println!("{session}: shelf {shown:?}, recently viewed {viewed:?}");
                for product in seen {
                    let path = format!("/api/products/{product}/related?limit=10");
                    let related = session_shelf(session, &path).await;
                    println!("{session}: related to {product}: {related:?}");
                }
            }
            shown.iter().any(|(_, source)| source == "personalized")
        })
        .await;
        personal += of_taste(&session_shelf(session, &path).await, rest);
        // Popularity's list without the newcomer's two, as theirs is.
        let unseen: Vec<(String, String)> = everyone
            .iter()
            .filter(|(p, _)| !seen.contains(p))
            .take(SHOWN)
            .cloned()
            .collect();
        popular += of_taste(&unseen, rest);
    }
    let asked = newcomers.len() * SHOWN;
    println!("of their taste: personalised {personal}/{asked}, popular {popular}/{asked}");
    assert!(
        personal * 10 >= asked * 8,
        "personalised {personal}/{asked}"
    );
    assert!(
        personal > popular,
        "personalised {personal}, popular {popular}"
    );
}
