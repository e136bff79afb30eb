use super::*;
use crate::analytics::facts::ProductFact;

const DAY: i64 = 20_000;
const AT: i64 = DAY * DAY_MS + 3_600_000;

fn order(id: &str, status: &str, refunded: Option<i64>, at_ms: i64) -> Fact {
    Fact::Order(OrderFact {
        order_id: id.into(),
        order_number: format!("VS-{id}"),
        user_id: "u1".into(),
        status: status.into(),
        total_cents: 2_600,
        refunded_cents: refunded,
        lines: vec![OrderLine {
            product_id: "mug".into(),
            name: "Mug".into(),
            quantity: 2,
            unit_cents: 1_000,
        }],
        at_ms,
    })
}

fn visit(visitor: &str, step: Step) -> Fact {
    Fact::Visit(VisitFact {
        visitor: visitor.into(),
        at_ms: AT,
        step,
    })
}

fn run(known: &mut Known, facts: Vec<Fact>) -> Tally {
    let mut tally = Tally::default();
    for f in facts {
        tally.apply(known, f);
    }
    tally
}

#[test]
fn a_confirmed_order_counts_on_the_day_it_was_placed() {
    let mut known = Known::default();
    known.categories.insert("mug".into(), "kitchen".into());
    let t = run(
        &mut known,
        vec![
            order("o1", "PENDING", None, AT),
            order("o1", "CONFIRMED", None, AT + 2 * DAY_MS),
        ],
    );
    assert_eq!(t.days[&DAY].revenue_cents, 2_600);
    assert_eq!(t.days[&DAY].orders, 1);
    let kitchen = t.category_days[&(DAY, "kitchen".to_string())];
    assert_eq!((kitchen.units, kitchen.revenue_cents), (2, 2_000));
    assert_eq!(t.customers["u1"].orders, 1);
    assert_eq!(t.counters[&status_counter("CONFIRMED")], 1);
    assert_eq!(t.counters[&status_counter("PENDING")], 0);
    assert_eq!(t.line_names["mug"], "Mug");
}

#[test]
fn a_cancellation_takes_back_exactly_what_was_counted() {
    let mut known = Known::default();
    known.categories.insert("mug".into(), "kitchen".into());
    let first = run(&mut known, vec![order("o1", "CONFIRMED", None, AT)]);
    // The product moved category since: the take-back still uses the counted lines.
    known.categories.insert("mug".into(), "garden".into());
    let second = run(&mut known, vec![order("o1", "CANCELLED", None, AT)]);
    assert_eq!(second.days[&DAY].revenue_cents, -2_600);
    assert_eq!(second.days[&DAY].orders, -1);
    assert_eq!(
        second.category_days[&(DAY, "kitchen".to_string())].revenue_cents,
        -2_000
    );
    assert!(
        !second
            .category_days
            .contains_key(&(DAY, "garden".to_string()))
    );
    assert_eq!(
        first.customers["u1"].orders + second.customers["u1"].orders,
        0
    );
}

#[test]
fn a_refund_lowers_revenue_but_the_order_still_counts() {
    let mut known = Known::default();
    let t = run(
        &mut known,
        vec![
            order("o1", "CONFIRMED", None, AT),
            order("o1", "DELIVERED", None, AT),
            order("o1", "REFUNDED", Some(2_600), AT + DAY_MS),
        ],
    );
    assert_eq!(t.days[&DAY].revenue_cents, 0);
    assert_eq!(t.days[&DAY].orders, 1);
    let mug = t.product_days[&(DAY, "mug".to_string())];
    assert_eq!(
        mug.units, 2,
        "units sold stay sold; refunds are order-level"
    );
    assert_eq!(t.counters[&status_counter("REFUNDED")], 1);
    assert_eq!(known.orders["o1"].refunded_cents, 2_600);
}

#[test]
fn an_order_never_confirmed_is_no_sale() {
    let mut known = Known::default();
    let t = run(
        &mut known,
        vec![
            order("o1", "PENDING", None, AT),
            order("o1", "CANCELLED", None, AT),
        ],
    );
    assert!(t.days.is_empty());
    assert!(t.customers.is_empty());
    assert_eq!(t.counters[&status_counter("CANCELLED")], 1);
}

#[test]
fn each_stage_counts_once_per_visitor_and_day() {
    let mut known = Known::default();
    known.visits.insert((DAY, "u1".into()), stage::SESSION);
    let view = || Step::ProductView {
        product: "mug".into(),
        list: None,
    };
    let t = run(
        &mut known,
        vec![
            visit("u1", view()),
            visit("u1", view()),
            visit("anon:s", Step::Other),
            visit("anon:s", Step::AddToCart),
        ],
    );
    let d = t.days[&DAY];
    assert_eq!(d.sessions, 1, "u1's session was counted before the batch");
    assert_eq!(d.product_views, 1);
    assert_eq!(d.add_to_carts, 1);
    assert_eq!(
        t.visits[&(DAY, "u1".to_string())],
        stage::SESSION | stage::PRODUCT_VIEW
    );
}

#[test]
fn a_purchase_after_a_click_is_credited_to_the_list() {
    let mut known = Known::default();
    let t = run(
        &mut known,
        vec![
            visit(
                "anon:s",
                Step::Impression {
                    list_type: "trending".into(),
                    request: "r1".into(),
                },
            ),
            visit(
                "anon:s",
                Step::Click {
                    product: "mug".into(),
                    list: Some("r1".into()),
                },
            ),
            visit(
                "u1",
                Step::Purchase {
                    product: "mug".into(),
                    cents: 2_000,
                    session: Some("anon:s".into()),
                },
            ),
            visit(
                "u1",
                Step::Purchase {
                    product: "lamp".into(),
                    cents: 5_000,
                    session: Some("anon:s".into()),
                },
            ),
        ],
    );
    let l = t.list_days[&(DAY, "trending".to_string())];
    assert_eq!((l.impressions, l.clicks, l.attributed_cents), (1, 1, 2_000));
}

#[test]
fn a_click_on_a_list_never_shown_counts_for_none() {
    let mut known = Known::default();
    let t = run(
        &mut known,
        vec![visit(
            "u1",
            Step::Click {
                product: "mug".into(),
                list: Some("unknown".into()),
            },
        )],
    );
    assert!(t.list_days.is_empty());
    assert!(t.clicks.is_empty());
}

#[test]
fn product_facts_merge_within_a_batch() {
    let mut known = Known::default();
    let t = run(
        &mut known,
        vec![
            Fact::Product(ProductFact {
                id: "p".into(),
                name: Some("Lamp".into()),
                category: Some("home".into()),
                active: Some(true),
            }),
            Fact::Product(ProductFact {
                id: "p".into(),
                name: None,
                category: None,
                active: Some(false),
            }),
        ],
    );
    let p = &t.products["p"];
    assert_eq!(
        (p.name.as_deref(), p.category.as_deref(), p.active),
        (Some("Lamp"), Some("home"), Some(false))
    );
    assert_eq!(known.categories["p"], "home");
}
