//! Plain listings from memory agree with the filter and sort rules applied by brute force, and
//! follow every write at once.
use super::*;
use crate::domain::Facts;

fn facts(i: usize) -> Facts {
    Facts {
        id: format!("p{i:03}"),
        slug: format!("product-{i}"),
        // Repeated names, so ties fall to the id.
        name: format!("Product {}", i % 7),
        category_id: format!("c{}", i % 3),
        price_cents: 1_000 + (i as i64 * 37) % 500,
        rating: (i % 5) as f64,
        status: if i % 10 == 9 {
            Status::Draft
        } else {
            Status::Active
        },
        is_featured: i.is_multiple_of(4),
        created_at: i as i64,
        tags: vec![format!("t{}", i % 2)],
        ..Facts::default()
    }
}

fn table(n: usize) -> Table {
    let mut t = Table::default();
    for i in 0..n {
        t.put(facts(i));
    }
    t
}

/// The ids of the whole list by brute force: every product filtered, then sorted.
fn expected(t: &Table, filter: &Filter, scope: &Scope, sort: Sort) -> Vec<String> {
    let mut all: Vec<&Facts> = t.iter().filter(|f| filter.admits(scope, f)).collect();
    all.sort_by(|a, b| sort.without_query().compare((a, 0.0), (b, 0.0)));
    all.into_iter().map(|f| f.id.clone()).collect()
}

fn listed(
    l: &Listings,
    t: &Table,
    filter: &Filter,
    scope: &Scope,
    sort: Sort,
    page: Page,
) -> (Vec<String>, usize) {
    let (slots, total) = l.page(t, filter, scope, sort, page, true).unwrap();
    let ids = slots
        .iter()
        .map(|&s| t.get(s).unwrap().id.clone())
        .collect();
    (ids, total)
}

#[test]
fn pages_agree_with_the_filter_and_sort_applied_by_brute_force() {
    let t = table(60);
    let listings = Listings::default();
    let cats = Scope {
        categories: Some(["c1".to_string(), "c2".to_string()].into()),
        stock: StockScope::Any,
    };
    let cheap = Filter {
        max_price_cents: Some(1_300),
        ..Filter::active()
    };
    let tagged = Filter {
        tags: vec!["t1".into()],
        statuses: Status::ALL.to_vec(),
        ..Filter::default()
    };
    let cases = [
        (Filter::active(), Scope::default()),
        (Filter::active(), cats.clone()),
        (cheap, Scope::default()),
        (tagged, cats),
    ];
    for (filter, scope) in &cases {
        for sort in [
            Sort::Featured,
            Sort::PriceAsc,
            Sort::PriceDesc,
            Sort::Rating,
            Sort::Newest,
            Sort::Name,
            Sort::Relevance,
        ] {
            let whole = expected(&t, filter, scope, sort);
            assert!(!whole.is_empty());
            for page in 1..=4 {
                let (ids, total) = listed(&listings, &t, filter, scope, sort, Page::new(page, 7));
                let window = Page::new(page, 7).window(whole.len());
                assert_eq!(total, whole.len(), "{sort:?} {filter:?}");
                assert_eq!(ids, whole[window], "{sort:?} page {page} {filter:?}");
            }
        }
    }
}

#[test]
fn a_write_is_listed_at_once_and_the_stock_filter_applies_to_the_kept_list() {
    let mut t = table(30);
    let listings = Listings::default();
    let all = Scope::default();
    let first = |l: &Listings, t: &Table| {
        listed(
            l,
            t,
            &Filter::active(),
            &all,
            Sort::PriceAsc,
            Page::new(1, 1),
        )
        .0
    };
    assert_ne!(first(&listings, &t), ["p005"]);
    t.put(Facts {
        price_cents: 1,
        ..facts(5)
    });
    assert_eq!(
        first(&listings, &t),
        ["p005"],
        "the cheapest now, on the next read"
    );

    let before = listed(
        &listings,
        &t,
        &Filter::active(),
        &all,
        Sort::PriceAsc,
        Page::new(1, 100),
    );
    let sold_out = Scope {
        categories: None,
        stock: StockScope::Exclude(["p005".to_string(), "p001".to_string()].into()),
    };
    let (ids, total) = listed(
        &listings,
        &t,
        &Filter::active(),
        &sold_out,
        Sort::PriceAsc,
        Page::new(1, 100),
    );
    assert_eq!(total, before.1 - 2);
    let expected: Vec<String> = before
        .0
        .into_iter()
        .filter(|id| id != "p005" && id != "p001")
        .collect();
    assert_eq!(ids, expected);
    let only = Scope {
        categories: None,
        stock: StockScope::Only(["p005".to_string()].into()),
    };
    assert_eq!(
        listed(
            &listings,
            &t,
            &Filter::active(),
            &only,
            Sort::PriceAsc,
            Page::new(1, 5)
        ),
        (vec!["p005".to_string()], 1)
    );
}

#[test]
fn a_list_not_kept_is_built_only_when_allowed() {
    let t = table(10);
    let listings = Listings::default();
    let page = Page::new(1, 5);
    let scope = Scope::default();
    assert!(
        listings
            .page(&t, &Filter::active(), &scope, Sort::Name, page, false)
            .is_none()
    );
    assert!(
        listings
            .page(&t, &Filter::active(), &scope, Sort::Name, page, true)
            .is_some()
    );
    assert!(
        listings
            .page(&t, &Filter::active(), &scope, Sort::Name, page, false)
            .is_some(),
        "kept now"
    );
    assert!(
        listings
            .page(&t, &Filter::active(), &scope, Sort::Rating, page, false)
            .is_none(),
        "another shape"
    );
}

#[test]
fn price_ranges_and_counts_read_active_products_only() {
    let t = table(20);
    let active: Vec<&Facts> = t.iter().filter(|f| f.status == Status::Active).collect();
    let prices: Vec<i64> = active.iter().map(|f| f.price_cents).collect();
    let mean = (prices.iter().sum::<i64>() as f64 / prices.len() as f64).round() as i64;
    assert_eq!(
        price_range(&t, None),
        (
            *prices.iter().min().unwrap(),
            *prices.iter().max().unwrap(),
            mean,
            prices.len() as u64
        )
    );
    let c0: HashSet<String> = ["c0".to_string()].into();
    assert_eq!(
        price_range(&t, Some(&c0)).3,
        active.iter().filter(|f| f.category_id == "c0").count() as u64
    );
    assert_eq!(price_range(&t, Some(&HashSet::new())), (0, 0, 0, 0));
    let counts = active_counts(&t);
    assert_eq!(counts.values().sum::<u64>(), active.len() as u64);
    assert_eq!(
        counts["c1"],
        active.iter().filter(|f| f.category_id == "c1").count() as u64
    );
}
