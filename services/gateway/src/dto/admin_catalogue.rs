//! The admin catalogue's request bodies: a product and a category as the contract shapes them
//! (money in dollars, the contract's aliases), read field by field so one 400 names every bad
//! field, and turned into the product service's create inputs or partial patches. Limits on
//! names, prices and the like are the product service's rules; it names the same fields.
use std::collections::HashMap;

use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;
use vici_kit::Problems;
use vici_proto::product::v1 as pb;

use super::input::{self, aliased, dollars, flag, object_json, present, strings, take, text};
use crate::error::{ApiError, ApiResult};
use crate::query;

/// A product of the contract (create: `name`, `price` and `categoryId` required; update: every
/// field optional). Read-only fields a client may echo back (`id`, `rating`, `createdAt`, …)
/// are ignored, and so are `stock` and `variants` in an update: stock changes go through
/// `/admin/inventory`, variants are set when the product is created.
#[derive(Deserialize, Default, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProductBody {
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    name: Value,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    slug: Value,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    description: Value,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    long_description: Value,
    /// Dollars, at most two decimals.
    #[serde(default)]
    #[schema(value_type = Option<f64>, example = 129.99)]
    price: Value,
    /// Dollars; `null` removes it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<f64>)]
    original_price: Option<Value>,
    /// A category id or slug (`category` is accepted as an alias).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    category_id: Value,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    category: Value,
    /// Image URLs, replacing the current ones (`image` alone counts as one).
    #[serde(default)]
    #[schema(value_type = Option<Vec<String>>)]
    images: Value,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    image: Value,
    /// A JSON object (`specs` is accepted as an alias).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    specifications: Value,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    specs: Value,
    /// Replacing the current ones.
    #[serde(default)]
    #[schema(value_type = Option<Vec<String>>)]
    tags: Value,
    #[serde(default)]
    #[schema(value_type = Option<bool>)]
    is_new: Value,
    #[serde(default)]
    #[schema(value_type = Option<bool>)]
    is_featured: Value,
    /// `isSale` is accepted as an alias.
    #[serde(default)]
    #[schema(value_type = Option<bool>)]
    is_on_sale: Value,
    #[serde(default)]
    #[schema(value_type = Option<bool>)]
    is_sale: Value,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    sku: Value,
    /// `ACTIVE` (default) | `INACTIVE` | `OUT_OF_STOCK` | `DRAFT`.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    status: Value,
    /// Create only: `[{name, sku, price, attributes{}, stock}]`.
    #[serde(default)]
    #[schema(value_type = Option<Vec<Object>>)]
    variants: Value,
    /// Create only: units in stock to start with (default 0).
    #[serde(default)]
    #[schema(value_type = Option<i64>, minimum = 0)]
    stock: Value,
}

/// The fields of a [`ProductBody`] that were given, checked.
struct ProductFields {
    /// `categoryId`, or `category` when the client used that name.
    category_field: &'static str,
    name: Option<String>,
    slug: Option<String>,
    description: Option<String>,
    long_description: Option<String>,
    price_cents: Option<i64>,
    /// `Some(None)`: cleared.
    original_price_cents: Option<Option<i64>>,
    category: Option<String>,
    images: Option<Vec<String>>,
    specifications_json: Option<String>,
    tags: Option<Vec<String>>,
    is_new: Option<bool>,
    is_featured: Option<bool>,
    is_on_sale: Option<bool>,
    sku: Option<String>,
    status: Option<pb::ProductStatus>,
}

/// How the client named the fields it gave under an alias (`(field, as the client called it)`),
/// so the product service's refusals name them the same way.
pub struct Renames(Vec<(&'static str, &'static str)>);

impl Renames {
    /// A product-service refusal with its `details` under the client's field names.
    pub fn refusal(&self, status: tonic::Status) -> ApiError {
        self.0.iter().fold(ApiError::from(status), |e, (from, to)| {
            e.with_detail_renamed(from, to)
        })
    }
}

impl ProductBody {
    fn read(
        &self,
        problems: &mut Problems,
        renames: &mut Vec<(&'static str, &'static str)>,
    ) -> ProductFields {
        let (category, category_field) =
            aliased(&self.category_id, "categoryId", &self.category, "category");
        renames.push(("category", category_field));
        let (specs, specs_field) =
            aliased(&self.specifications, "specifications", &self.specs, "specs");
        renames.push(("specifications", specs_field));
        let (on_sale, on_sale_field) =
            aliased(&self.is_on_sale, "isOnSale", &self.is_sale, "isSale");
        let images = match (&self.images, &self.image) {
            (Value::Null, Value::String(one)) => Some(vec![one.trim().to_string()]),
            (Value::Null, Value::Null) => None,
            (Value::Null, _) => {
                problems.add("image", "must be an image URL");
                None
            }
            (list, _) => strings(problems, list, "images"),
        };
        let original_price_cents = match &self.original_price {
            None => None,
            Some(Value::Null) => Some(None),
            Some(v) => dollars(problems, v, "originalPrice").map(Some),
        };
        ProductFields {
            category_field,
            name: text(problems, &self.name, "name"),
            slug: text(problems, &self.slug, "slug"),
            description: text(problems, &self.description, "description"),
            long_description: text(problems, &self.long_description, "longDescription"),
            price_cents: dollars(problems, &self.price, "price"),
            original_price_cents,
            category: text(problems, category, category_field),
            images,
            specifications_json: object_json(problems, specs, specs_field),
            tags: strings(problems, &self.tags, "tags"),
            is_new: flag(problems, &self.is_new, "isNew"),
            is_featured: flag(problems, &self.is_featured, "isFeatured"),
            is_on_sale: flag(problems, on_sale, on_sale_field),
            sku: text(problems, &self.sku, "sku"),
            status: text(problems, &self.status, "status").and_then(|raw| {
                query::spelled(&raw)
                    .map_err(|problem| problems.add("status", problem))
                    .ok()
            }),
        }
    }

