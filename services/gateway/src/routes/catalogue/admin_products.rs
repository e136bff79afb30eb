//! `/admin/products`: the whole catalogue for the admin — every status, with the listing's
//! filters, sorts and paging — and its writes through the product service. Each write empties
//! this gateway's micro-cache at once; other gateway processes follow from `product-events`
//! (`crate::follow`), and the product service re-indexes search at once on every replica.
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::response::Response;
use vici_proto::product::v1 as pb;
use vici_types::ProductId;

use super::products::listed;
use crate::AppState;
use crate::dto::ProductDto;
use crate::dto::admin_catalogue::ProductBody;
use crate::dto::params::{AdminProductParams, FilterParams, ListParams, PageParams};
use crate::envelope;
use crate::error::ApiResult;
use crate::extract::{AdminUser, Json, PathId, QueryPairs};
use crate::routes::UPLOAD_LIMIT_BYTES;
use crate::routes::table::{Access::Admin, Route};
use crate::{query, upload};

pub fn routes() -> Vec<Route> {
    vec![
        Route::get(Admin, "/admin/products", list)
            .doc("Admin", "admin_list_products", "All products, every status")
            .describe("The filters, sorts and paging of `GET /products`, over every status or the one `status` names.")
            .query::<AdminProductParams>()
            .query::<ListParams>()
            .query::<FilterParams>()
            .query::<PageParams>()
            .page::<ProductDto>(),
        Route::post(Admin, "/admin/products", create)
            .refreshes()
            .doc("Admin", "admin_create_product", "Create a product")
            .describe("`name`, `price` and `categoryId` (or `category`, an id or slug) are required; `stock` sets the units in stock to start with.")
            .created()
            .json::<ProductBody>()
            .data::<ProductDto>()
            .error(409, "The slug or SKU is taken"),
        Route::put(Admin, "/admin/products/{id}", update)
            .refreshes()
            .doc("Admin", "admin_update_product", "Update a product")
            .describe("Only the fields given change. `stock` and `variants` are not changed here: stock goes through `/admin/inventory`.")
            .json::<ProductBody>()
            .data::<ProductDto>()
            .error(409, "The slug or SKU is taken"),
        Route::delete(Admin, "/admin/products/{id}", delete)
            .refreshes()
            .doc("Admin", "admin_delete_product", "Retire a product (soft delete)")
            .describe("The product becomes INACTIVE: shoppers no longer see it; orders and reviews keep pointing at it.")
            .done(),
        Route::post(Admin, "/admin/products/{id}/images", upload_image)
            .refreshes()
            .doc("Admin", "admin_upload_product_image", "Upload a product image (multipart)")
            .describe("JPEG, PNG or WebP (decided from the bytes), at most 5 MB; appended to `images`.")
            .upload()
            .data::<ProductDto>(),
    ]
}

#[tracing::instrument(skip_all, fields(rpc = "ListProducts", admin = true))]
pub async fn list(
    State(state): State<AppState>,
    _admin: AdminUser,
    QueryPairs(pairs): QueryPairs,
) -> ApiResult<Response> {
    let q = query::admin_products(&pairs)?;
    listed(&state, q.to_request(), &q.list).await
}

#[tracing::instrument(skip_all, fields(rpc = "CreateProduct"))]
pub async fn create(
    State(state): State<AppState>,
    _admin: AdminUser,
    Json(body): Json<ProductBody>,
) -> ApiResult<Response> {
    let (input, renames) = body.into_input()?;
    let created = state
        .products()
        .create_product(input)
        .await
        .map_err(|s| renames.refusal(s))?;
    Ok(envelope::created(ProductDto::from(&created.into_inner())))
}

#[tracing::instrument(skip_all, fields(rpc = "UpdateProduct", id = %id))]
pub async fn update(
    State(state): State<AppState>,
    _admin: AdminUser,
    PathId(id): PathId<ProductId>,
    Json(body): Json<ProductBody>,
) -> ApiResult<Response> {
    let (patch, renames) = body.into_patch()?;
    let request = pb::UpdateProductRequest {
        id: id.into(),
        patch: Some(patch),
    };
    let updated = state
        .products()
        .update_product(request)
        .await
        .map_err(|s| renames.refusal(s))?;
    Ok(envelope::ok(ProductDto::from(&updated.into_inner())))
}

#[tracing::instrument(skip_all, fields(rpc = "DeleteProduct", id = %id))]
pub async fn delete(
    State(state): State<AppState>,
    _admin: AdminUser,
    PathId(id): PathId<ProductId>,
) -> ApiResult<Response> {
    let request = pb::DeleteProductRequest { id: id.into() };
    state.products().delete_product(request).await?;
    Ok(envelope::done(
        "The product is retired (INACTIVE): shoppers no longer see it",
    ))
}

#[tracing::instrument(skip_all, fields(rpc = "AddProductImage", id = %id))]
pub async fn upload_image(
    State(state): State<AppState>,
    _admin: AdminUser,
    PathId(id): PathId<ProductId>,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<Response> {
    let file = upload::first_file(multipart, UPLOAD_LIMIT_BYTES, "image").await?;
    let request = pb::AddProductImageRequest {
        product_id: id.into(),
        // The product service decides the type from the bytes, never from the client's claim.
        content_type: String::new(),
        data: file.data,
        filename: file.filename,
    };
    let updated = state.products().add_product_image(request).await?;
    Ok(envelope::ok(ProductDto::from(&updated.into_inner())))
}
