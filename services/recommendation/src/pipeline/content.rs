//! Similar items by what products are rather than by what shoppers did (cold start): the
//! words of a product's name and tags, and its category. A new product gets its similar items
//! from here at once; once shoppers' behaviour pairs it with others, those come first and the
//! content's fill the rest of the list.
use std::collections::{BTreeSet, HashMap, HashSet};

use super::model::best;

/// Counted on top of the words' Jaccard index when two products share their category.
const SAME_CATEGORY: f64 = 0.5;
/// Words shorter than this say little ("a", "of", sizes).
const SHORTEST_WORD: usize = 3;

/// The words of a product's `name` and `tags`, as the journal keeps them: lower case, each once,
/// sorted, space-separated.
pub fn words(name: &str, tags: &[&str]) -> String {
    let mut words: Vec<String> = name
        .split(|c: char| !c.is_alphanumeric())
        .chain(tags.iter().copied())
        .map(|w| w.trim().to_lowercase())
        .filter(|w| w.chars().count() >= SHORTEST_WORD)
        .collect();
    words.sort();
    words.dedup();
    words.join(" ")
}

/// What each product is, with the products filed under each word and each category, so a
/// product's likes are found among those sharing something with it, not the whole catalogue.
#[derive(Default)]
pub struct Content {
    products: HashMap<String, (String, HashSet<String>)>,
    by_word: HashMap<String, HashSet<String>>,
    by_category: HashMap<String, BTreeSet<String>>,
}

impl Content {
    /// Learns what `product` is: its `category` and its [`words`].
    pub fn describe(&mut self, product: &str, category: &str, words: &str) {
        self.forget(product);
        let words: HashSet<String> = words
            .split(' ')
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect();
        for word in &words {
            let filed = self.by_word.entry(word.clone()).or_default();
            filed.insert(product.to_string());
        }
        let filed = self.by_category.entry(category.to_string()).or_default();
        filed.insert(product.to_string());
        let entry = (category.to_string(), words);
        self.products.insert(product.to_string(), entry);
    }

    /// Takes `product` out of the indexes (before it is described anew).
    fn forget(&mut self, product: &str) {
        let Some((category, words)) = self.products.remove(product) else {
            return;
        };
        for word in words {
            if let Some(filed) = self.by_word.get_mut(&word) {
                filed.remove(product);
            }
        }
        if let Some(filed) = self.by_category.get_mut(&category) {
            filed.remove(product);
        }
    }

    pub fn knows(&self, product: &str) -> bool {
        self.products.contains_key(product)
    }

    /// The category `product` is filed under, when known.
    pub fn category_of(&self, product: &str) -> Option<&str> {
        self.products
            .get(product)
            .map(|(category, _)| category.as_str())
    }

    /// The `n` products most like `product`, scored below 1.5 (a Jaccard index of their words,
    /// plus half for the same category); none for a product it does not know.
    pub fn similar(&self, product: &str, n: usize) -> Vec<(String, f64)> {
        let Some((category, words)) = self.products.get(product) else {
            return Vec::new();
        };
        // Words shared with each product that has any.
        let mut shared: HashMap<&str, usize> = HashMap::new();
        for word in words {
            for other in self.by_word.get(word).into_iter().flatten() {
                *shared.entry(other.as_str()).or_default() += 1;
            }
        }
        shared.remove(product);
        let bonus = |other: &str| match self.products.get(other) {
            Some((theirs, _)) if theirs == category => SAME_CATEGORY,
            _ => 0.0,
        };
        let mut scored: Vec<(String, f64)> = shared
            .iter()
            .map(|(&other, &both)| {
                let theirs = self.products.get(other).map_or(0, |(_, w)| w.len());
                let jaccard = both as f64 / (words.len() + theirs - both) as f64;
                (other.to_string(), jaccard + bonus(other))
            })
            .collect();
        // The rest of the category scores the bonus alone: only the first `n` of them by the
        // store's tie order (descending id) can make the list.
        let same_category = self.by_category.get(category).into_iter().flatten().rev();
        scored.extend(
            same_category
                .filter(|other| *other != product && !shared.contains_key(other.as_str()))
                .take(n)
                .map(|other| (other.clone(), SAME_CATEGORY)),
        );
        best(scored.into_iter(), n)
    }
}

/// `behaviour`'s list, then `content`'s products it lacks, scored below its lowest: behaviour
/// leads once there is any, and the list stays full.
pub fn blend(
    behaviour: Vec<(String, f64)>,
    content: Vec<(String, f64)>,
    n: usize,
) -> Vec<(String, f64)> {
    let floor = behaviour
        .iter()
        .map(|(_, s)| *s)
        .fold(f64::INFINITY, f64::min);
    // Content scores are below 1.5: scaled into (0, floor) they keep their order.
    let scale = if floor.is_finite() {
        floor / 1.5 * 0.99
    } else {
        1.0
    };
    let have: HashSet<String> = behaviour.iter().map(|(p, _)| p.clone()).collect();
    let mut list = behaviour;
    list.extend(
        content
            .into_iter()
            .filter(|(p, _)| !have.contains(p))
            .map(|(p, s)| (p, s * scale)),
    );
    list.truncate(n);
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[(String, f64)]) -> Vec<&str> {
        list.iter().map(|(p, _)| p.as_str()).collect()
    }

    #[test]
    fn words_come_from_the_name_and_the_tags() {
        assert_eq!(
            words("Nike Air Max 90 (Men's)", &["Running", "shoes", "nike"]),
            "air max men nike running shoes"
        );
    }

    #[test]
    fn a_new_product_is_like_products_of_its_words_and_category() {
        let mut content = Content::default();
        content.describe(
            "boots",
            "shoes",
            &words("Trail running boots", &["running"]),
        );
        content.describe(
            "sneakers",
            "shoes",
            &words("Running sneakers", &["running"]),
        );
        content.describe("sandals", "shoes", &words("Beach sandals", &[]));
        content.describe("shorts", "clothing", &words("Running shorts", &["running"]));
        content.describe("kettle", "kitchen", &words("Kettle", &[]));
        let like = content.similar("sneakers", 10);
        assert_eq!(names(&like), ["boots", "sandals", "shorts"]);
        assert!(content.similar("unknown", 10).is_empty());
        assert!(content.knows("kettle") && !content.knows("unknown"));
        assert_eq!(content.category_of("kettle"), Some("kitchen"));
    }

    #[test]
    fn a_product_described_again_is_filed_anew() {
        let mut content = Content::default();
        content.describe("lamp", "home", &words("Desk lamp", &[]));
        content.describe("bulb", "home", &words("Lamp bulb", &[]));
        content.describe("bulb", "garden", &words("Seed bulb", &[]));
        content.describe("seeds", "garden", &words("Flower seed", &[]));
        assert!(content.similar("lamp", 10).is_empty(), "the bulb left home");
        assert_eq!(names(&content.similar("seeds", 10)), ["bulb"]);
    }

    #[test]
    fn behaviour_leads_and_content_fills() {
        let behaviour = vec![("a".to_string(), 0.3), ("b".to_string(), 0.2)];
        let content = vec![
            ("b".to_string(), 1.4),
            ("c".to_string(), 1.2),
            ("d".to_string(), 0.1),
        ];
        let list = blend(behaviour, content.clone(), 3);
        assert_eq!(names(&list), ["a", "b", "c"]);
        assert!(list[2].1 < 0.2);
        assert_eq!(names(&blend(Vec::new(), content, 10)), ["b", "c", "d"]);
    }
}
