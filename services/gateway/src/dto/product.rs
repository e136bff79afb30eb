//! Product and variant objects, with every alias the storefront reads (`category`, `image`,
//! `reviews`, `specs`, `isSale`, `inStock`).
use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;
use vici_proto::product::v1::{Product, Variant};
use vici_proto::vocabulary::Spelled;

use super::{dollars, one_decimal};

/// A variant as the product view shows it, borrowed like the product.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VariantDto<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub sku: &'a str,
    /// Dollars.
    #[schema(example = 129.99)]
    pub price: f64,
    pub stock: i64,
    pub attributes: BTreeMap<&'a str, &'a str>,
}

/// A view of the protobuf product, borrowed rather than copied: a listing renders twenty of
/// them per answer, and copying every string into an owned DTO first cost as much as writing
/// the JSON.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProductDto<'a> {
    #[schema(format = Uuid)]
    pub id: &'a str,
    pub name: &'a str,
    pub slug: &'a str,
    pub description: &'a str,
    pub long_description: &'a str,
    /// Dollars, at most two decimals.
    #[schema(example = 129.99)]
    pub price: f64,
    /// Dollars; absent when the product is not discounted.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = 159.99)]
    pub original_price: Option<f64>,
    #[schema(example = "USD")]
    pub currency: &'a str,
    pub category_id: &'a str,
    pub category_name: &'a str,
    /// Same as `categoryName`.
    pub category: &'a str,
    pub category_slug: &'a str,
    pub images: &'a [String],
    /// Same as `images[0]`.
    pub image: Option<&'a str>,
    /// 0–5, one decimal.
    #[schema(example = 4.5)]
    pub rating: f64,
    pub review_count: i64,
    /// Same as `reviewCount`.
    pub reviews: i64,
    /// Units available to buy now.
    pub stock: i64,
    /// `stock > 0`.
    pub in_stock: bool,
    #[schema(value_type = Object)]
    pub specifications: Map<String, Value>,
    /// Same as `specifications`.
    #[schema(value_type = Object)]
    pub specs: Map<String, Value>,
    pub tags: &'a [String],
    pub is_new: bool,
    pub is_featured: bool,
    pub is_on_sale: bool,
    /// Same as `isOnSale`.
    pub is_sale: bool,
    pub sku: &'a str,
    /// `ACTIVE` | `INACTIVE` | `OUT_OF_STOCK` | `DRAFT`.
    #[schema(example = "ACTIVE")]
    pub status: &'static str,
    pub variants: Vec<VariantDto<'a>>,
    pub created_at: &'a str,
    pub updated_at: &'a str,
}

impl<'a> From<&'a Variant> for VariantDto<'a> {
    fn from(v: &'a Variant) -> Self {
        Self {
            id: &v.id,
            name: &v.name,
            sku: &v.sku,
            price: dollars(v.price_cents),
            stock: v.stock.max(0),
            attributes: v
                .attributes
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect(),
        }
    }
}

/// The stored JSON object of specifications; anything else (empty, malformed, not an object)
/// renders as `{}` rather than failing the page.
fn specifications(json: &str) -> Map<String, Value> {
    if json.is_empty() || json == "{}" {
        return Map::new();
    }
    match serde_json::from_str::<Value>(json) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

impl<'a> From<&'a Product> for ProductDto<'a> {
    fn from(p: &'a Product) -> Self {
        let specs = specifications(&p.specifications_json);
        let stock = p.stock.max(0);
        Self {
            id: &p.id,
            name: &p.name,
            slug: &p.slug,
            description: &p.description,
            long_description: &p.long_description,
            price: dollars(p.price_cents),
            original_price: p.original_price_cents.map(dollars),
            currency: &p.currency,
            category_id: &p.category_id,
            category_name: &p.category_name,
            category: &p.category_name,
            category_slug: &p.category_slug,
            images: &p.images,
            image: p.images.first().map(String::as_str),
            rating: one_decimal(p.rating),
            review_count: p.review_count,
            reviews: p.review_count,
            stock,
            in_stock: stock > 0,
            specifications: specs.clone(),
            specs,
            tags: &p.tags,
            is_new: p.is_new,
            is_featured: p.is_featured,
            is_on_sale: p.is_on_sale,
            is_sale: p.is_on_sale,
            sku: &p.sku,
            status: p.status().spelling(),
            variants: p.variants.iter().map(VariantDto::from).collect(),
            created_at: &p.created_at,
            updated_at: &p.updated_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_every_alias_and_dollar_amounts() {
        let p = Product {
            id: "p1".into(),
            price_cents: 12_999,
            original_price_cents: Some(15_999),
            category_name: "Audio".into(),
            images: vec!["a.jpg".into(), "b.jpg".into()],
            rating: 4.46,
            review_count: 12,
            stock: 3,
            specifications_json: r#"{"weight":"250 g"}"#.into(),
            is_on_sale: true,
            variants: vec![Variant {
                price_cents: 13_999,
                ..Default::default()
            }],
            ..Default::default()
        };
        let json = serde_json::to_value(ProductDto::from(&p)).unwrap();
        assert_eq!(json["price"], serde_json::json!(129.99));
        assert_eq!(json["originalPrice"], serde_json::json!(159.99));
        assert_eq!(json["category"], "Audio");
        assert_eq!(json["image"], "a.jpg");
        assert_eq!(json["rating"], serde_json::json!(4.5));
        assert_eq!(
            (json["reviews"].clone(), json["reviewCount"].clone()),
            (12.into(), 12.into())
        );
        assert_eq!(json["specs"]["weight"], "250 g");
        assert_eq!(json["specs"], json["specifications"]);
        assert_eq!(
            (json["isSale"].clone(), json["inStock"].clone()),
            (true.into(), true.into())
        );
        assert_eq!(json["variants"][0]["price"], serde_json::json!(139.99));
    }

    #[test]
    fn absent_or_broken_optional_values_render_safely() {
        let p = Product {
            specifications_json: "not json".into(),
            stock: -2,
            ..Default::default()
        };
        let json = serde_json::to_value(ProductDto::from(&p)).unwrap();
        assert!(json.get("originalPrice").is_none(), "omitted, never 0");
        assert_eq!(json["specs"], serde_json::json!({}));
        assert_eq!(
            (json["stock"].clone(), json["inStock"].clone()),
            (0.into(), false.into())
        );
    }
}
