//! The model on small, planted behaviour whose right answers are known.
use super::*;

const DAY_MS: i64 = 24 * 3600 * 1000;
const T0: i64 = 1_796_551_200_000;

fn signal(shopper: &str, product: &str, kind: Kind, weight: f64, at_ms: i64) -> Signal {
    Signal {
        user: Some(shopper.to_string()),
        session: format!("s-{shopper}"),
        product: product.to_string(),
        weight,
        at_ms,
        kind,
        order: None,
    }
}

fn view(shopper: &str, product: &str, at_ms: i64) -> Signal {
    signal(shopper, product, Kind::View, 1.0, at_ms)
}

fn ids(list: &[(String, f64)]) -> Vec<&str> {
    list.iter().map(|(p, _)| p.as_str()).collect()
}

#[test]
fn trending_decays_with_time_and_popular_does_not() {
    let mut model = Model::default();
    for i in 0..10 {
        model.learn(&view(&format!("old{i}"), "yesterday", T0));
    }
    for i in 0..6 {
        model.learn(&view(&format!("new{i}"), "today", T0 + DAY_MS));
    }
    // A day on, yesterday's ten views count as five: today's six lead.
    assert_eq!(ids(&model.trending(5)), ["today", "yesterday"]);
    assert_eq!(ids(&model.popular(5)), ["yesterday", "today"]);
    // A cart removal lowers nothing below zero and is no activity.
    model.take_changes();
    model.learn(&signal("x", "today", Kind::CartRemove, -1.0, T0 + DAY_MS));
    assert!(!model.take_changes().activity);
}

#[test]
fn trending_stays_finite_and_ordered_years_after_its_first_signal() {
    let mut model = Model::default();
    model.learn(&view("a", "first", T0));
    let later = T0 + 2_000 * DAY_MS;
    for i in 0..3 {
        model.learn(&view(&format!("b{i}"), "steady", later));
    }
    model.learn(&view("c", "single", later + DAY_MS));
    let trending = model.trending(5);
    assert!(trending.iter().all(|(_, s)| s.is_finite()), "{trending:?}");
    // Three views a day earlier still outweigh one (3/2 > 1); the first is long forgotten.
    assert_eq!(ids(&trending), ["steady", "single", "first"]);
    assert!(model.take_changes().active.contains("first"));
}

#[test]
fn similar_items_are_those_seen_together_and_never_the_item_itself() {
    let mut model = Model::default();
    for (shopper, products) in [
        ("a", ["lamp", "bulb"]),
        ("b", ["lamp", "bulb"]),
        ("c", ["lamp", "desk"]),
    ] {
        for (i, p) in products.iter().enumerate() {
            model.learn(&view(shopper, p, T0 + i as i64));
        }
    }
    let similar = model.similar("lamp", 10);
    assert_eq!(ids(&similar), ["bulb", "desk"]);
    assert!(similar[0].1 > similar[1].1);
    assert!(
        similar.iter().all(|(_, s)| *s > 0.0 && *s <= 1.0),
        "cosine: {similar:?}"
    );
    assert_eq!(ids(&model.similar("bulb", 10)), ["lamp"]);
    assert!(model.similar("unknown", 10).is_empty());
    // Viewing the same product again pairs nothing new.
    let before = model.similar("lamp", 10);
    model.learn(&view("a", "lamp", T0 + 10));
    assert_eq!(model.similar("lamp", 10), before);
}

#[test]
fn a_shopper_gets_the_taste_they_showed_minus_what_they_saw_or_bought() {
    let mut model = Model::default();
    let books: Vec<String> = (0..5).map(|i| format!("book{i}")).collect();
    let tools: Vec<String> = (0..5).map(|i| format!("tool{i}")).collect();
    // Planted clusters: readers browse books, makers browse tools.
    for shopper in 0..20 {
        let (name, cluster) = if shopper % 2 == 0 {
            ("reader", &books)
        } else {
            ("maker", &tools)
        };
        for k in 0..3 {
            let product = &cluster[(shopper + k) % cluster.len()];
            model.learn(&view(&format!("{name}{shopper}"), product, T0 + k as i64));
        }
    }
    model.learn(&view("newcomer", "book0", T0 + 100));
    model.learn(&signal("newcomer", "book1", Kind::Purchase, 5.0, T0 + 101));
    let mine = model.personalized("newcomer", 10);
    assert!(!mine.is_empty());
    assert!(mine.iter().all(|(p, _)| p.starts_with("book")), "{mine:?}");
    assert!(
        !ids(&mine).contains(&"book0") && !ids(&mine).contains(&"book1"),
        "seen or bought"
    );
    assert!(model.personalized("stranger", 10).is_empty());
}

