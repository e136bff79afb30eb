//! The admin's view of a product's stock (`/admin/inventory/{productId}`): levels per product
//! and variant, the adjustment body, and the movement history.
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use vici_proto::inventory::v1 as pb;

use super::input;
use crate::error::{ApiError, ApiResult};

/// Bounds an admin quantity far from overflow (the service checks its own bound too).
const MAX_ADJUST: i64 = 1_000_000_000;

/// Checked here as well as by the inventory service, so a body that also sets a threshold is
/// refused as a whole rather than half applied.
fn reason(value: &Value) -> ApiResult<String> {
    match input::optional_text(value, "reason")? {
        Some(r) if !r.is_empty() && r.chars().count() <= 500 => Ok(r),
        _ => Err(ApiError::validation(
            "Say why the stock changes: `reason` (at most 500 characters)",
            [(
                "reason".to_string(),
                "is required (at most 500 characters)".to_string(),
            )]
            .into(),
        )),
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VariantStockDto {
    pub variant_id: String,
    pub available: i64,
    pub reserved: i64,
    pub total: i64,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StockDto {
    pub product_id: String,
    pub name: String,
    pub sku: String,
    pub available: i64,
    /// The storefront's name for `available`.
    pub stock: i64,
    pub in_stock: bool,
    pub reserved: i64,
    pub total: i64,
    pub low_stock_threshold: i64,
    pub low_stock: bool,
    pub variants: Vec<VariantStockDto>,
}

impl StockDto {
    pub fn new(level: pb::StockLevel, name: String, sku: String) -> Self {
        Self {
            low_stock: level.available <= level.low_stock_threshold,
            in_stock: level.available > 0,
            stock: level.available,
            product_id: level.product_id,
            name,
            sku,
            available: level.available,
            reserved: level.reserved,
            total: level.total,
            low_stock_threshold: level.low_stock_threshold,
            variants: level
                .variants
                .into_iter()
                .map(|v| VariantStockDto {
                    total: v.available + v.reserved,
                    variant_id: v.variant_id,
                    available: v.available,
                    reserved: v.reserved,
                })
                .collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MovementDto {
    pub id: String,
    pub product_id: String,
    pub variant_id: Option<String>,
    /// ADJUST, RESERVE, COMMIT, RELEASE, EXPIRE or RESTOCK.
    pub kind: String,
    pub delta: i64,
    pub reserved_delta: i64,
    pub before: i64,
    pub after: i64,
    pub reason: String,
    /// The admin's user id, or `system`.
    pub actor: String,
    pub order_id: Option<String>,
    pub at: String,
}

impl From<pb::Movement> for MovementDto {
    fn from(m: pb::Movement) -> Self {
        Self {
            id: m.id,
            product_id: m.product_id,
            variant_id: m.variant_id,
            kind: m.kind,
            delta: m.delta,
            reserved_delta: m.reserved_delta,
            before: m.before,
            after: m.after,
            reason: m.reason,
            actor: m.actor,
            order_id: m.order_id,
            at: m.at,
        }
    }
}

/// `PUT /admin/inventory/{productId}`: an adjustment `{operation, quantity, reason,
/// variantId?}`, a new `lowStockThreshold`, or both.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdjustBody {
    /// `ADD` | `SUBTRACT` | `SET` (any case).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    operation: Value,
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    quantity: Value,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    reason: Value,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Uuid)]
    variant_id: Value,
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    low_stock_threshold: Value,
}

/// What an [`AdjustBody`] asks for, checked.
pub struct StockChange {
    pub adjust: Option<pb::AdjustRequest>,
    pub threshold: Option<i64>,
}

impl AdjustBody {
    pub fn into_change(self, product_id: &str, actor: String) -> ApiResult<StockChange> {
        let threshold =
            input::optional_whole(&self.low_stock_threshold, "lowStockThreshold", 0, 1_000_000)?;
        let operation = input::optional_text(&self.operation, "operation")?;
        let adjust = match operation {
            None if threshold.is_some() => None,
            None => {
                return Err(ApiError::validation(
                    "Say what to change: `operation` (ADD, SUBTRACT or SET) with `quantity` and `reason`, or `lowStockThreshold`",
                    [("operation".to_string(), "is required".to_string())].into(),
                ));
            }
            Some(op) => Some(pb::AdjustRequest {
                product_id: product_id.to_string(),
                variant_id: input::optional_id(&self.variant_id, "variantId")?,
                operation: crate::query::spelled::<pb::StockOperation>(&op)
                    .map_err(|problem| input::invalid("operation", problem))?
                    .into(),
                quantity: input::whole(&self.quantity, "quantity", 0, MAX_ADJUST)?,
                reason: reason(&self.reason)?,
                actor: actor.clone(),
            }),
        };
        Ok(StockChange { adjust, threshold })
    }
}
