//! What orders say (recommendations.md §7): products bought together (two products count
//! together once per order holding both, scored by cosine over the orders holding each) and a
//! shopper's own repeated purchases (buy again: products bought in at least two orders, the
//! most often bought first).
use std::collections::{HashMap, HashSet, VecDeque};

use super::model::best;

/// Orders whose lines are kept to pair a late line with: an order's lines arrive together,
/// so a short memory suffices.
const OPEN_ORDERS: usize = 10_000;
/// Partners a product keeps counts for, as for similar items.
const PARTNERS: usize = 400;

#[derive(Default)]
pub struct Baskets {
    /// The products of the newest orders, by order id; `order_queue` holds their age.
    orders: HashMap<String, Vec<String>>,
    order_queue: VecDeque<String>,
    /// How many orders held each product.
    orders_holding: HashMap<String, f64>,
    together: HashMap<String, HashMap<String, f64>>,
    /// Per shopper, per product: the orders it was bought in.
    bought: HashMap<String, HashMap<String, HashSet<String>>>,
}

/// What one purchase changed.
#[derive(Debug, Default, PartialEq)]
pub struct Bought {
    /// Products whose bought-together list may differ.
    pub pairs: Vec<String>,
    /// The shopper's buy-again list may differ.
    pub again: bool,
}

impl Baskets {
    /// Learns that `shopper` bought `product` in `order` (a purchase without an order counts
    /// as an order of its own).
    pub fn bought(
        &mut self,
        shopper: &str,
        order: Option<&str>,
        product: &str,
        at_ms: i64,
    ) -> Bought {
        let order = order.map_or_else(|| format!("{shopper}:{at_ms}:{product}"), str::to_string);
        let orders = self
            .bought
            .entry(shopper.to_string())
            .or_default()
            .entry(product.to_string())
            .or_default();
        let again = orders.insert(order.clone()) && orders.len() >= 2;
        let mut changed = Bought {
            pairs: Vec::new(),
            again,
        };
        if !self.orders.contains_key(&order) {
            self.order_queue.push_back(order.clone());
            if self.order_queue.len() > OPEN_ORDERS
                && let Some(oldest) = self.order_queue.pop_front()
            {
                self.orders.remove(&oldest);
            }
        }
        let lines = self.orders.entry(order).or_default();
        if lines.iter().any(|p| p == product) {
            return changed; // Another line of the same product (a variant): one pairing.
        }
        let partners = lines.clone();
        lines.push(product.to_string());
        *self.orders_holding.entry(product.to_string()).or_default() += 1.0;
        for partner in &partners {
            self.pair(product, partner);
            self.pair(partner, product);
        }
        if !partners.is_empty() {
            changed.pairs = partners;
            changed.pairs.push(product.to_string());
        }
        changed
    }

    fn pair(&mut self, from: &str, to: &str) {
        let partners = self.together.entry(from.to_string()).or_default();
        *partners.entry(to.to_string()).or_default() += 1.0;
        if partners.len() > PARTNERS * 2 {
            let strongest = best(partners.drain(), PARTNERS);
            partners.extend(strongest);
        }
    }

    /// The `n` products most often in the same orders as `product`, by cosine.
    pub fn together(&self, product: &str, n: usize) -> Vec<(String, f64)> {
        let Some(partners) = self.together.get(product) else {
            return Vec::new();
        };
        let holding = |p: &str| self.orders_holding.get(p).copied().unwrap_or(1.0);
        let own = holding(product);
        let scored = partners
            .iter()
            .map(|(other, both)| (other.clone(), both / (own * holding(other)).sqrt()));
        best(scored, n)
    }

    /// `shopper`'s products bought in two orders or more, the most often bought first.
    pub fn buy_again(&self, shopper: &str, n: usize) -> Vec<(String, f64)> {
        let Some(products) = self.bought.get(shopper) else {
            return Vec::new();
        };
        let repeated = products
            .iter()
            .filter(|(_, orders)| orders.len() >= 2)
            .map(|(product, orders)| (product.clone(), orders.len() as f64));
        best(repeated, n)
    }

    /// What `shopper` bought, at all.
    pub fn bought_by(&self, shopper: &str) -> Option<impl Iterator<Item = &String>> {
        self.bought.get(shopper).map(|products| products.keys())
    }

    /// Moves what `from` bought to `to` (a session that signed in); whether anything moved.
    pub fn merge(&mut self, from: &str, to: &str) -> bool {
        let Some(theirs) = self.bought.remove(from) else {
            return false;
        };
        let mine = self.bought.entry(to.to_string()).or_default();
        for (product, orders) in theirs {
            mine.entry(product).or_default().extend(orders);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[(String, f64)]) -> Vec<&str> {
        list.iter().map(|(p, _)| p.as_str()).collect()
    }

    #[test]
    fn products_in_the_same_orders_go_together() {
        let mut baskets = Baskets::default();
        for (order, lines) in [
            ("o1", &["pasta", "sauce", "cheese"][..]),
            ("o2", &["pasta", "sauce"]),
            ("o3", &["pasta", "wine"]),
            ("o4", &["wine"]),
        ] {
            for line in lines {
                baskets.bought("u", Some(order), line, 0);
            }
        }
        let with_pasta = baskets.together("pasta", 10);
        assert_eq!(names(&with_pasta), ["sauce", "cheese", "wine"]);
        assert!(with_pasta.iter().all(|(_, s)| *s > 0.0 && *s <= 1.0));
        assert_eq!(names(&baskets.together("cheese", 10)), ["sauce", "pasta"]);
        assert!(baskets.together("nothing", 10).is_empty());
        // A second line of one product in one order pairs nothing more.
        let again = baskets.bought("u", Some("o1"), "sauce", 0);
        assert_eq!(again, Bought::default());
    }

    #[test]
    fn buy_again_is_what_one_shopper_bought_in_two_orders() {
        let mut baskets = Baskets::default();
        let first = baskets.bought("u", Some("o1"), "coffee", 0);
        assert!(!first.again);
        baskets.bought("u", Some("o1"), "filter", 0);
        assert!(baskets.bought("u", Some("o2"), "coffee", 1).again);
        baskets.bought("u", Some("o3"), "coffee", 2);
        baskets.bought("u", Some("o3"), "filter", 2);
        baskets.bought("other", Some("o4"), "tea", 3);
        baskets.bought("other", Some("o5"), "tea", 4);
        let again = baskets.buy_again("u", 10);
        assert_eq!(
            again,
            [("coffee".to_string(), 3.0), ("filter".to_string(), 2.0)]
        );
        // A session's purchases follow it into the account it signed in to.
        assert!(baskets.merge("other", "u"));
        assert_eq!(
            names(&baskets.buy_again("u", 10)),
            ["coffee", "tea", "filter"]
        );
        assert!(baskets.buy_again("other", 10).is_empty());
    }
}