#[test]
fn the_newest_interest_counts_most() {
    let mut model = Model::default();
    for i in 0..10 {
        let shopper = format!("s{i}");
        model.learn(&view(&shopper, "tent", T0));
        model.learn(&view(&shopper, "stove", T0 + 1));
        model.learn(&view(&format!("t{i}"), "pen", T0));
        model.learn(&view(&format!("t{i}"), "ink", T0 + 1));
    }
    model.learn(&view("me", "pen", T0 + 10));
    model.learn(&view("me", "tent", T0 + 20));
    assert_eq!(
        ids(&model.personalized("me", 2)),
        ["stove", "ink"],
        "the tent came last"
    );
}

#[test]
fn changes_name_what_to_write_again() {
    let mut model = Model::default();
    model.learn(&view("a", "p1", T0));
    model.learn(&view("a", "p2", T0 + 1));
    let changes = model.take_changes();
    assert!(changes.activity);
    assert_eq!(
        changes.items,
        ["p1", "p2"].map(String::from).into_iter().collect()
    );
    assert_eq!(
        changes.shoppers,
        ["a"].map(String::from).into_iter().collect()
    );
    assert_eq!(model.take_changes(), Changes::default(), "taken once");
    // Changes given back (their writing failed) come again with the newer ones.
    model.keep_changes(changes);
    model.learn(&view("b", "p3", T0 + 2));
    let again = model.take_changes();
    assert!(again.activity);
    assert_eq!(
        again.items,
        ["p1", "p2", "p3"].map(String::from).into_iter().collect()
    );
    assert_eq!(
        again.shoppers,
        ["a", "b"].map(String::from).into_iter().collect()
    );
    let mut anon = signal("x", "p1", Kind::View, 1.0, T0);
    anon.user = None;
    model.learn(&anon);
    assert!(model.take_changes().shoppers.contains("anon:s-x"));
}

#[test]
fn an_item_keeps_its_strongest_neighbours_only() {
    let mut model = Model::default();
    // "hub" is seen with one strong partner by many shoppers and with many once each.
    for i in 0..5 {
        model.learn(&view(&format!("fan{i}"), "hub", T0));
        model.learn(&view(&format!("fan{i}"), "partner", T0 + 1));
    }
    for i in 0..(super::super::taste::NEIGHBOURS * 2 + 10) {
        let shopper = format!("once{i}");
        model.learn(&view(&shopper, "hub", T0));
        model.learn(&view(&shopper, &format!("rare{i}"), T0 + 1));
    }
    let neighbours = model.taste.neighbour_count("hub");
    let bound = super::super::taste::NEIGHBOURS * 2;
    assert!(neighbours > 0 && neighbours <= bound, "{neighbours}");
    assert_eq!(model.similar("hub", 1)[0].0, "partner");
}

#[test]
fn a_sign_in_makes_the_sessions_history_the_users() {
    let mut model = Model::default();
    for shopper in ["a", "b"] {
        model.learn(&view(shopper, "lamp", T0));
        model.learn(&view(shopper, "bulb", T0 + 1));
    }
    let mut anonymous = view("x", "lamp", T0 + 2);
    anonymous.user = None;
    anonymous.session = "visit-1".into();
    model.learn(&anonymous);
    model.take_changes();
    model.identify("visit-1", "me");
    assert_eq!(ids(&model.personalized("me", 5)), ["bulb"]);
    assert!(model.personalized("anon:visit-1", 5).is_empty());
    let changes = model.take_changes();
    assert!(changes.shoppers.contains("me") && !changes.shoppers.contains("anon:visit-1"));
    // A session without history changes nothing.
    model.identify("visit-2", "me");
    assert_eq!(model.take_changes(), Changes::default());
}

#[test]
fn purchases_fill_bought_together_and_buy_again_and_leave_personalised_lists() {
    let mut model = Model::default();
    let bought = |shopper: &str, order: &str, product: &str| {
        let mut line = signal(shopper, product, Kind::Purchase, 5.0, T0);
        line.order = Some(order.into());
        line
    };
    model.learn(&bought("a", "o1", "pasta"));
    model.learn(&bought("a", "o1", "sauce"));
    model.learn(&bought("a", "o2", "pasta"));
    let changes = model.take_changes();
    assert_eq!(
        changes.baskets,
        ["pasta", "sauce"].map(String::from).into_iter().collect()
    );
    assert_eq!(
        changes.buyers,
        ["a"].map(String::from).into_iter().collect()
    );
    assert_eq!(ids(&model.bought_together("pasta", 5)), ["sauce"]);
    assert_eq!(ids(&model.buy_again("a", 5)), ["pasta"]);
}
