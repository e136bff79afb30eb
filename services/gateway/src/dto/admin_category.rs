//! The admin's category body, as the contract's Category object names it: create (`name`
//! required) or partial update (`parentId: null` moves a category to the top level). Names,
//! slugs and parents are the product service's rules; it names the same fields.
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;
use vici_kit::Problems;
use vici_proto::product::v1 as pb;

use super::input::{aliased, flag, present, take, text, whole};
use crate::error::ApiResult;

/// Lowest and highest `sortOrder` (an `int32` in the product service).
const SORT_ORDER_RANGE: (i64, i64) = (i32::MIN as i64, i32::MAX as i64);

#[derive(Deserialize, Default, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CategoryBody {
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
    image: Value,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    icon: Value,
    /// The parent's id or slug (`parent` is accepted as an alias); `null` makes it top-level.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    parent_id: Option<Value>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    parent: Value,
    #[serde(default)]
    #[schema(value_type = Option<i32>)]
    sort_order: Value,
    /// Default `true` on create.
    #[serde(default)]
    #[schema(value_type = Option<bool>)]
    is_active: Value,
}

/// The fields of a [`CategoryBody`] that were given, checked.
struct CategoryFields {
    name: Option<String>,
    slug: Option<String>,
    description: Option<String>,
    image: Option<String>,
    icon: Option<String>,
    /// `Some(None)`: to the top level.
    parent: Option<Option<String>>,
    sort_order: Option<i32>,
    is_active: Option<bool>,
}

impl CategoryBody {
    fn read(&self, problems: &mut Problems) -> CategoryFields {
        let null = Value::Null;
        let parent_id = self.parent_id.as_ref().unwrap_or(&null);
        let (parent, parent_field) = aliased(parent_id, "parentId", &self.parent, "parent");
        let parent = match (&self.parent_id, parent) {
            (Some(Value::Null), Value::Null) => Some(None),
            (_, value) => {
                text(problems, value, parent_field).map(|p| Some(p).filter(|p| !p.is_empty()))
            }
        };
        let sort_order = match &self.sort_order {
            Value::Null => None,
            v => take(
                problems,
                whole(v, "sortOrder", SORT_ORDER_RANGE.0, SORT_ORDER_RANGE.1),
            )
            .map(|n| n as i32),
        };
        CategoryFields {
            name: text(problems, &self.name, "name"),
            slug: text(problems, &self.slug, "slug").filter(|s| !s.is_empty()),
            description: text(problems, &self.description, "description"),
            image: text(problems, &self.image, "image"),
            icon: text(problems, &self.icon, "icon"),
            parent,
            sort_order,
            is_active: flag(problems, &self.is_active, "isActive"),
        }
    }

    /// CreateCategory's input: `name` is required; a new category is active unless told.
    pub fn into_input(self) -> ApiResult<pb::CategoryInput> {
        let mut problems = Problems::new();
        let f = self.read(&mut problems);
        problems.check(f.name.is_some(), "name", "is required");
        problems.finish()?;
        Ok(pb::CategoryInput {
            name: f.name.unwrap_or_default(),
            slug: f.slug,
            description: f.description.unwrap_or_default(),
            image: f.image.unwrap_or_default(),
            icon: f.icon,
            parent: f.parent.flatten(),
            sort_order: f.sort_order.unwrap_or(0),
            is_active: f.is_active.unwrap_or(true),
        })
    }

    /// UpdateCategory's patch: only the fields given change.
    pub fn into_patch(self) -> ApiResult<pb::CategoryPatch> {
        let mut problems = Problems::new();
        let f = self.read(&mut problems);
        problems.finish()?;
        Ok(pb::CategoryPatch {
            clear_parent: f.parent == Some(None),
            name: f.name,
            slug: f.slug,
            description: f.description,
            image: f.image,
            icon: f.icon,
            parent: f.parent.flatten(),
            sort_order: f.sort_order,
            is_active: f.is_active,
        })
    }
}
