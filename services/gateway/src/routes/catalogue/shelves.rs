//! The recommendation shelves (recommendations.md §4). The recommendation service walks each
//! shelf's chain of sources in its store; this gateway hydrates the products in one batch
//! (dropping any no longer on sale) and fills the rest of `limit` from the catalogue — the
//! product's own category first for a shelf about a product, else the shop's best — so a shelf
//! is full whenever the catalogue has enough products. A recommendation service that fails
//! costs a shelf its personalisation, never the page.
use std::collections::HashMap;

use axum::extract::State;
use axum::response::Response;
use vici_proto::product::v1::{
    CuratedKind, GetCategoryRequest, GetProductsRequest, ListCuratedRequest, Product,
};
use vici_proto::recommendation::v1::{RecommendRequest, RecommendationKind};
use vici_proto::vocabulary::Spelled;
use vici_types::ProductId;

use crate::AppState;
use crate::behaviour::{self, ServedEvent, Shopper};
use crate::dto::{self, ShelfEnvelope, ShelfMeta};
use crate::envelope::{self, Pagination};
use crate::error::ApiResult;
use crate::extract::{PathId, QueryPairs};
use crate::query::{self, CuratedQuery};

/// Products recommended for the caller
///
/// Personalised from the caller's (or the `X-Session-Id` session's) behaviour; trending and
/// popular products fill the rest. Never 401.
#[tracing::instrument(skip_all, fields(rpc = "Recommend"))]
pub async fn recommended(
    State(state): State<AppState>,
    shopper: Shopper,
    QueryPairs(pairs): QueryPairs,
) -> ApiResult<Response> {
    let q = query::curated(&pairs)?;
    shelf(
        &state,
        RecommendationKind::Recommended,
        None,
        Some(shopper),
        q,
    )
    .await
}

/// Products the caller (or the `X-Session-Id` session) viewed, newest first.
#[tracing::instrument(skip_all, fields(rpc = "Recommend"))]
pub async fn recently_viewed(
    State(state): State<AppState>,
    shopper: Shopper,
    QueryPairs(pairs): QueryPairs,
) -> ApiResult<Response> {
    let q = query::curated(&pairs)?;
    let kind = RecommendationKind::RecentlyViewed;
    shelf(&state, kind, None, Some(shopper), q).await
}

/// Generates a handler for a shelf that is the same for every shopper (and so cacheable).
macro_rules! shared_shelf {
    ($name:ident, $kind:expr) => {
        #[tracing::instrument(skip_all, fields(rpc = "Recommend", kind = $kind.spelling()))]
        pub async fn $name(
            State(state): State<AppState>,
            QueryPairs(pairs): QueryPairs,
        ) -> ApiResult<Response> {
            shelf(&state, $kind, None, None, query::curated(&pairs)?).await
        }
    };
}

/// Generates a handler for a shelf about one product (`/products/{id}/...`).
macro_rules! product_shelf {
    ($name:ident, $kind:expr) => {
        #[tracing::instrument(skip_all, fields(rpc = "Recommend", kind = $kind.spelling(), id = %id))]
        pub async fn $name(
            State(state): State<AppState>,
            PathId(id): PathId<ProductId>,
            QueryPairs(pairs): QueryPairs,
        ) -> ApiResult<Response> {
            let q = query::curated(&pairs)?;
            shelf(&state, $kind, Some(id.into()), None, q).await
        }
    };
}

shared_shelf!(trending, RecommendationKind::Trending);
shared_shelf!(new_arrivals, RecommendationKind::NewArrivals);
product_shelf!(related, RecommendationKind::Related);
product_shelf!(
    bought_together,
    RecommendationKind::FrequentlyBoughtTogether
);

/// Products and the source of each.
#[derive(Default)]
struct Filled {
    products: Vec<Product>,
    sources: Vec<&'static str>,
}

impl Filled {
    /// Adds `product` unless it is there (the catalogue is asked to exclude what is, and a
    /// shelf holds each product once even if it did not).
    fn push(&mut self, product: Product, source: &'static str) {
        if self.products.iter().all(|p| p.id != product.id) {
            self.products.push(product);
            self.sources.push(source);
        }
    }

    fn ids(&self) -> Vec<String> {
        self.products.iter().map(|p| p.id.clone()).collect()
    }
}

async fn shelf(
    state: &AppState,
    kind: RecommendationKind,
    about: Option<String>,
    shopper: Option<Shopper>,
    q: CuratedQuery,
) -> ApiResult<Response> {
    let limit = q.limit as usize;
    let mut meta = ShelfMeta {
        request_id: vici_types::new_id(),
        ..ShelfMeta::default()
    };
    // One category's trending shelf covers its descendants: the tree is the catalogue's.
    let categories = match &q.category {
        Some(key) => match subtree(state, key).await? {
            Some(ids) => ids,
            None => return Ok(empty_shelf(q.limit, meta)),
        },
        None => Vec::new(),
    };
    let asked = Asked {
        kind,
        about: about.as_deref(),
        shopper: shopper.as_ref(),
        categories,
        limit: q.limit,
    };
    let (picked, avoid) = recommend(state, asked, &mut meta).await;
    let mut wanted: Vec<String> = picked.iter().map(|(id, _)| id.clone()).collect();
    wanted.extend(about.iter().cloned());
    let mut found = hydrate(state, wanted).await?;
    let about_category = about
        .as_ref()
        .and_then(|id| found.get(id))
        .map(|p| p.category_id.clone());
    let mut filled = Filled::default();
    for (id, source) in picked {
        if filled.products.len() < limit
            && let Some(product) = found.remove(&id)
        {
            filled.push(product, source);
        }
    }
    for &fill in catalogue_fills(kind) {
        if filled.products.len() >= limit {
            break;
        }
        let mut exclude_ids = filled.ids();
        exclude_ids.extend(about.iter().cloned());
        exclude_ids.extend(avoid.iter().cloned());
        let about_it = matches!(
            fill,
            CuratedKind::Related | CuratedKind::FrequentlyBoughtTogether
        );
        let request = ListCuratedRequest {
            kind: fill.into(),
            product_id: about.clone().filter(|_| about_it),
            category: q.category.clone(),
            limit: (limit - filled.products.len()) as u32,
            exclude_ids,
        };
        let more = state.products().list_curated(request).await?.into_inner();
        for product in more.products {
            let source = fill_source(kind, &q, &product, about_category.as_deref());
            filled.push(product, source);
        }
    }
    let ids = filled.ids();
    meta.sources = filled.sources;
    let impression = ServedEvent::impression(kind.spelling(), &ids, &meta);
    let body = ShelfEnvelope {
        success: true,
        data: dto::rendered::products(&filled.products),
        pagination: Pagination::whole(ids.len(), q.limit),
        meta,
    };
    Ok(behaviour::served(
        envelope::with_total(body, ids.len() as u64),
        impression,
    ))
}

