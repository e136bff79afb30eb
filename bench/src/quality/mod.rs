//! `vici-bench recs`: recommendation quality on real data (issue 15), through vici's own API
//! only. A fresh `vici up` gets MovieLens-100K's films as its catalogue and its raters as
//! customers, imports the training ratings with the backfill route, waits for the pipeline,
//! then asks each rater's "Recommended for You"; the same split scores popularity and
//! full-history item-kNN, so every ratio comes from one run. Prints bench/lib.sh's metric
//! records. MovieLens is films, not shop data: a public yardstick, not a forecast of a shop.
pub mod baselines;
pub mod data;
pub mod drive;
pub mod score;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::json;
use vici_testkit::system::{Mode, OwnShop};

use baselines::{ItemKnn, Popularity};
use score::{Score, Summary};

/// The list length every protocol scores.
pub const K: usize = 10;
/// How long the pipeline may take to learn an import.
const LEARN_WITHIN: Duration = Duration::from_secs(1_200);

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Protocol {
    /// Each user's last rating held out, the rest replayed in time order.
    NextItem,
    /// The Microsoft Recommenders protocol: per-user random 75/25 split (seed 42).
    RandomSplit,
}

/// The scores of vici and of the baselines on one split.
pub struct Outcome {
    pub vici: Summary,
    pub popularity: Summary,
    pub item_knn: Summary,
    pub films: usize,
    pub trained_on: usize,
    pub learnt_in: Duration,
}

/// Evaluates vici on `protocol`, its personalised lists reading histories by `personalize_by`
/// (`recommendation.personalize_by`: recent or profile).
pub async fn evaluate(
    data_dir: &Path,
    protocol: Protocol,
    personalize_by: &str,
) -> anyhow::Result<Outcome> {
    let ml = data::load(data_dir)?;
    let split = match protocol {
        Protocol::NextItem => data::next_item(&ml),
        Protocol::RandomSplit => data::random_split(&ml, 0.75, 42),
    };
    // The ratings span seven months; the pipeline remembers a year of them.
    let settings = [
        ("VICI_RATE_LIMITS", "off"),
        ("VICI_RECOMMENDATION_MEMORY_DAYS", "365"),
        ("VICI_RECOMMENDATION_PERSONALIZE_BY", personalize_by),
    ];
    let own = OwnShop::boot(Mode::Embedded, &settings).await;
    let shop = drive::Shop::sign_in(&own.base).await?;
    let started = Instant::now();
    let products = shop.catalogue(&ml.films).await?;
    let mut users: Vec<u32> = split.held_out.keys().copied().collect();
    users.sort_unstable();
    let raters = shop.raters(&users).await?;
    eprintln!(
        "vici-bench recs: {} films and {} raters in {:?}",
        products.len(),
        raters.len(),
        started.elapsed()
    );
    let accepted = shop.import(&split.train, &products, &raters).await?;
    let learnt_in = shop.learnt(accepted, LEARN_WITHIN).await?;
    eprintln!("vici-bench recs: {accepted} ratings imported and learnt in {learnt_in:?}");
    let films: HashMap<String, u32> = products.iter().map(|(f, p)| (p.clone(), *f)).collect();
    let lists = shop.recommended(&raters, &films, K).await?;

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
        vici: vici.summary(catalogue),
        popularity: pop.summary(catalogue),
        item_knn: knn.summary(catalogue),
        films: catalogue,
        trained_on: split.train.len(),
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
    let rows = [
        ("vici", &outcome.vici),
        ("popularity", &outcome.popularity),
        ("item-kNN (full history)", &outcome.item_knn),
    ];
    for (who, s) in rows {
        match protocol {
            Protocol::NextItem => {
                metric(format!("{who}: HR@{K}"), "share", s.hit_rate);
                metric(format!("{who}: NDCG@{K}"), "share", s.ndcg);
            }
            Protocol::RandomSplit => {
                metric(format!("{who}: nDCG@{K}"), "share", s.ndcg);
                metric(format!("{who}: precision@{K}"), "share", s.precision);
            }
        }
        metric(
            format!("{who}: catalogue coverage@{K}"),
            "share",
            s.coverage,
        );
    }
    let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { 0.0 };
    let (v, p, k) = (&outcome.vici, &outcome.popularity, &outcome.item_knn);
    let (vs, ps, ks) = match protocol {
        Protocol::NextItem => (v.hit_rate, p.hit_rate, k.hit_rate),
        Protocol::RandomSplit => (v.ndcg, p.ndcg, k.ndcg),
    };
    let what = match protocol {
        Protocol::NextItem => "HR",
        Protocol::RandomSplit => "nDCG",
    };
    metric(
        format!("vici / popularity, {what}@{K}"),
        "ratio",
        ratio(vs, ps),
    );
    metric(
        format!("vici / item-kNN, {what}@{K}"),
        "ratio",
        ratio(vs, ks),
    );
    metric("users asked".into(), "users", v.users as f64);
    metric(
        "ratings imported".into(),
        "events",
        outcome.trained_on as f64,
    );
    metric("films".into(), "products", outcome.films as f64);
    metric(
        "import learnt in".into(),
        "s",
        outcome.learnt_in.as_secs_f64(),
    );
}
