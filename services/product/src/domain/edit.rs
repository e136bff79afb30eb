//! The rules for creating and patching a product: field limits, the specifications object,
//! tags and images, and which fields a patch really changed.
use std::collections::{BTreeMap, HashSet};

use vici_kit::{Error, Result};

use super::fields::{
    MAX_DESCRIPTION, MAX_LONG_DESCRIPTION, MAX_VARIANTS, images, name, price, sku, specifications,
    stock, tags, text,
};
use super::product::{Product, Status};

/// CreateProduct's input, before validation.
#[derive(Clone, Debug, Default)]
pub struct Draft {
    pub name: String,
    pub slug: Option<String>,
    pub description: String,
    pub long_description: String,
    pub price_cents: i64,
    pub original_price_cents: Option<i64>,
    pub images: Vec<String>,
    pub specifications_json: String,
    pub tags: Vec<String>,
    pub is_new: bool,
    pub is_featured: bool,
    pub is_on_sale: bool,
    pub sku: String,
    pub status: Status,
    pub variants: Vec<VariantDraft>,
    /// Units of the product's own stock to start with.
    pub initial_stock: i64,
}

#[derive(Clone, Debug, Default)]
pub struct VariantDraft {
    pub name: String,
    pub sku: String,
    pub price_cents: i64,
    pub attributes: BTreeMap<String, String>,
    pub initial_stock: i64,
}

impl Draft {
    /// Checks and normalises every field in place (trimmed text, compact specifications).
    pub fn validate(&mut self) -> Result<()> {
        self.name = name(&self.name)?;
        self.slug = match self.slug.take().filter(|s| !s.trim().is_empty()) {
            Some(s) => Some(super::slug::validate("slug", &s)?),
            None => None,
        };
        self.description = text("description", &self.description, MAX_DESCRIPTION)?;
        self.long_description = text(
            "longDescription",
            &self.long_description,
            MAX_LONG_DESCRIPTION,
        )?;
        self.price_cents = price("price", self.price_cents)?;
        self.original_price_cents = self
            .original_price_cents
            .map(|c| price("originalPrice", c))
            .transpose()?;
        self.images = images(std::mem::take(&mut self.images))?;
        self.specifications_json = specifications(&self.specifications_json)?;
        self.tags = tags(std::mem::take(&mut self.tags))?;
        if !self.sku.trim().is_empty() {
            self.sku = sku("sku", &self.sku)?;
        }
        stock("stock", self.initial_stock)?;
        if self.variants.len() > MAX_VARIANTS {
            return Err(Error::validation(
                "variants",
                format!("At most {MAX_VARIANTS} variants are allowed"),
            ));
        }
        let mut skus = HashSet::new();
        for v in &mut self.variants {
            v.name = text("variants", &v.name, 100)?;
            if v.name.is_empty() {
                return Err(Error::validation("variants", "Every variant needs a name"));
            }
            v.sku = sku("variants", &v.sku)?;
            v.price_cents = price("variants", v.price_cents)?;
            stock("variants", v.initial_stock)?;
            if !skus.insert(v.sku.clone()) {
                return Err(Error::validation(
                    "variants",
                    format!("Variant SKU `{}` is used twice", v.sku),
                ));
            }
        }
        Ok(())
    }
}

/// UpdateProduct's input: `None` keeps a field. `category_id` is already resolved from the
/// caller's id or slug.
#[derive(Clone, Debug, Default)]
pub struct Patch {
    pub name: Option<String>,
    pub slug: Option<String>,
    pub description: Option<String>,
    pub long_description: Option<String>,
    pub price_cents: Option<i64>,
    pub original_price_cents: Option<i64>,
    pub clear_original_price: bool,
    pub category_id: Option<String>,
    pub specifications_json: Option<String>,
    pub tags: Option<Vec<String>>,
    /// Tags added to the current ones (after `tags`, if both are given).
    pub add_tags: Vec<String>,
    pub is_new: Option<bool>,
    pub is_featured: Option<bool>,
    pub is_on_sale: Option<bool>,
    pub sku: Option<String>,
    pub status: Option<Status>,
    pub images: Option<Vec<String>>,
    /// Image URLs appended to the current ones, inside the update's transaction so two
    /// uploads at once both land.
    pub add_images: Vec<String>,
}

