//! A product's JSON, rendered once per version of the product and reused until it changes.
//!
//! Writing a product (a dozen strings to escape, its specifications parsed, dollar amounts
//! printed) was a quarter of an uncached listing's CPU (docs/performance.md). The
//! rendering is a pure function of the product message, so its result is kept with the message
//! it came from and reused only for a message equal in every field — stock, price, rating and
//! all: it cannot show a product older than the one the product service just answered with.
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use serde::{Serialize, Serializer};
use serde_json::value::RawValue;
use vici_proto::product::v1::Product;

use super::ProductDto;

/// The bytes of rendered products one generation of the memo holds before it becomes the old
/// one (and the old one is dropped): two generations hold at most twice this, counting each
/// product twice (its message holds about what its JSON does).
const GENERATION_BYTES: usize = 8 << 20;
/// A product rendered larger than this is rendered each time rather than kept.
const LARGEST_KEPT: usize = 64 << 10;

/// A product as [`ProductDto`] renders it, written into an answer as is.
#[derive(Clone)]
pub struct RenderedProduct(Arc<RawValue>);

impl Serialize for RenderedProduct {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

struct Rendering {
    of: Product,
    json: Arc<RawValue>,
}

impl Rendering {
    fn weight(&self) -> usize {
        2 * self.json.get().len()
    }
}

type Renderings = HashMap<String, Arc<Rendering>>;

/// Renderings by product id in two generations: when the young one is full it becomes the old
/// one, and a product read from the old one moves back, so the products being read survive and
/// a catalogue browsed end to end costs two generations' bytes at most.
struct Memo {
    generations: Mutex<Generations>,
    budget: usize,
}

#[derive(Default)]
struct Generations {
    young: Renderings,
    young_bytes: usize,
    old: Renderings,
}

/// One memo for the process: the key is the whole message, so gateways sharing a process (the
/// tests start several) can share it too.
static MEMO: LazyLock<Memo> = LazyLock::new(|| Memo::new(GENERATION_BYTES));

/// `product`'s JSON: the kept one when it was rendered from an equal message, else rendered now.
pub fn product(product: &Product) -> RenderedProduct {
    MEMO.render(product)
}

/// Each product's JSON, in order.
pub fn products(products: &[Product]) -> Vec<RenderedProduct> {
    products.iter().map(product).collect()
}

impl Memo {
    fn new(budget: usize) -> Self {
        Self {
            generations: Mutex::default(),
            budget,
        }
    }

    fn render(&self, product: &Product) -> RenderedProduct {
        let (kept, old) = {
            let generations = self.lock();
            match generations.young.get(&product.id) {
                Some(kept) => (Some(kept.clone()), false),
                None => (generations.old.get(&product.id).cloned(), true),
            }
        };
        if let Some(kept) = kept.filter(|kept| kept.of == *product) {
            let json = kept.json.clone();
            if old {
                self.keep(kept);
            }
            return RenderedProduct(json);
        }
        // A struct of strings, numbers and a JSON object always serialises.
        let json: Arc<RawValue> = serde_json::value::to_raw_value(&ProductDto::from(product))
            .expect("a product always renders as JSON")
            .into();
        if json.get().len() <= LARGEST_KEPT {
            self.keep(Arc::new(Rendering {
                of: product.clone(),
                json: json.clone(),
            }));
        }
        RenderedProduct(json)
    }

    /// Puts `rendering` in the young generation, aging it first when it is full.
    fn keep(&self, rendering: Arc<Rendering>) {
        let mut generations = self.lock();
        let dropped = (generations.young_bytes + rendering.weight() > self.budget).then(|| {
            let young = std::mem::take(&mut generations.young);
            generations.young_bytes = 0;
            std::mem::replace(&mut generations.old, young)
        });
        generations.young_bytes += rendering.weight();
        let id = rendering.of.id.clone();
        if let Some(replaced) = generations.young.insert(id, rendering) {
            generations.young_bytes -= replaced.weight();
        }
        drop(generations);
        // Thousands of products are freed outside the lock every render waits for.
        drop(dropped);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Generations> {
        self.generations
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(rendered: &RenderedProduct) -> serde_json::Value {
        serde_json::to_value(rendered).unwrap()
    }

    fn dto(product: &Product) -> serde_json::Value {
        serde_json::to_value(ProductDto::from(product)).unwrap()
    }

    #[test]
    fn a_product_renders_as_its_dto_and_again_after_any_change() {
        let memo = Memo::new(GENERATION_BYTES);
        let mut p = Product {
            id: "p1".into(),
            name: "Lamp".into(),
            price_cents: 1_999,
            stock: 3,
            specifications_json: r#"{"watts":"40"}"#.into(),
            ..Default::default()
        };
        let first = memo.render(&p);
        assert_eq!(json(&first), dto(&p));
        assert!(
            Arc::ptr_eq(&first.0, &memo.render(&p).0),
            "an equal product is not rendered again"
        );
        for change in [
            |p: &mut Product| p.stock = 0,
            |p: &mut Product| p.price_cents = 2_499,
            |p: &mut Product| p.review_count = 1,
            |p: &mut Product| p.category_name = "Lighting".into(),
        ] {
            change(&mut p);
            assert_eq!(json(&memo.render(&p)), dto(&p));
        }
        let last = json(&memo.render(&p));
        assert_eq!(
            (
                last["stock"].clone(),
                last["inStock"].clone(),
                last["price"].clone()
            ),
            (0.into(), false.into(), serde_json::json!(24.99))
        );
    }

    #[test]
    fn the_memo_stays_bounded_and_keeps_what_is_read() {
        let product = |i: usize| Product {
            id: format!("p{i}"),
            ..Default::default()
        };
        let weight = Memo::new(usize::MAX).render(&product(0)).0.get().len() * 2;
        let memo = Memo::new(weight * 4);
        let hot = memo.render(&product(0));
        for i in 1..40 {
            memo.render(&product(i));
            assert!(
                Arc::ptr_eq(&hot.0, &memo.render(&product(0)).0),
                "a product read all along is never rendered again"
            );
        }
        let generations = memo.lock();
        assert!(generations.young_bytes <= weight * 4);
        assert!(generations.young.len() + generations.old.len() <= 8);
    }

    #[test]
    fn a_list_writes_the_kept_json_as_is() {
        let p = Product {
            id: "p2".into(),
            name: "Desk \"oak\"".into(),
            ..Default::default()
        };
        let written = serde_json::to_string(&products(std::slice::from_ref(&p))).unwrap();
        let direct = serde_json::to_string(&[ProductDto::from(&p)]).unwrap();
        assert_eq!(written, direct, "the same bytes");
    }
}
