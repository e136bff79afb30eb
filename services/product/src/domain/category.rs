//! The category tree: lookup by id or slug, descendants (a category filter includes them), the
//! nested view with product counts rolled up from the leaves, and the rules of editing it.
use std::collections::{HashMap, HashSet};

use vici_kit::{Error, Result};

#[derive(Clone, Debug, PartialEq)]
pub struct Category {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub description: String,
    pub image: String,
    pub icon: Option<String>,
    pub parent_id: Option<String>,
    pub sort_order: i32,
    pub is_active: bool,
}

/// A category with its ACTIVE product count (its own and its descendants') and its children.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub category: Category,
    pub product_count: u64,
    pub children: Vec<Node>,
}

/// The category whose id or slug is `key`.
pub fn find<'a>(all: &'a [Category], key: &str) -> Option<&'a Category> {
    let key = key.trim();
    all.iter()
        .find(|c| c.id == key)
        .or_else(|| all.iter().find(|c| c.slug == key))
}

/// `root_id` and every category below it.
pub fn subtree(all: &[Category], root_id: &str) -> HashSet<String> {
    let mut out = HashSet::from([root_id.to_string()]);
    let mut frontier = vec![root_id.to_string()];
    while let Some(id) = frontier.pop() {
        for child in all
            .iter()
            .filter(|c| c.parent_id.as_deref() == Some(id.as_str()))
        {
            if out.insert(child.id.clone()) {
                frontier.push(child.id.clone());
            }
        }
    }
    out
}

/// The ids a category filter covers: the category and its descendants; an unknown category
/// covers nothing (an empty list, not an error, as the contract says).
pub fn filter_ids(all: &[Category], key: &str) -> HashSet<String> {
    find(all, key)
        .map(|c| subtree(all, &c.id))
        .unwrap_or_default()
}

/// Nodes for the categories under `parent` (`None` = top level), sorted by sort order then
/// name, each counting the products of its whole subtree. `depth` 0 leaves children empty.
/// Inactive categories (and what is below them) are left out unless `include_inactive`.
pub fn tree(
    all: &[Category],
    direct_counts: &HashMap<String, u64>,
    parent: Option<&str>,
    depth: usize,
    include_inactive: bool,
) -> Vec<Node> {
    let mut level: Vec<&Category> = all
        .iter()
        .filter(|c| c.parent_id.as_deref() == parent && (include_inactive || c.is_active))
        .collect();
    level.sort_by(|a, b| {
        a.sort_order
            .cmp(&b.sort_order)
            .then_with(|| a.name.cmp(&b.name))
    });
    level
        .into_iter()
        .map(|c| node(all, direct_counts, c, depth, include_inactive))
        .collect()
}

/// One category as a [`Node`], its children nested `depth` levels deep.
pub fn node(
    all: &[Category],
    direct_counts: &HashMap<String, u64>,
    c: &Category,
    depth: usize,
    include_inactive: bool,
) -> Node {
    Node {
        category: c.clone(),
        product_count: subtree(all, &c.id)
            .iter()
            .filter_map(|id| direct_counts.get(id))
            .sum(),
        children: if depth == 0 {
            Vec::new()
        } else {
            tree(all, direct_counts, Some(&c.id), depth - 1, include_inactive)
        },
    }
}

/// Checks that `new_parent` may become the parent of `id`: it exists and is neither the
/// category itself nor below it (a cycle would hide both from every listing).
pub fn check_parent(all: &[Category], id: &str, new_parent: &str) -> Result<()> {
    if subtree(all, id).contains(new_parent) {
        return Err(Error::validation(
            "parentId",
            "A category cannot be moved under itself or one of its children",
        ));
    }
    Ok(())
}

/// A category as an admin creates or edits it; `None` keeps a field (or takes its default on
/// creation). `parent` is an id or slug.
#[derive(Clone, Debug, Default)]
pub struct CategoryPatch {
    pub name: Option<String>,
    pub slug: Option<String>,
    pub description: Option<String>,
    pub image: Option<String>,
    pub icon: Option<String>,
    pub parent: Option<String>,
    pub clear_parent: bool,
    pub sort_order: Option<i32>,
    pub is_active: Option<bool>,
}

impl CategoryPatch {
    /// A new category `id`: the name is required; the slug, when not given, is made from the
    /// name and kept clear of the slugs in `all`.
    pub fn create(self, all: &[Category], id: String) -> Result<Category> {
        let name = name(self.name.as_deref().unwrap_or_default())?;
        let taken: HashSet<String> = all.iter().map(|c| c.slug.clone()).collect();
        let mut c = Category {
            id,
            slug: super::slug::unique(&super::slug::base_for(&name, "category"), &taken),
            name,
            description: String::new(),
            image: String::new(),
            icon: None,
            parent_id: None,
            sort_order: 0,
            is_active: true,
        };
        self.apply(all, &mut c)?;
        Ok(c)
    }

