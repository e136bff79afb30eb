//! The search side's in-memory copy of what filters, sorts and facets read ([`Facts`]), one
//! slot per product, and the collector that turns a tantivy match into `(slot, score)` pairs.
//! Keeping the facts beside the index lets one pass over the matches filter, count facets and
//! rank without a SQL round trip; a slot number is the only thing stored in the index itself.
use std::collections::HashMap;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use crate::domain::Facts;

pub const SLOT_FIELD: &str = "slot";

/// Facts by slot. Products are never hard-deleted (deleting one makes it INACTIVE), so slots
/// are never freed; an update reuses its product's slot.
#[derive(Default)]
pub struct Table {
    slots: HashMap<String, u32>,
    facts: Vec<Facts>,
    /// Per slot, the number of its category in `categories`, so counting facets over a whole
    /// match set indexes an array instead of hashing category ids.
    category_of: Vec<u32>,
    categories: Vec<String>,
    category_numbers: HashMap<String, u32>,
    /// Slot by slug, so a product page finds its product without SQL.
    by_slug: HashMap<String, u32>,
    /// Bumped by every [`Table::put`]: lists derived from the table are valid for one version.
    version: u64,
}

impl Table {
    /// Stores `facts` and returns the product's slot (a new one the first time).
    pub fn put(&mut self, facts: Facts) -> u32 {
        let category = match self.category_numbers.get(&facts.category_id) {
            Some(&n) => n,
            None => {
                let n = self.categories.len() as u32;
                self.categories.push(facts.category_id.clone());
                self.category_numbers.insert(facts.category_id.clone(), n);
                n
            }
        };
        self.version += 1;
        if let Some(&slot) = self.slots.get(&facts.id) {
            let old_slug = &self.facts[slot as usize].slug;
            if *old_slug != facts.slug && self.by_slug.get(old_slug) == Some(&slot) {
                self.by_slug.remove(old_slug);
            }
            self.by_slug.insert(facts.slug.clone(), slot);
            self.facts[slot as usize] = facts;
            self.category_of[slot as usize] = category;
            return slot;
        }
        let slot = u32::try_from(self.facts.len()).expect("fewer than 4 billion products");
        self.slots.insert(facts.id.clone(), slot);
        self.by_slug.insert(facts.slug.clone(), slot);
        self.facts.push(facts);
        self.category_of.push(category);
        slot
    }

    /// Starts a new version without a change of facts (the full-text side changed).
    pub fn changed(&mut self) {
        self.version += 1;
    }

    /// Changes with every write: what was derived from one version holds until the next.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// The id of the product with `slug`.
    pub fn id_by_slug(&self, slug: &str) -> Option<&str> {
        let slot = *self.by_slug.get(slug)?;
        Some(&self.facts[slot as usize].id)
    }

    /// The category number of a slot (see [`Table::category_id`]).
    pub fn category_of(&self, slot: u32) -> usize {
        self.category_of[slot as usize] as usize
    }

    pub fn category_count(&self) -> usize {
        self.categories.len()
    }

    pub fn category_id(&self, number: usize) -> &str {
        &self.categories[number]
    }

    pub fn get(&self, slot: u32) -> Option<&Facts> {
        self.facts.get(slot as usize)
    }

    pub fn len(&self) -> usize {
        self.facts.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Facts> {
        self.facts.iter()
    }
}

/// Collects every match as `(slot, score)`; the caller filters and ranks them with the table.
pub struct ScoredSlots;

pub struct SegmentSlots {
    slots: Column<u64>,
    hits: Vec<(u32, Score)>,
}

impl Collector for ScoredSlots {
    type Fruit = Vec<(u32, Score)>;
    type Child = SegmentSlots;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentSlots> {
        Ok(SegmentSlots {
            slots: segment.fast_fields().u64(SLOT_FIELD)?,
            hits: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Vec<(u32, Score)>>) -> tantivy::Result<Self::Fruit> {
        Ok(fruits.into_iter().flatten().collect())
    }
}

impl SegmentCollector for SegmentSlots {
    type Fruit = Vec<(u32, Score)>;

    fn collect(&mut self, doc: DocId, score: Score) {
        if let Some(slot) = self.slots.first(doc) {
            self.hits.push((slot as u32, score));
        }
    }

    fn harvest(self) -> Self::Fruit {
        self.hits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn updates_reuse_their_slot() {
        let mut t = Table::default();
        let a = t.put(Facts {
            id: "a".into(),
            price_cents: 1,
            ..Facts::default()
        });
        let b = t.put(Facts {
            id: "b".into(),
            ..Facts::default()
        });
        assert_eq!(
            t.put(Facts {
                id: "a".into(),
                price_cents: 2,
                ..Facts::default()
            }),
            a
        );
        assert_ne!(a, b);
        assert_eq!(t.get(a).unwrap().price_cents, 2);
        assert_eq!(t.version(), 3, "every put is a new version");
        assert_eq!(
            t.category_id(t.category_of(a)),
            t.category_id(t.category_of(b)),
            "one shared (empty) category"
        );
        assert_eq!(t.category_count(), 1);
        assert_eq!(t.len(), 2);
    }

    #[test]
    fn a_renamed_slug_finds_its_product_and_the_old_one_nothing() {
        let mut t = Table::default();
        let facts = |id: &str, slug: &str| Facts {
            id: id.into(),
            slug: slug.into(),
            ..Facts::default()
        };
        t.put(facts("a", "lamp"));
        assert_eq!(t.id_by_slug("lamp"), Some("a"));
        t.put(facts("a", "desk-lamp"));
        assert_eq!(t.id_by_slug("desk-lamp"), Some("a"));
        assert_eq!(t.id_by_slug("lamp"), None);
        // Another product took the old slug before the first one's rename arrived.
        t.put(facts("b", "desk-lamp"));
        t.put(facts("a", "floor-lamp"));
        assert_eq!(t.id_by_slug("desk-lamp"), Some("b"));
        assert_eq!(t.id_by_slug("floor-lamp"), Some("a"));
    }
}
