//! Coupons as the admin sees and writes them (`/admin/coupons`). Percent coupons carry whole
//! percent in `value`; fixed ones carry dollars, like every amount of the contract.
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use vici_proto::cart::v1 as pb;
use vici_proto::vocabulary::Spelled as _;

use super::{dollars, input};
use crate::error::{ApiError, ApiResult};

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CouponDto {
    pub id: String,
    pub code: String,
    /// `percent` or `fixed`.
    pub kind: String,
    /// Whole percent for `percent`, dollars for `fixed`.
    pub value: f64,
    pub min_subtotal: f64,
    pub expires_at: Option<String>,
    pub usage_limit: Option<i64>,
    pub per_user_limit: Option<i64>,
    pub used_count: i64,
    pub is_active: bool,
    pub description: String,
    pub created_at: String,
    pub updated_at: String,
}

impl From<pb::Coupon> for CouponDto {
    fn from(c: pb::Coupon) -> Self {
        let kind = c.kind();
        let value = match kind {
            pb::CouponKind::Fixed => dollars(c.value),
            _ => c.value as f64,
        };
        Self {
            id: c.id,
            code: c.code,
            kind: kind.spelling().to_string(),
            value,
            min_subtotal: dollars(c.min_subtotal_cents),
            expires_at: c.expires_at,
            usage_limit: c.usage_limit,
            per_user_limit: c.per_user_limit,
            used_count: c.used_count,
            is_active: c.is_active,
            description: c.description,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

/// Create and update share one body; on update every field is optional and `null` clears an
/// expiry or a limit.
#[derive(Deserialize, Default, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = CouponInputBody)]
pub struct CouponBody {
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    code: Option<Value>,
    /// `percent` | `fixed`; `type` is accepted as an alias of `kind`.
    #[serde(default, alias = "type")]
    #[schema(value_type = Option<String>)]
    kind: Option<Value>,
    /// Whole percent, or dollars for a fixed coupon.
    #[serde(default)]
    #[schema(value_type = Option<f64>)]
    value: Option<Value>,
    /// Dollars.
    #[serde(default)]
    #[schema(value_type = Option<f64>)]
    min_subtotal: Option<Value>,
    /// RFC 3339; `null` clears it.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    expires_at: Option<Value>,
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    usage_limit: Option<Value>,
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    per_user_limit: Option<Value>,
    #[serde(default)]
    is_active: Option<Value>,
    #[serde(default)]
    description: Option<Value>,
}

const NULL: Value = Value::Null;

/// Percent values are whole numbers; fixed ones are dollars → cents.
fn coupon_value(kind: pb::CouponKind, value: &Value) -> ApiResult<Option<i64>> {
    match kind {
        pb::CouponKind::Fixed => input::optional_dollars(value, "value"),
        _ => input::optional_whole(value, "value", 1, 100),
    }
}

/// The kind a body names, if it names one.
fn kind(v: &Option<Value>) -> ApiResult<Option<pb::CouponKind>> {
    let named = text(v, "kind")?;
    let parse = |raw: String| crate::query::spelled::<pb::CouponKind>(&raw);
    let kind = named.map(parse).transpose();
    kind.map_err(|problem| input::invalid("kind", problem))
}

fn limit(v: &Option<Value>, field: &str) -> ApiResult<Option<i64>> {
    input::optional_whole(v.as_ref().unwrap_or(&NULL), field, 1, 1_000_000_000)
}

fn text(v: &Option<Value>, field: &str) -> ApiResult<Option<String>> {
    input::optional_text(v.as_ref().unwrap_or(&NULL), field)
}

fn flag(v: &Option<Value>) -> ApiResult<Option<bool>> {
    match v.as_ref().unwrap_or(&NULL) {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(*b)),
        _ => Err(ApiError::validation(
            "`isActive` must be true or false",
            [("isActive".to_string(), "must be true or false".to_string())].into(),
        )),
    }
}

/// A field present as `null` (as opposed to absent).
fn is_null(v: &Option<Value>) -> bool {
    matches!(v, Some(Value::Null))
}

impl CouponBody {
    pub fn into_input(self) -> ApiResult<pb::CouponInput> {
        // Unnamed, it is UNSPECIFIED, which the cart service reports with the other fields.
        let kind = kind(&self.kind)?.unwrap_or_default();
        Ok(pb::CouponInput {
            code: text(&self.code, "code")?.unwrap_or_default(),
            value: coupon_value(kind, self.value.as_ref().unwrap_or(&NULL))?.unwrap_or_default(),
            kind: kind.into(),
            min_subtotal_cents: input::optional_dollars(
                self.min_subtotal.as_ref().unwrap_or(&NULL),
                "minSubtotal",
            )?
            .unwrap_or_default(),
            expires_at: text(&self.expires_at, "expiresAt")?,
            usage_limit: limit(&self.usage_limit, "usageLimit")?,
            per_user_limit: limit(&self.per_user_limit, "perUserLimit")?,
            is_active: flag(&self.is_active)?,
            description: text(&self.description, "description")?.unwrap_or_default(),
        })
    }

    /// `current_kind` is the stored kind, for reading `value` when the update does not name one.
    pub fn into_update(
        self,
        id: String,
        current_kind: pb::CouponKind,
    ) -> ApiResult<pb::UpdateCouponRequest> {
        let kind = kind(&self.kind)?;
        let value_kind = kind.unwrap_or(current_kind);
        Ok(pb::UpdateCouponRequest {
            id,
            code: text(&self.code, "code")?,
            value: coupon_value(value_kind, self.value.as_ref().unwrap_or(&NULL))?,
            kind: kind.map(Into::into),
            min_subtotal_cents: input::optional_dollars(
                self.min_subtotal.as_ref().unwrap_or(&NULL),
                "minSubtotal",
            )?,
            clear_expires_at: is_null(&self.expires_at),
            clear_usage_limit: is_null(&self.usage_limit),
            clear_per_user_limit: is_null(&self.per_user_limit),
            expires_at: text(&self.expires_at, "expiresAt")?,
            usage_limit: limit(&self.usage_limit, "usageLimit")?,
            per_user_limit: limit(&self.per_user_limit, "perUserLimit")?,
            is_active: flag(&self.is_active)?,
            description: text(&self.description, "description")?,
        })
    }
}