/// What a shelf asks the recommendation service for.
struct Asked<'a> {
    kind: RecommendationKind,
    about: Option<&'a str>,
    shopper: Option<&'a Shopper>,
    categories: Vec<String>,
    limit: u32,
}

/// The recommendation service's picks with their sources, and what no filler may add (`meta`
/// filled in); none when it cannot answer.
async fn recommend(
    state: &AppState,
    asked: Asked<'_>,
    meta: &mut ShelfMeta,
) -> (Vec<(String, &'static str)>, Vec<String>) {
    let request = RecommendRequest {
        kind: asked.kind.into(),
        user_id: asked.shopper.and_then(|s| s.user.clone()),
        session_id: asked.shopper.map(|s| s.session.clone()),
        product_id: asked.about.map(str::to_string),
        limit: asked.limit,
        category_ids: asked.categories,
    };
    let answer = match state.recommendations().recommend(request).await {
        Ok(answer) => answer.into_inner(),
        Err(status) => {
            tracing::warn!(code = ?status.code(), message = status.message(), "recommendations unavailable; the catalogue fills the shelf");
            return Default::default();
        }
    };
    meta.request_id = answer.request_id;
    meta.generation = answer.generation;
    meta.model_version = answer.model_version;
    let picked = answer
        .items
        .into_iter()
        .map(|item| (item.product_id, known_source(&item.source)))
        .collect();
    (picked, answer.avoid_ids)
}

/// The ids of the category `key` (an id or a slug) and of its descendants; `None` for an
/// unknown category (the contract answers an empty list).
async fn subtree(state: &AppState, key: &str) -> ApiResult<Option<Vec<String>>> {
    let request = GetCategoryRequest {
        id_or_slug: key.to_string(),
    };
    let root = match state.products().get_category(request).await {
        Ok(found) => found.into_inner(),
        Err(status) if status.code() == tonic::Code::NotFound => return Ok(None),
        Err(status) => return Err(status.into()),
    };
    let mut ids = Vec::new();
    let mut open = vec![root];
    while let Some(category) = open.pop() {
        ids.push(category.id);
        open.extend(category.children);
    }
    Ok(Some(ids))
}

/// An empty shelf (a category the catalogue does not have).
fn empty_shelf(limit: u32, meta: ShelfMeta) -> Response {
    let body = ShelfEnvelope {
        success: true,
        data: Vec::new(),
        pagination: Pagination::whole(0, limit),
        meta,
    };
    envelope::with_total(body, 0)
}

/// The products of `ids` on sale, by id; one call.
async fn hydrate(state: &AppState, ids: Vec<String>) -> ApiResult<HashMap<String, Product>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let request = GetProductsRequest {
        ids,
        include_all_statuses: false,
    };
    let found = state.products().get_products(request).await?.into_inner();
    Ok(found
        .products
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect())
}

/// The catalogue's lists that fill `kind`, in turn: for a shelf about a product, its
/// category's (which may hold nothing else), then the shop's best. None for a shopper's own
/// history.
fn catalogue_fills(kind: RecommendationKind) -> &'static [CuratedKind] {
    match kind {
        RecommendationKind::Recommended => &[CuratedKind::Recommended],
        RecommendationKind::Trending => &[CuratedKind::Trending],
        RecommendationKind::NewArrivals => &[CuratedKind::NewArrivals],
        RecommendationKind::Related => &[CuratedKind::Related, CuratedKind::Recommended],
        RecommendationKind::FrequentlyBoughtTogether => &[
            CuratedKind::FrequentlyBoughtTogether,
            CuratedKind::Recommended,
        ],
        RecommendationKind::RecentlyViewed | RecommendationKind::Unspecified => &[],
    }
}

/// Where a product the catalogue filled in comes from, as `meta.sources` names it.
fn fill_source(
    kind: RecommendationKind,
    q: &CuratedQuery,
    product: &Product,
    about_category: Option<&str>,
) -> &'static str {
    let same_category = about_category == Some(product.category_id.as_str());
    match kind {
        RecommendationKind::NewArrivals => "new_arrivals",
        _ if q.category.is_some() || same_category => "category",
        _ => "popular",
    }
}

/// A source named by the contract (the service's own names, checked here so `meta.sources`
/// never carries an unknown word).
fn known_source(source: &str) -> &'static str {
    const KNOWN: [&str; 8] = [
        "personalized",
        "similar",
        "bought_together",
        "trending",
        "popular",
        "category",
        "new_arrivals",
        "history",
    ];
    KNOWN
        .into_iter()
        .find(|known| *known == source)
        .unwrap_or("popular")
}