    /// Applies the patch to `c`; returns the names of the fields that really changed (the
    /// contract's camelCase names, as events carry them).
    pub fn apply(self, all: &[Category], c: &mut Category) -> Result<Vec<&'static str>> {
        let before = c.clone();
        if let Some(v) = self.name {
            c.name = name(&v)?;
        }
        if let Some(v) = self.slug.filter(|s| !s.trim().is_empty()) {
            c.slug = super::slug::validate("slug", &v)?;
        }
        if let Some(v) = self.description {
            c.description = v.trim().chars().take(2_000).collect();
        }
        if let Some(v) = self.image {
            c.image = v.trim().to_string();
        }
        if let Some(v) = self.icon {
            c.icon = Some(v.trim().to_string()).filter(|i| !i.is_empty());
        }
        if self.clear_parent {
            c.parent_id = None;
        } else if let Some(key) = self.parent.filter(|p| !p.trim().is_empty()) {
            let parent = find(all, &key).ok_or_else(|| {
                Error::validation(
                    "parentId",
                    format!("Parent category `{}` does not exist", key.trim()),
                )
            })?;
            check_parent(all, &c.id, &parent.id)?;
            c.parent_id = Some(parent.id.clone());
        }
        if let Some(v) = self.sort_order {
            c.sort_order = v;
        }
        if let Some(v) = self.is_active {
            c.is_active = v;
        }
        Ok(changed_fields(&before, c))
    }
}

fn changed_fields(before: &Category, after: &Category) -> Vec<&'static str> {
    [
        ("name", before.name != after.name),
        ("slug", before.slug != after.slug),
        ("description", before.description != after.description),
        ("image", before.image != after.image),
        ("icon", before.icon != after.icon),
        ("parentId", before.parent_id != after.parent_id),
        ("sortOrder", before.sort_order != after.sort_order),
        ("isActive", before.is_active != after.is_active),
    ]
    .into_iter()
    .filter_map(|(field, changed)| changed.then_some(field))
    .collect()
}

/// A category name: 1–100 characters.
pub fn name(raw: &str) -> Result<String> {
    let s = raw.trim();
    let n = s.chars().count();
    if n == 0 || n > 100 {
        return Err(Error::validation("name", "`name` must be 1–100 characters"));
    }
    Ok(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat(id: &str, parent: Option<&str>, order: i32) -> Category {
        Category {
            id: id.into(),
            name: id.to_uppercase(),
            slug: format!("{id}-slug"),
            description: String::new(),
            image: String::new(),
            icon: None,
            parent_id: parent.map(String::from),
            sort_order: order,
            is_active: true,
        }
    }

    fn shop() -> Vec<Category> {
        vec![
            cat("b", None, 2),
            cat("a", None, 1),
            cat("a1", Some("a"), 1),
            cat("a1x", Some("a1"), 1),
            cat("b1", Some("b"), 1),
        ]
    }

    #[test]
    fn lookup_works_by_id_or_slug_and_filters_include_descendants() {
        let all = shop();
        assert_eq!(find(&all, "a1-slug").unwrap().id, "a1");
        assert_eq!(find(&all, "b").unwrap().id, "b");
        assert_eq!(
            filter_ids(&all, "a"),
            HashSet::from(["a".into(), "a1".into(), "a1x".into()])
        );
        assert!(filter_ids(&all, "nope").is_empty());
    }

    #[test]
    fn counts_roll_up_and_levels_sort_by_order() {
        let all = shop();
        let counts = HashMap::from([
            ("a1x".to_string(), 2),
            ("a1".to_string(), 1),
            ("b1".to_string(), 5),
        ]);
        let top = tree(&all, &counts, None, 0, false);
        assert_eq!(
            top.iter()
                .map(|n| (n.category.id.as_str(), n.product_count))
                .collect::<Vec<_>>(),
            [("a", 3), ("b", 5)]
        );
        assert!(top[0].children.is_empty());
        let nested = tree(&all, &counts, None, usize::MAX, false);
        assert_eq!(nested[0].children[0].children[0].category.id, "a1x");
    }

    #[test]
    fn inactive_categories_hide_unless_asked() {
        let mut all = shop();
        all[1].is_active = false;
        assert_eq!(tree(&all, &HashMap::new(), None, 1, false).len(), 1);
        assert_eq!(tree(&all, &HashMap::new(), None, 1, true).len(), 2);
    }

    #[test]
    fn new_categories_get_a_free_slug_and_an_existing_parent() {
        let all = shop();
        let patch = CategoryPatch {
            name: Some("A".into()),
            parent: Some("b1-slug".into()),
            ..Default::default()
        };
        let c = patch.create(&all, "n".into()).unwrap();
        assert_eq!(
            (c.slug.as_str(), c.parent_id.as_deref(), c.is_active),
            ("a", Some("b1"), true)
        );
        let taken = CategoryPatch {
            name: Some("A1 Slug".into()),
            ..Default::default()
        }
        .create(&all, "m".into())
        .unwrap();
        assert_eq!(taken.slug, "a1-slug-2");
        let orphan = CategoryPatch {
            name: Some("X".into()),
            parent: Some("nope".into()),
            ..Default::default()
        };
        assert!(
            orphan
                .create(&all, "x".into())
                .unwrap_err()
                .details
                .contains_key("parentId")
        );
        assert!(CategoryPatch::default().create(&all, "y".into()).is_err());
    }

    #[test]
    fn moves_that_would_make_a_cycle_are_refused() {
        let all = shop();
        assert!(check_parent(&all, "a", "a1x").is_err());
        assert!(check_parent(&all, "a", "a").is_err());
        assert!(check_parent(&all, "a1", "b").is_ok());
    }
}