impl Patch {
    /// Applies the patch to `p` with the same rules as creation; returns the names of the fields
    /// that really changed (the contract's camelCase names, as events carry them).
    pub fn apply(self, p: &mut Product) -> Result<Vec<&'static str>> {
        let mut changed = Vec::new();
        fn set<T: PartialEq>(
            slot: &mut T,
            value: T,
            field: &'static str,
            changed: &mut Vec<&'static str>,
        ) {
            if *slot != value {
                *slot = value;
                changed.push(field);
            }
        }
        if let Some(v) = self.name {
            set(&mut p.name, name(&v)?, "name", &mut changed);
        }
        if let Some(v) = self.slug {
            set(
                &mut p.slug,
                super::slug::validate("slug", &v)?,
                "slug",
                &mut changed,
            );
        }
        if let Some(v) = self.description {
            set(
                &mut p.description,
                text("description", &v, MAX_DESCRIPTION)?,
                "description",
                &mut changed,
            );
        }
        if let Some(v) = self.long_description {
            let v = text("longDescription", &v, MAX_LONG_DESCRIPTION)?;
            set(&mut p.long_description, v, "longDescription", &mut changed);
        }
        if let Some(v) = self.price_cents {
            set(
                &mut p.price_cents,
                price("price", v)?,
                "priceCents",
                &mut changed,
            );
        }
        if self.clear_original_price {
            set(
                &mut p.original_price_cents,
                None,
                "originalPriceCents",
                &mut changed,
            );
        } else if let Some(v) = self.original_price_cents {
            set(
                &mut p.original_price_cents,
                Some(price("originalPrice", v)?),
                "originalPriceCents",
                &mut changed,
            );
        }
        if let Some(v) = self.category_id {
            set(&mut p.category_id, v, "categoryId", &mut changed);
        }
        if let Some(v) = self.specifications_json {
            set(
                &mut p.specifications,
                specifications(&v)?,
                "specifications",
                &mut changed,
            );
        }
        if self.tags.is_some() || !self.add_tags.is_empty() {
            let mut v = self.tags.unwrap_or_else(|| p.tags.clone());
            v.extend(self.add_tags);
            set(&mut p.tags, tags(v)?, "tags", &mut changed);
        }
        if let Some(v) = self.is_new {
            set(&mut p.is_new, v, "isNew", &mut changed);
        }
        if let Some(v) = self.is_featured {
            set(&mut p.is_featured, v, "isFeatured", &mut changed);
        }
        if let Some(v) = self.is_on_sale {
            set(&mut p.is_on_sale, v, "isOnSale", &mut changed);
        }
        if let Some(v) = self.sku {
            set(&mut p.sku, sku("sku", &v)?, "sku", &mut changed);
        }
        if let Some(v) = self.status {
            set(&mut p.status, v, "status", &mut changed);
        }
        if self.images.is_some() || !self.add_images.is_empty() {
            let mut v = self.images.unwrap_or_else(|| p.images.clone());
            v.extend(self.add_images);
            set(&mut p.images, images(v)?, "images", &mut changed);
        }
        Ok(changed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> Draft {
        Draft {
            name: "  Mug ".into(),
            price_cents: 999,
            sku: "MUG-1".into(),
            ..Draft::default()
        }
    }

    #[test]
    fn a_valid_draft_is_normalised() {
        let mut d = draft();
        d.specifications_json = r#"{ "colour": "red" }"#.into();
        d.tags = vec![" mug ".into(), "Mug".into(), "".into(), "kitchen".into()];
        d.validate().unwrap();
        assert_eq!(d.name, "Mug");
        assert_eq!(d.specifications_json, r#"{"colour":"red"}"#);
        assert_eq!(d.tags, ["mug", "kitchen"]);
    }

    #[test]
    fn bad_drafts_name_the_field() {
        type Breakage = Box<dyn Fn(&mut Draft)>;
        let cases: Vec<(&str, Breakage)> = vec![
            ("name", Box::new(|d| d.name = " ".into())),
            ("name", Box::new(|d| d.name = "x".repeat(201))),
            ("price", Box::new(|d| d.price_cents = -1)),
            (
                "specifications",
                Box::new(|d| d.specifications_json = "[1]".into()),
            ),
            (
                "specifications",
                Box::new(|d| d.specifications_json = "{".into()),
            ),
            (
                "images",
                Box::new(|d| d.images = vec!["https://x/y.png".into(); 21]),
            ),
            (
                "images",
                Box::new(|d| d.images = vec!["javascript:alert(1)".into()]),
            ),
            (
                "variants",
                Box::new(|d| {
                    d.variants = vec![
                        VariantDraft {
                            name: "A".into(),
                            sku: "S".into(),
                            ..Default::default()
                        };
                        2
                    ]
                }),
            ),
        ];
        for (field, break_it) in cases {
            let mut d = draft();
            break_it(&mut d);
            let err = d.validate().unwrap_err();
            assert!(err.details.contains_key(field), "{field}: {err:?}");
        }
    }

    #[test]
    fn patches_report_only_real_changes() {
        let mut d = draft();
        d.validate().unwrap();
        let mut p = Product {
            id: "p".into(),
            name: d.name,
            slug: "mug".into(),
            description: String::new(),
            long_description: String::new(),
            price_cents: 999,
            original_price_cents: Some(1200),
            currency: "USD".into(),
            category_id: "c".into(),
            category_name: String::new(),
            category_slug: String::new(),
            images: vec![],
            rating: 0.0,
            review_count: 0,
            specifications: "{}".into(),
            tags: vec![],
            is_new: false,
            is_featured: false,
            is_on_sale: false,
            sku: "MUG-1".into(),
            status: Status::Active,
            variants: vec![],
            created_at: 0,
            updated_at: 0,
        };
        let patch = Patch {
            name: Some("Mug".into()),
            price_cents: Some(899),
            clear_original_price: true,
            is_featured: Some(true),
            ..Patch::default()
        };
        assert_eq!(
            patch.apply(&mut p).unwrap(),
            ["priceCents", "originalPriceCents", "isFeatured"]
        );
        assert_eq!(p.original_price_cents, None);
        let more = Patch {
            add_images: vec!["https://x/1.png".into()],
            add_tags: vec!["MUG".into(), "cup".into()],
            ..Patch::default()
        };
        assert_eq!(more.apply(&mut p).unwrap(), ["tags", "images"]);
        assert_eq!(p.tags, ["MUG", "cup"]);
        let full = Patch {
            add_images: vec!["https://x/2.png".into(); 20],
            ..Patch::default()
        };
        assert!(
            full.apply(&mut p)
                .unwrap_err()
                .details
                .contains_key("images")
        );
        let bad = Patch {
            slug: Some("Not A Slug".into()),
            ..Patch::default()
        };
        assert!(bad.apply(&mut p).unwrap_err().details.contains_key("slug"));
    }
}