    /// CreateProduct's input: `name`, `price` and the category are required.
    pub fn into_input(self) -> ApiResult<(pb::ProductInput, Renames)> {
        let mut problems = Problems::new();
        let mut renames = Vec::new();
        let f = self.read(&mut problems, &mut renames);
        problems.check(f.name.is_some(), "name", "is required");
        problems.check(f.price_cents.is_some(), "price", "is required");
        problems.check(f.category.is_some(), f.category_field, "is required");
        let variants = variants(&mut problems, &self.variants);
        let initial_stock = take(
            &mut problems,
            input::optional_whole(&self.stock, "stock", 0, i64::MAX),
        )
        .flatten();
        problems.finish()?;
        let request = pb::ProductInput {
            name: f.name.unwrap_or_default(),
            slug: f.slug.filter(|s| !s.is_empty()),
            description: f.description.unwrap_or_default(),
            long_description: f.long_description.unwrap_or_default(),
            price_cents: f.price_cents.unwrap_or_default(),
            original_price_cents: f.original_price_cents.flatten(),
            category: f.category.unwrap_or_default(),
            images: f.images.unwrap_or_default(),
            specifications_json: f.specifications_json.unwrap_or_default(),
            tags: f.tags.unwrap_or_default(),
            is_new: f.is_new.unwrap_or(false),
            is_featured: f.is_featured.unwrap_or(false),
            is_on_sale: f.is_on_sale.unwrap_or(false),
            sku: f.sku.unwrap_or_default(),
            status: f.status.map_or(0, Into::into),
            variants,
            initial_stock: initial_stock.unwrap_or(0),
        };
        Ok((request, Renames(renames)))
    }

    /// UpdateProduct's patch: only the fields given change; lists given replace the current ones.
    pub fn into_patch(self) -> ApiResult<(pb::ProductPatch, Renames)> {
        let mut problems = Problems::new();
        let mut renames = Vec::new();
        let f = self.read(&mut problems, &mut renames);
        problems.finish()?;
        let request = pb::ProductPatch {
            name: f.name,
            slug: f.slug,
            description: f.description,
            long_description: f.long_description,
            price_cents: f.price_cents,
            original_price_cents: f.original_price_cents.flatten(),
            clear_original_price: f.original_price_cents == Some(None),
            category: f.category,
            specifications_json: f.specifications_json,
            replace_tags: f.tags.is_some(),
            tags: f.tags.unwrap_or_default(),
            is_new: f.is_new,
            is_featured: f.is_featured,
            is_on_sale: f.is_on_sale,
            sku: f.sku,
            status: f.status.map_or(0, Into::into),
            replace_images: f.images.is_some(),
            images: f.images.unwrap_or_default(),
        };
        Ok((request, Renames(renames)))
    }
}

/// `variants[i]`: `{name, sku, price, attributes{}, stock}`.
fn variants(problems: &mut Problems, value: &Value) -> Vec<pb::VariantInput> {
    let items = match value {
        Value::Null => return Vec::new(),
        Value::Array(items) => items,
        _ => {
            problems.add("variants", "must be a list of variants");
            return Vec::new();
        }
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let mut inner = Problems::under(&format!("variants[{i}]"));
        let empty = Map::new();
        let fields = item.as_object().unwrap_or(&empty);
        if !item.is_object() {
            problems.add(&format!("variants[{i}]"), "must be an object");
            continue;
        }
        let get = |name: &str| fields.get(name).unwrap_or(&Value::Null);
        let attributes: HashMap<String, String> = match get("attributes") {
            Value::Null => HashMap::new(),
            Value::Object(map) => map
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str().map_or_else(|| v.to_string(), str::to_string),
                    )
                })
                .collect(),
            _ => {
                inner.add("attributes", "must be an object");
                HashMap::new()
            }
        };
        let variant = pb::VariantInput {
            name: text(&mut inner, get("name"), "name").unwrap_or_default(),
            sku: text(&mut inner, get("sku"), "sku").unwrap_or_default(),
            price_cents: dollars(&mut inner, get("price"), "price").unwrap_or_default(),
            attributes,
            initial_stock: take(
                &mut inner,
                input::optional_whole(get("stock"), "stock", 0, i64::MAX),
            )
            .flatten()
            .unwrap_or(0),
        };
        if let Err(e) = inner.finish() {
            let _ = problems.take::<()>(Err(e));
        }
        out.push(variant);
    }
    out
}
