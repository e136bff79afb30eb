//! `vici-bench recs`: recommendation quality on real data (issue 15), through vici's own API
//! only. A fresh `vici up` gets the data's items as its catalogue (admin API), its shoppers'
//! training purchases through the backfill import, and is asked for its shelves once the
//! pipeline has learnt them; the same split scores the baselines, so every ratio comes from one
//! run. MovieLens-100K for "Recommended for You" (its raters register and ask with their own
//! tokens), The Complete Journey for "Frequently Bought Together". Prints bench/lib.sh's
//! metric records. Neither is this shop's data: public yardsticks, not forecasts.
pub mod baselines;
pub mod baskets;
pub mod data;
pub mod drive;
pub mod score;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::json;
use vici_testkit::system::{Mode, OwnShop};

use baselines::{ItemKnn, Popularity};
use data::Listing;
use score::{Score, Summary};

/// The list length every protocol scores.
pub const K: usize = 10;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Protocol {
    /// MovieLens: each user's last rating held out, the rest replayed in time order.
    NextItem,
    /// MovieLens, the Microsoft Recommenders protocol: per-user random 75/25 split (seed 42).
    RandomSplit,
    /// The Complete Journey: each household's last basket, one product hidden.
    Baskets,
}

/// The scores of vici and of the baselines on one split.
pub struct Outcome {
    pub rows: Vec<(&'static str, Summary)>,
    pub items: usize,
    pub trained_on: usize,
    pub learnt_in: Duration,
}

/// A fresh shop with the catalogue of `listings`, signed in as its admin; the products' ids by
/// listing key.
async fn shop_of(
    listings: &[Listing],
    personalize_by: &str,
) -> anyhow::Result<(OwnShop, drive::Shop, HashMap<u32, String>)> {
    // MovieLens spans seven months, The Complete Journey a year: the pipeline remembers both.
    let settings = [
        ("VICI_RATE_LIMITS", "off"),
        ("VICI_RECOMMENDATION_MEMORY_DAYS", "400"),
        ("VICI_RECOMMENDATION_PERSONALIZE_BY", personalize_by),
    ];
    let own = OwnShop::boot(Mode::Embedded, &settings).await;
    let shop = drive::Shop::sign_in(&own.base).await?;
    let started = Instant::now();
    let products = shop.catalogue(listings).await?;
    eprintln!(
        "vici-bench recs: {} products in {:?}",
        products.len(),
        started.elapsed()
    );
    Ok((own, shop, products))
}

/// Evaluates vici on `protocol` (data in `data_dir`), its personalised lists reading histories
/// by `personalize_by` (`recommendation.personalize_by`: recent or profile).
pub async fn evaluate(
    data_dir: &Path,
    protocol: Protocol,
    personalize_by: &str,
) -> anyhow::Result<Outcome> {
    match protocol {
        Protocol::Baskets => bought_together(data_dir, personalize_by).await,
        _ => recommended(data_dir, protocol, personalize_by).await,
    }
}

async fn recommended(
    data_dir: &Path,
    protocol: Protocol,
    personalize_by: &str,
) -> anyhow::Result<Outcome> {
    let ml = data::load(data_dir)?;
    let split = match protocol {
        Protocol::NextItem => data::next_item(&ml),
        _ => data::random_split(&ml, 0.75, 42),
    };
    let listings: Vec<Listing> = ml.films.iter().map(data::Film::listing).collect();
    let (_own, shop, products) = shop_of(&listings, personalize_by).await?;
    let mut users: Vec<u32> = split.held_out.keys().copied().collect();
    users.sort_unstable();
    let raters = shop.raters(&users).await?;
    let train: Vec<data::Purchase> = split.train.iter().map(|i| i.purchase()).collect();
    let (accepted, learnt_in) = shop.import(&train, &products, Some(&raters)).await?;
    eprintln!("vici-bench recs: {accepted} ratings imported and learnt in {learnt_in:?}");
    let keys: HashMap<String, u32> = products.iter().map(|(k, p)| (p.clone(), *k)).collect();
    let lists = shop.recommended(&raters, &keys, K).await?;

    let seen = split.seen();
    let popularity = Popularity::fit(&split.train);
    let item_knn = ItemKnn::fit(&split.train);
    let (mut vici, mut pop, mut knn) = (Score::default(), Score::default(), Score::default());
    for user in &users {
        let held = &split.held_out[user];
        let seen: HashSet<u32> = seen.get(user).into_iter().flatten().copied().collect();
        vici.add(lists.get(user).map_or(&[][..], Vec::as_slice), held, K);
        pop.add(&popularity.top(&seen, K), held, K);
        knn.add(&item_knn.top(&seen, K), held, K);
    }
    let catalogue = ml.films.len();
    Ok(Outcome {
        rows: vec![
            ("vici", vici.summary(catalogue)),
            ("popularity", pop.summary(catalogue)),
            ("item-kNN (full history)", knn.summary(catalogue)),
        ],
        items: catalogue,
        trained_on: train.len(),
        learnt_in,
    })
}

async fn bought_together(data_dir: &Path, personalize_by: &str) -> anyhow::Result<Outcome> {
    let journey = baskets::load(data_dir)?;
    let split = baskets::split(&journey, 42);
    let (_own, shop, products) = shop_of(&journey.products, personalize_by).await?;
    let train: Vec<data::Purchase> = split
        .train
        .iter()
        .copied()
        .filter(|p| products.contains_key(&p.item))
        .collect();
    let (accepted, learnt_in) = shop.import(&train, &products, None).await?;
    eprintln!("vici-bench recs: {accepted} basket lines imported and learnt in {learnt_in:?}");
    let keys: HashMap<String, u32> = products.iter().map(|(k, p)| (p.clone(), *k)).collect();
    let mut asked: Vec<u32> = split.held.iter().flat_map(|h| h.visible.clone()).collect();
    asked.sort_unstable();
    asked.dedup();
    let lists = shop.bought_together(&asked, &products, &keys, K).await?;

    let most_bought = baskets::most_bought(&train, K * 10);
    let (mut vici, mut pop) = (Score::default(), Score::default());
    for held in &split.held {
        let theirs: Vec<Vec<u32>> = held
            .visible
            .iter()
            .filter_map(|p| lists.get(p).cloned())
            .collect();
        vici.add(
            &baskets::merge(&theirs, &held.visible, K),
            &[held.hidden],
            K,
        );
        let popular: Vec<u32> = most_bought
            .iter()
            .filter(|p| !held.visible.contains(p))
            .take(K)
            .copied()
            .collect();
        pop.add(&popular, &[held.hidden], K);
    }
    let catalogue = journey.products.len();
    Ok(Outcome {
        rows: vec![
            ("vici", vici.summary(catalogue)),
            ("popularity", pop.summary(catalogue)),
        ],
        items: catalogue,
        trained_on: train.len(),
        learnt_in,
    })
}

/// The outcome as bench/lib.sh's metric records of `section`.
pub fn print(outcome: &Outcome, protocol: Protocol, section: &str) {
    let metric = |name: String, unit: &str, value: f64| {
        let line = json!({"kind": "metric", "section": section, "name": name, "unit": unit,
                          "value": (value * 10_000.0).round() / 10_000.0});
        println!("{line}");
    };
    let headline = |s: &Summary| match protocol {
        Protocol::RandomSplit => s.ndcg,
        _ => s.hit_rate,
    };
    let what = match protocol {
        Protocol::RandomSplit => "nDCG",
        _ => "HR",
    };
    for (who, s) in &outcome.rows {
        match protocol {
            Protocol::RandomSplit => {
                metric(format!("{who}: nDCG@{K}"), "share", s.ndcg);
                metric(format!("{who}: precision@{K}"), "share", s.precision);
            }
            _ => {
                metric(format!("{who}: HR@{K}"), "share", s.hit_rate);
                metric(format!("{who}: NDCG@{K}"), "share", s.ndcg);
            }
        }
        metric(
            format!("{who}: catalogue coverage@{K}"),
            "share",
            s.coverage,
        );
    }
    let (_, vici) = &outcome.rows[0];
    for (who, s) in &outcome.rows[1..] {
        let ratio = if headline(s) > 0.0 {
            headline(vici) / headline(s)
        } else {
            0.0
        };
        metric(format!("vici / {who}, {what}@{K}"), "ratio", ratio);
    }
    metric("cases asked".into(), "cases", vici.users as f64);
    metric(
        "purchases imported".into(),
        "events",
        outcome.trained_on as f64,
    );
    metric("products".into(), "products", outcome.items as f64);
    metric(
        "import learnt in".into(),
        "s",
        outcome.learnt_in.as_secs_f64(),
    );
}
