//! Categories and the price range of a category.
use axum::extract::State;
use axum::response::Response;
use vici_proto::product::v1::{GetCategoryRequest, ListCategoriesRequest, PriceRangeRequest};

use super::empty_if_unknown_category;
use crate::AppState;
use crate::behaviour::{self, ServedEvent};
use crate::dto::{CategoryDto, PriceRangeDto};
use crate::envelope::{self, Pagination};
use crate::error::ApiResult;
use crate::extract::{MaybeAuthUser, Path, QueryPairs};
use crate::query;

/// List categories
///
/// Top-level categories sorted by `sortOrder` then name; `tree=true` nests their children.
#[tracing::instrument(skip_all, fields(rpc = "ListCategories"))]
pub async fn list(
    State(state): State<AppState>,
    _caller: MaybeAuthUser,
    QueryPairs(pairs): QueryPairs,
) -> ApiResult<Response> {
    let tree = query::categories(&pairs)?;
    let request = ListCategoriesRequest {
        tree,
        include_inactive: false,
    };
    let categories = state
        .products()
        .list_categories(request)
        .await?
        .into_inner()
        .categories;
    let dtos: Vec<CategoryDto> = categories.iter().map(CategoryDto::from_list).collect();
    let pagination = Pagination::whole(dtos.len(), dtos.len() as u32);
    Ok(envelope::list(dtos, pagination))
}

/// Get a category by id or slug, with its children
#[tracing::instrument(skip_all, fields(rpc = "GetCategory", id_or_slug = %id_or_slug))]
pub async fn one(
    State(state): State<AppState>,
    _caller: MaybeAuthUser,
    Path(id_or_slug): Path<String>,
) -> ApiResult<Response> {
    let category = state
        .products()
        .get_category(GetCategoryRequest { id_or_slug })
        .await?
        .into_inner();
    let view = ServedEvent::category_view(&category.id);
    Ok(behaviour::served(
        envelope::ok(CategoryDto::with_children(&category)),
        [view],
    ))
}

/// Price range of the ACTIVE products (optionally of a category)
///
/// All zeros when nothing matches, including for an unknown category.
#[tracing::instrument(skip_all, fields(rpc = "GetPriceRange"))]
pub async fn price_range(
    State(state): State<AppState>,
    _caller: MaybeAuthUser,
    QueryPairs(pairs): QueryPairs,
) -> ApiResult<Response> {
    let category = query::price_range(&pairs)?;
    let result = state
        .products()
        .get_price_range(PriceRangeRequest {
            category: category.clone(),
        })
        .await;
    let range = empty_if_unknown_category(result, category.as_deref())?;
    Ok(envelope::ok(PriceRangeDto::from(&range)))
}
