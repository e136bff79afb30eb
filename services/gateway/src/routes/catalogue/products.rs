//! Product listing, detail, search and autocomplete.
use axum::extract::State;
use axum::response::Response;
use vici_proto::common::v1::PageInfo;
use vici_proto::product::v1::get_product_request::Key;
use vici_proto::product::v1::{GetProductRequest, ListProductsRequest, Product, ProductPage};
use vici_types::ProductId;

use super::empty_if_unknown_category;
use crate::AppState;
use crate::behaviour::{self, ServedEvent};
use crate::dto::{self, SearchResultDto, SuggestionDto};
use crate::envelope::{self, Pagination};
use crate::error::ApiResult;
use crate::extract::{MaybeAuthUser, Path, PathId, QueryPairs};
use crate::query::{self, ListQuery, PageQuery};

/// List products
///
/// Filters, sorts and pages the ACTIVE catalogue; with `search`/`q` the list is ranked by
/// search relevance. Ties are broken by name then id, so pages never overlap.
#[tracing::instrument(skip_all, fields(rpc = "ListProducts"))]
pub async fn list(
    State(state): State<AppState>,
    _caller: MaybeAuthUser,
    QueryPairs(pairs): QueryPairs,
) -> ApiResult<Response> {
    let q = query::list(&pairs)?;
    let page = list_page(&state, q.to_request(), &q).await?;
    let ids = ids_of(&page.products);
    let seen = match &q.search {
        Some(text) => Some(ServedEvent::search(
            text,
            total_of(page.page.as_ref()),
            &ids,
        )),
        None => ServedEvent::list(q.filter.category.as_deref(), &ids, first_position(q.page)),
    };
    Ok(behaviour::served(render(&page, &q), seen))
}

/// One `ListProducts` call rendered as a page; an unknown `category` is an empty page.
pub async fn listed(
    state: &AppState,
    request: ListProductsRequest,
    q: &ListQuery,
) -> ApiResult<Response> {
    Ok(render(&list_page(state, request, q).await?, q))
}

async fn list_page(
    state: &AppState,
    request: ListProductsRequest,
    q: &ListQuery,
) -> ApiResult<ProductPage> {
    let result = state.list_products(request).await;
    empty_if_unknown_category(result, q.filter.category.as_deref())
}

fn render(page: &ProductPage, q: &ListQuery) -> Response {
    envelope::list(
        dto::rendered::products(&page.products),
        Pagination::from_info(page.page.as_ref(), q.page),
    )
}

/// The ids of `products`, in the order shown.
pub fn ids_of(products: &[Product]) -> Vec<String> {
    products.iter().map(|p| p.id.clone()).collect()
}

/// How many products the whole list holds.
fn total_of(page: Option<&PageInfo>) -> i64 {
    page.map_or(0, |p| i64::try_from(p.total).unwrap_or(i64::MAX))
}

/// The position (from 0) of the first product of `page` in the whole list.
fn first_position(page: PageQuery) -> u64 {
    u64::from(page.page.saturating_sub(1)) * u64::from(page.limit)
}

/// Admins see products of every status; everyone else only ACTIVE ones.
async fn get_product(state: &AppState, key: Key, caller: MaybeAuthUser) -> ApiResult<Response> {
    let admin = caller.0.is_some_and(|c| c.is_admin());
    let request = GetProductRequest {
        key: Some(key),
        include_all_statuses: admin,
    };
    let product = state.get_product(request).await?.into_inner();
    // An administrator looking a product over is not shopping.
    let view = (!admin)
        .then(|| ServedEvent::product_view(&product.id, &product.category_id, product.price_cents));
    Ok(behaviour::served(
        envelope::ok(dto::rendered::product(&product)),
        view,
    ))
}

/// Get a product by id
///
/// Unknown, INACTIVE and DRAFT products are 404 (admins see every status), and so is an id
/// that is not a UUID.
#[tracing::instrument(skip_all, fields(rpc = "GetProduct", id = %id))]
pub async fn by_id(
    State(state): State<AppState>,
    caller: MaybeAuthUser,
    PathId(id): PathId<ProductId>,
) -> ApiResult<Response> {
    get_product(&state, Key::Id(id.into()), caller).await
}

/// Get a product by slug
#[tracing::instrument(skip_all, fields(rpc = "GetProduct", slug = %slug))]
pub async fn by_slug(
    State(state): State<AppState>,
    caller: MaybeAuthUser,
    Path(slug): Path<String>,
) -> ApiResult<Response> {
    get_product(&state, Key::Slug(slug), caller).await
}

/// Search products
///
/// Ranked by relevance, tolerant of typos and word prefixes; accepts the list filters.
/// `data` holds the products with facets and spelling suggestions; `pagination` is a sibling.
#[tracing::instrument(skip_all, fields(rpc = "SearchProducts"))]
pub async fn search(
    State(state): State<AppState>,
    _caller: MaybeAuthUser,
    QueryPairs(pairs): QueryPairs,
) -> ApiResult<Response> {
    let q = query::search(&pairs)?;
    let result = state.search_products(q.to_request()).await;
    let found = empty_if_unknown_category(result, q.filter.category.as_deref())?;
    let pagination = Pagination::from_info(found.page.as_ref(), q.page);
    let total = total_of(found.page.as_ref());
    let search = ServedEvent::search(&q.query, total, &ids_of(&found.products));
    Ok(behaviour::served(
        envelope::list(SearchResultDto::from(&found), pagination),
        [search],
    ))
}

/// Autocomplete suggestions
#[tracing::instrument(skip_all, fields(rpc = "Suggest"))]
pub async fn suggest(
    State(state): State<AppState>,
    _caller: MaybeAuthUser,
    QueryPairs(pairs): QueryPairs,
) -> ApiResult<Response> {
    let q = query::suggest(&pairs)?;
    let suggestions: Vec<SuggestionDto> = match q.to_request() {
        Some(request) => state
            .products()
            .suggest(request)
            .await?
            .into_inner()
            .suggestions
            .iter()
            .map(SuggestionDto::from)
            .collect(),
        None => Vec::new(),
    };
    let pagination = Pagination::whole(suggestions.len(), q.limit);
    Ok(envelope::list(suggestions, pagination))
}
