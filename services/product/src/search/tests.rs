//! The search index's own tests: ranking helpers, refreshes that overlap, timing.
use super::*;

/// The synthetic catalogue as stored products (category slugs stand in for their names).
fn products(n: usize) -> Vec<Product> {
    let catalog = vici_catalog::Catalog::synthetic(n);
    catalog
        .products
        .iter()
        .map(|p| Product {
            id: p.id().to_string(),
            name: p.name.clone(),
            slug: p.slug.clone(),
            description: p.description.clone(),
            long_description: p.long_description.clone(),
            price_cents: p.price_cents,
            original_price_cents: p.original_price_cents,
            currency: catalog.currency.clone(),
            category_id: vici_catalog::category_id(&p.category).to_string(),
            category_name: p.category.replace('-', " "),
            category_slug: p.category.clone(),
            images: p.images.clone(),
            rating: p.rating,
            review_count: p.review_count,
            specifications: "{}".into(),
            tags: p.tags.clone(),
            is_new: p.is_new,
            is_featured: p.is_featured,
            is_on_sale: p.is_on_sale,
            sku: p.sku.clone(),
            status: Status::parse(&p.status).unwrap_or_default(),
            variants: Vec::new(),
            created_at: p.created_at.timestamp_millis(),
            updated_at: p.created_at.timestamp_millis(),
        })
        .collect()
}

/// In-process timing of the index on a large catalogue (`VICI_BENCH_PRODUCTS`, default
/// 100 000): `cargo test -p vici-product --release -- --ignored --nocapture search_latency`.
/// Printed, never asserted; performance proper lives in `bench/`.
#[test]
#[ignore]
fn search_latency() {
    let n = std::env::var("VICI_BENCH_PRODUCTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let all = products(n);
    let index = SearchIndex::new().unwrap();
    let started = std::time::Instant::now();
    for chunk in all.chunks(5_000) {
        index.upsert(chunk).unwrap();
    }
    println!("indexed {n} products in {:?}", started.elapsed());
    let filter = Filter::active();
    let scope = Scope::default();
    let queries = [
        "speaker",
        "wireless headphones",
        "acme pro",
        "camra",
        "vint",
        "northwind jacket",
        "kettle",
        "model",
    ];
    let mut times = Vec::new();
    for round in 0..10 {
        for q in queries {
            let sort = if round % 2 == 0 {
                Sort::Relevance
            } else {
                Sort::PriceAsc
            };
            let t = std::time::Instant::now();
            let hits = index
                .search(
                    &SearchParams {
                        text: q,
                        filter: &filter,
                        scope: &scope,
                        sort,
                        page: Page::new(1, 20),
                    },
                    true,
                )
                .unwrap()
                .unwrap();
            times.push((t.elapsed(), q, hits.total));
        }
    }
    times.sort();
    let at = |p: f64| times[((times.len() - 1) as f64 * p) as usize];
    println!(
        "search p50 {:?} p99 {:?} max {:?}",
        at(0.5),
        at(0.99),
        times.last().unwrap()
    );
}

#[test]
fn top_returns_the_smallest_in_order() {
    let mut v = vec![5, 1, 4, 2, 3];
    assert_eq!(top(&mut v, 3, |a, b| a.cmp(b)), [1, 2, 3]);
    let mut v = vec![2, 1];
    assert_eq!(top(&mut v, 5, |a, b| a.cmp(b)), [1, 2]);
    assert!(top(&mut v, 0, |a: &i32, b| a.cmp(b)).is_empty());
}

/// Two refreshes of one product overlap: the first read an older copy and is slow to finish.
/// Its read holds the turn, so the second cannot read until the first has indexed, and the
/// copy read last is the one searched.
#[tokio::test(flavor = "current_thread")]
async fn a_refresh_that_read_earlier_never_lands_last() {
    let index = Arc::new(SearchIndex::new().unwrap());
    let mut older = products(1).remove(0);
    let mut newer = older.clone();
    older.name = "Stale Kettle".into();
    newer.name = "Fresh Kettle".into();
    let (reading, read_started) = tokio::sync::oneshot::channel();
    let (release, released) = tokio::sync::oneshot::channel::<()>();
    let first = tokio::spawn({
        let index = index.clone();
        async move {
            let read = async move {
                reading.send(()).unwrap();
                released.await.unwrap();
                Ok(vec![older])
            };
            index.refresh(read).await.unwrap();
        }
    });
    read_started.await.unwrap();
    let second_read = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let second = tokio::spawn({
        let (index, second_read) = (index.clone(), second_read.clone());
        async move {
            let read = async move {
                second_read.store(true, std::sync::atomic::Ordering::SeqCst);
                Ok(vec![newer])
            };
            index.refresh(read).await.unwrap();
        }
    });
    // One thread: every yield lets the second refresh run as far as it can.
    for _ in 0..100 {
        tokio::task::yield_now().await;
    }
    let early = second_read.load(std::sync::atomic::Ordering::SeqCst);
    assert!(
        !early,
        "the second read waits for the first refresh to index"
    );
    release.send(()).unwrap();
    first.await.unwrap();
    second.await.unwrap();
    let found = |text: &'static str| {
        let filter = Filter::active();
        let params = SearchParams {
            text,
            filter: &filter,
            scope: &Scope::default(),
            sort: Sort::Relevance,
            page: Page::new(1, 20),
        };
        index.search(&params, true).unwrap().unwrap().total
    };
    assert_eq!((found("fresh"), found("stale")), (1, 0));
}

#[test]
fn a_search_answers_without_searching_only_when_its_answer_is_kept() {
    let index = SearchIndex::new().unwrap();
    let mut catalogue = products(50);
    index.upsert(&catalogue).unwrap();
    let filter = Filter::active();
    let (any, in_stock) = (
        Scope::default(),
        Scope {
            stock: StockScope::Exclude(HashSet::new()),
            ..Scope::default()
        },
    );
    let words = catalogue[0].name.clone();
    let search = |scope: &Scope, may_search| {
        let params = SearchParams {
            text: &words,
            filter: &filter,
            scope,
            sort: Sort::Relevance,
            page: Page::new(1, 20),
        };
        index.search(&params, may_search).unwrap().map(|h| h.ids)
    };
    assert!(search(&any, false).is_none(), "nothing kept yet");
    let searched = search(&any, true).expect("searched");
    assert!(searched.contains(&catalogue[0].id));
    assert_eq!(search(&any, false), Some(searched), "kept");
    assert!(
        search(&in_stock, false).is_none(),
        "in-stock answers are never kept"
    );
    catalogue[0].name = "Renamed".into();
    index.upsert(&catalogue[..1]).unwrap();
    assert!(
        search(&any, false).is_none(),
        "a catalogue write drops what was kept"
    );
}
