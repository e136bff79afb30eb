//! The Cart and CartItem objects of contract §2 and the cart routes' request bodies. Totals
//! arrive computed by the cart service (one shared pricing function); only dollars render here.
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use vici_proto::cart::v1 as pb;

use super::dollars;
use super::input;
use crate::error::{ApiError, ApiResult};

/// Most of one item a line may hold (the contract's limit; the service checks it too).
pub const MAX_LINE_QUANTITY: i64 = 99;

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CartItemDto {
    pub id: String,
    pub cart_id: String,
    pub product_id: String,
    pub variant_id: Option<String>,
    pub name: String,
    pub image: String,
    pub sku: String,
    pub slug: String,
    pub quantity: i64,
    pub unit_price: f64,
    pub total_price: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original_price: Option<f64>,
    pub stock: i64,
    pub in_stock: bool,
    /// False when the product was retired since it was added (it is left out of the totals).
    pub available: bool,
    pub currency: String,
    /// The catalogue price changed since the cart last showed this line.
    pub price_changed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_price: Option<f64>,
    pub added_at: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SkippedDto {
    pub product_id: String,
    pub variant_id: Option<String>,
    pub reason: String,
    pub requested: i64,
    pub added: i64,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CartDto {
    pub id: String,
    pub user_id: String,
    pub items: Vec<CartItemDto>,
    pub item_count: i64,
    pub subtotal: f64,
    pub discount: f64,
    pub total: f64,
    pub coupon_code: Option<String>,
    /// Why the attached coupon takes nothing off right now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coupon_message: Option<String>,
    pub currency: String,
    pub created_at: String,
    pub updated_at: String,
    /// Guest-cart merge only: what could not be added as asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<Vec<SkippedDto>>,
}

impl From<pb::Cart> for CartDto {
    fn from(c: pb::Cart) -> Self {
        let cart_id = c.id.clone();
        let items = c
            .items
            .into_iter()
            .map(|i| CartItemDto {
                cart_id: cart_id.clone(),
                unit_price: dollars(i.unit_price_cents),
                total_price: dollars(i.unit_price_cents * i.quantity),
                original_price: i.original_price_cents.map(dollars),
                in_stock: i.available && i.stock > 0,
                previous_price: i.previous_price_cents.map(dollars),
                id: i.id,
                product_id: i.product_id,
                variant_id: i.variant_id,
                name: i.name,
                image: i.image,
                sku: i.sku,
                slug: i.product_slug,
                quantity: i.quantity,
                stock: i.stock,
                available: i.available,
                currency: i.currency,
                price_changed: i.price_changed,
                added_at: i.added_at,
            })
            .collect();
        Self {
            id: c.id,
            user_id: c.user_id,
            items,
            item_count: c.item_count,
            subtotal: dollars(c.subtotal_cents),
            discount: dollars(c.discount_cents),
            total: dollars(c.total_cents),
            coupon_code: c.coupon_code,
            coupon_message: c.coupon_message,
            currency: c.currency,
            created_at: c.created_at,
            updated_at: c.updated_at,
            skipped: None,
        }
    }
}

impl From<pb::MergeCartResponse> for CartDto {
    fn from(r: pb::MergeCartResponse) -> Self {
        let mut cart = Self::from(r.cart.unwrap_or_default());
        cart.skipped = Some(
            r.skipped
                .into_iter()
                .map(|s| SkippedDto {
                    product_id: s.product_id,
                    variant_id: s.variant_id,
                    reason: s.reason,
                    requested: s.requested,
                    added: s.added,
                })
                .collect(),
        );
        cart
    }
}

/// `POST /cart/items`. The client also sends `name, image, sku, price, currency`: ignored, the
/// catalogue is the source of truth.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddItemBody {
    #[serde(default)]
    #[schema(value_type = String, format = Uuid)]
    product_id: Value,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Uuid)]
    variant_id: Value,
    /// 1–99 (default 1).
    #[serde(default)]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 99)]
    quantity: Value,
}

impl AddItemBody {
    pub fn into_request(
        self,
        user_id: String,
        session_id: String,
    ) -> ApiResult<pb::AddItemRequest> {
        // A client that leaves the quantity out means one.
        let quantity = input::optional_whole(&self.quantity, "quantity", 1, MAX_LINE_QUANTITY)?;
        Ok(pb::AddItemRequest {
            user_id,
            product_id: input::id(&self.product_id, "productId")?,
            variant_id: input::optional_id(&self.variant_id, "variantId")?,
            quantity: quantity.unwrap_or(1),
            session_id,
        })
    }
}

/// `PUT /cart/items/{itemId}`: 0 removes the line.
#[derive(Deserialize, ToSchema)]
pub struct UpdateItemBody {
    /// 0–99; 0 removes the line.
    #[serde(default)]
    #[schema(value_type = i64, minimum = 0, maximum = 99)]
    quantity: Value,
}

impl UpdateItemBody {
    pub fn quantity(&self) -> ApiResult<i64> {
        input::whole(&self.quantity, "quantity", 0, MAX_LINE_QUANTITY)
    }
}

/// `POST /cart/coupon`: `couponCode`, or its alias `code`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = ApplyCouponBody)]
pub struct CouponBody {
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    coupon_code: Value,
    /// Alias of `couponCode`.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    code: Value,
}

impl CouponBody {
    pub fn code(&self) -> ApiResult<String> {
        let given = match &self.coupon_code {
            Value::Null => &self.code,
            v => v,
        };
        match input::optional_text(given, "couponCode")? {
            Some(code) if !code.is_empty() => Ok(code),
            _ => Err(ApiError::validation(
                "Enter a coupon code",
                [("couponCode".to_string(), "is required".to_string())].into(),
            )),
        }
    }
}

/// `POST /cart/merge`: the guest cart the client kept. Entries the gateway cannot even read
/// are passed on as invalid lines, so the service lists them in `skipped` like any other.
#[derive(Deserialize, ToSchema)]
pub struct MergeBody {
    /// `[{productId, variantId?, quantity}]`.
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    items: Value,
}

impl MergeBody {
    pub fn into_request(
        self,
        user_id: String,
        session_id: String,
    ) -> ApiResult<pb::MergeCartRequest> {
        let Value::Array(entries) = self.items else {
            return Err(ApiError::validation(
                "`items` must be a list of {productId, variantId?, quantity}",
                [("items".to_string(), "must be a list".to_string())].into(),
            ));
        };
        let items = entries.iter().map(merge_line).collect();
        Ok(pb::MergeCartRequest {
            user_id,
            items,
            session_id,
        })
    }
}

fn merge_line(entry: &Value) -> pb::MergeLine {
    let text = |name: &str| entry.get(name).and_then(Value::as_str).unwrap_or("").trim();
    pb::MergeLine {
        product_id: text("productId").to_string(),
        variant_id: Some(text("variantId"))
            .filter(|v| !v.is_empty())
            .map(str::to_string),
        // Not a whole number: the service reports the line as invalid.
        quantity: entry.get("quantity").and_then(Value::as_i64).unwrap_or(-1),
    }
}
