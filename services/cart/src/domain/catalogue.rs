//! What the cart knows about products: the catalogue's answer for a set of ids (a snapshot) and
//! the offer one line stands for — the product's own, or one of its variants.
use std::collections::{HashMap, HashSet};

/// Only this status may be put in a cart (the others are hidden, retired or editorially out).
pub const BUYABLE_STATUS: &str = "ACTIVE";

#[derive(Clone, Debug, PartialEq)]
pub struct Variant {
    pub id: String,
    pub name: String,
    pub sku: String,
    pub price_cents: i64,
    pub stock: i64,
}

/// A product as the catalogue shows it now, stock included.
#[derive(Clone, Debug, PartialEq)]
pub struct Product {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub sku: String,
    pub image: String,
    pub price_cents: i64,
    pub original_price_cents: Option<i64>,
    pub currency: String,
    pub stock: i64,
    pub status: String,
    pub variants: Vec<Variant>,
}

/// What one cart line sells: the product's own terms, or a variant's.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Offer {
    pub name: String,
    pub image: String,
    pub sku: String,
    pub slug: String,
    pub price_cents: i64,
    pub original_price_cents: Option<i64>,
    pub currency: String,
    pub stock: i64,
    pub buyable: bool,
}

/// How a (product, variant) pair resolves.
#[derive(Clone, Debug, PartialEq)]
pub enum Lookup<'a> {
    UnknownProduct,
    UnknownVariant,
    Found(Offer, &'a Product),
}

impl Product {
    /// The offer of the product itself (`variant_id` empty) or of one of its variants. A variant
    /// line is named "Product — Variant" and keeps the product's "was" price only while that is
    /// above the variant's price (a sale of the product is a sale of its variants).
    pub fn offer(&self, variant_id: &str) -> Option<Offer> {
        let base = Offer {
            name: self.name.clone(),
            image: self.image.clone(),
            sku: self.sku.clone(),
            slug: self.slug.clone(),
            price_cents: self.price_cents,
            original_price_cents: self.original_price_cents,
            currency: self.currency.clone(),
            stock: self.stock,
            buyable: self.status == BUYABLE_STATUS,
        };
        if variant_id.is_empty() {
            return Some(base);
        }
        let v = self.variants.iter().find(|v| v.id == variant_id)?;
        Some(Offer {
            name: format!("{} — {}", self.name, v.name),
            sku: v.sku.clone(),
            price_cents: v.price_cents,
            original_price_cents: self.original_price_cents.filter(|was| *was > v.price_cents),
            stock: v.stock,
            ..base
        })
    }
}

/// The catalogue's answer for the ids asked so far: which were asked (an asked id that is
/// missing is unknown to the catalogue) and the products found.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    asked: HashSet<String>,
    products: HashMap<String, Product>,
}

impl Snapshot {
    /// Records an answer to the question "these ids".
    pub fn record(&mut self, asked: impl IntoIterator<Item = String>, found: Vec<Product>) {
        self.asked.extend(asked);
        self.products
            .extend(found.into_iter().map(|p| (p.id.clone(), p)));
    }

    /// The ids among `ids` not asked yet, deduplicated, in first-seen order.
    pub fn missing<'a>(&self, ids: impl IntoIterator<Item = &'a str>) -> Vec<String> {
        let mut seen = HashSet::new();
        ids.into_iter()
            .filter(|id| !self.asked.contains(*id) && seen.insert(*id))
            .map(str::to_string)
            .collect()
    }

    pub fn lookup(&self, product_id: &str, variant_id: &str) -> Lookup<'_> {
        match self.products.get(product_id) {
            None => Lookup::UnknownProduct,
            Some(p) => match p.offer(variant_id) {
                None => Lookup::UnknownVariant,
                Some(offer) => Lookup::Found(offer, p),
            },
        }
    }

    /// The offer of a line, when the catalogue still has it.
    pub fn offer(&self, product_id: &str, variant_id: &str) -> Option<Offer> {
        match self.lookup(product_id, variant_id) {
            Lookup::Found(offer, _) => Some(offer),
            _ => None,
        }
    }
}

#[cfg(test)]
pub mod tests {
    use super::*;

    pub fn product(id: &str, price: i64, stock: i64) -> Product {
        Product {
            id: id.into(),
            name: format!("Product {id}"),
            slug: format!("product-{id}"),
            sku: format!("SKU-{id}"),
            image: format!("https://img/{id}.jpg"),
            price_cents: price,
            original_price_cents: None,
            currency: "USD".into(),
            stock,
            status: BUYABLE_STATUS.into(),
            variants: Vec::new(),
        }
    }

    #[test]
    fn variant_offers_use_the_variants_terms_and_a_combined_name() {
        let mut p = product("p", 12_999, 100);
        p.original_price_cents = Some(14_999);
        p.variants = vec![
            Variant {
                id: "v1".into(),
                name: "US 9".into(),
                sku: "SHOE-9".into(),
                price_cents: 12_999,
                stock: 3,
            },
            Variant {
                id: "v2".into(),
                name: "Gold".into(),
                sku: "SHOE-G".into(),
                price_cents: 19_999,
                stock: 1,
            },
        ];
        let v = p.offer("v1").unwrap();
        assert_eq!(v.name, "Product p — US 9");
        assert_eq!(
            (v.sku.as_str(), v.price_cents, v.stock),
            ("SHOE-9", 12_999, 3)
        );
        assert_eq!(v.original_price_cents, Some(14_999));
        assert_eq!(p.offer("v2").unwrap().original_price_cents, None);
        assert_eq!(p.offer("").unwrap().stock, 100);
        assert!(p.offer("v3").is_none());
    }

    #[test]
    fn a_snapshot_tells_unknown_from_not_asked() {
        let mut s = Snapshot::default();
        s.record(
            ["a".to_string(), "b".to_string()],
            vec![product("a", 100, 1)],
        );
        assert_eq!(s.missing(["a", "b", "c", "c"]), vec!["c".to_string()]);
        assert_eq!(s.lookup("b", ""), Lookup::UnknownProduct);
        assert_eq!(s.lookup("a", "x"), Lookup::UnknownVariant);
        assert!(s.offer("a", "").unwrap().buyable);
    }
}
