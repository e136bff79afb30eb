//! `/admin/categories`: every category (inactive ones too) with its product count, and writes
//! through the product service. Deleting a category that products or sub-categories still use
//! is a 409 naming which. Each write empties this gateway's micro-cache at once; other gateway
//! processes follow from `product-events` (`crate::follow`).
use axum::extract::State;
use axum::response::Response;
use vici_proto::product::v1 as pb;
use vici_types::CategoryId;

use crate::AppState;
use crate::dto::CategoryDto;
use crate::dto::admin_category::CategoryBody;
use crate::dto::params::CategoriesParams;
use crate::envelope::{self, Pagination};
use crate::error::ApiResult;
use crate::extract::{AdminUser, Json, PathId, QueryPairs};
use crate::query;
use crate::routes::table::{Access::Admin, Route};

pub fn routes() -> Vec<Route> {
    vec![
        Route::get(Admin, "/admin/categories", list)
            .doc("Admin", "admin_list_categories", "All categories, inactive ones too")
            .describe("Every category, parents before their children; `tree=true` nests them instead.")
            .query::<CategoriesParams>()
            .page::<CategoryDto>(),
        Route::post(Admin, "/admin/categories", create)
            .refreshes()
            .doc("Admin", "admin_create_category", "Create a category")
            .created()
            .json::<CategoryBody>()
            .data::<CategoryDto>()
            .error(409, "The slug is taken"),
        Route::put(Admin, "/admin/categories/{id}", update)
            .refreshes()
            .doc("Admin", "admin_update_category", "Update a category")
            .describe("Only the fields given change; `parentId: null` makes it top-level. A rename shows on its products at once.")
            .json::<CategoryBody>()
            .data::<CategoryDto>()
            .error(409, "The slug is taken"),
        Route::delete(Admin, "/admin/categories/{id}", delete)
            .refreshes()
            .doc("Admin", "admin_delete_category", "Delete a category")
            .done()
            .error(409, "Products or sub-categories still use it (`details.products` or `details.children` counts them)"),
    ]
}

#[tracing::instrument(skip_all, fields(rpc = "ListCategories", admin = true))]
pub async fn list(
    State(state): State<AppState>,
    _admin: AdminUser,
    QueryPairs(pairs): QueryPairs,
) -> ApiResult<Response> {
    let tree = query::categories(&pairs)?;
    let request = pb::ListCategoriesRequest {
        tree: true,
        include_inactive: true,
    };
    let roots = state
        .products()
        .list_categories(request)
        .await?
        .into_inner()
        .categories;
    let dtos: Vec<CategoryDto> = if tree {
        roots.iter().map(CategoryDto::from_list).collect()
    } else {
        CategoryDto::flatten(&roots)
    };
    let pagination = Pagination::whole(dtos.len(), dtos.len() as u32);
    Ok(envelope::list(dtos, pagination))
}

#[tracing::instrument(skip_all, fields(rpc = "CreateCategory"))]
pub async fn create(
    State(state): State<AppState>,
    _admin: AdminUser,
    Json(body): Json<CategoryBody>,
) -> ApiResult<Response> {
    let created = state
        .products()
        .create_category(body.into_input()?)
        .await?
        .into_inner();
    Ok(envelope::created(CategoryDto::with_children(&created)))
}

#[tracing::instrument(skip_all, fields(rpc = "UpdateCategory", id = %id))]
pub async fn update(
    State(state): State<AppState>,
    _admin: AdminUser,
    PathId(id): PathId<CategoryId>,
    Json(body): Json<CategoryBody>,
) -> ApiResult<Response> {
    let request = pb::UpdateCategoryRequest {
        id: id.into(),
        patch: Some(body.into_patch()?),
    };
    let updated = state
        .products()
        .update_category(request)
        .await?
        .into_inner();
    Ok(envelope::ok(CategoryDto::with_children(&updated)))
}

#[tracing::instrument(skip_all, fields(rpc = "DeleteCategory", id = %id))]
pub async fn delete(
    State(state): State<AppState>,
    _admin: AdminUser,
    PathId(id): PathId<CategoryId>,
) -> ApiResult<Response> {
    let request = pb::DeleteCategoryRequest { id: id.into() };
    state.products().delete_category(request).await?;
    Ok(envelope::done("Category deleted"))
}
