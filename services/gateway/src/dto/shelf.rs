//! Recommendation shelves: a product list with a sibling `meta` saying where it came from.
use serde::Serialize;
use utoipa::ToSchema;

use super::{ProductDto, RenderedProduct};
use crate::envelope::Pagination;

/// Where a shelf came from (recommendations.md §4), as its impression event names it too.
#[derive(Clone, Debug, Default, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ShelfMeta {
    /// Names this list in its impression event and in the clicks that follow it.
    pub request_id: String,
    /// The store generation read (`gen`); empty when none was.
    #[serde(rename = "gen")]
    pub generation: String,
    /// The generation's model version; empty when it declares none.
    pub model_version: String,
    /// The source of each product, `sources[i]` for `data[i]`: `personalized`, `similar`,
    /// `bought_together`, `trending`, `popular`, `category`, `new_arrivals`, `history`.
    pub sources: Vec<&'static str>,
}

/// A shelf: `data` with `pagination` and `meta`.
#[derive(Serialize, ToSchema)]
pub struct ShelfEnvelope {
    /// Always `true`.
    pub success: bool,
    #[schema(value_type = Vec<ProductDto>)]
    pub data: Vec<RenderedProduct>,
    pub pagination: Pagination,
    pub meta: ShelfMeta,
}
