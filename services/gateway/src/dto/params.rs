//! Query parameters as the OpenAPI document describes them. These structs exist for the
//! document only: the handlers parse raw pairs with [`crate::query`], which also reports every
//! malformed value instead of stopping at the first.
#![allow(dead_code)] // Fields are read by the `IntoParams` derive, never at run time.

use utoipa::IntoParams;

#[derive(IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
pub struct PageParams {
    /// Page number, from 1 (default 1).
    #[param(minimum = 1, default = 1)]
    page: Option<u32>,
    /// Results per page (default 20); above 100 is clamped to 100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    limit: Option<u32>,
    /// Alias of `limit`.
    page_size: Option<u32>,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
pub struct FilterParams {
    /// Category id or slug; includes its descendants. An unknown category yields an empty list.
    category: Option<String>,
    /// Lowest price in dollars (inclusive, at most 2 decimals); 0 or absent = unbounded.
    #[param(minimum = 0, example = 0)]
    min_price: Option<f64>,
    /// Highest price in dollars (inclusive, at most 2 decimals); 0 or absent = unbounded.
    #[param(minimum = 0, example = 200)]
    max_price: Option<f64>,
    /// Minimum rating, 0–5.
    #[param(minimum = 0, maximum = 5)]
    rating: Option<f64>,
    /// `true`/`false`: only products with (or without) stock.
    in_stock: Option<bool>,
    is_featured: Option<bool>,
    is_new: Option<bool>,
    is_on_sale: Option<bool>,
    /// Comma-separated tags; a product matches when it has any of them.
    tags: Option<String>,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Free text; switches the listing to search relevance.
    search: Option<String>,
    /// Alias of `search`.
    q: Option<String>,
    /// `featured` (default; `relevance` with a search) | `price-asc` | `price-desc` | `rating` |
    /// `newest` | `name` | `relevance`. Underscored forms (`price_asc`) are accepted.
    sort: Option<String>,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// The search text (required, non-blank); tolerant of typos and word prefixes.
    q: String,
    /// As for `GET /api/products`; default `relevance`.
    sort: Option<String>,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuggestParams {
    /// What the shopper typed so far; blank yields no suggestions.
    q: Option<String>,
    /// At most this many suggestions (default 5, max 20).
    limit: Option<u32>,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CategoriesParams {
    /// `true` nests children under their parents.
    tree: Option<bool>,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CategoryParams {
    /// Category id or slug; includes its descendants.
    category: Option<String>,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CuratedParams {
    /// How many products (default 10, max 100).
    limit: Option<u32>,
    /// Category id or slug (trending only); includes descendants.
    category: Option<String>,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LimitParams {
    /// How many products (default 10, max 100).
    limit: Option<u32>,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReviewParams {
    /// `newest` (default) | `helpful` | `rating-desc` | `rating-asc`.
    sort: Option<String>,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UsersParams {
    /// Part of the email or name (`q` is an alias).
    search: Option<String>,
    /// `customer` | `admin`.
    role: Option<String>,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrdersParams {
    /// An order status, any case: `PENDING`, `PAYMENT_PENDING`, `CONFIRMED`, `PROCESSING`,
    /// `SHIPPED`, `DELIVERED`, `CANCELLED`, `REFUNDED`.
    status: Option<String>,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AdminOrdersParams {
    /// From this day (`2026-11-24`) or RFC 3339 time, inclusive.
    from: Option<String>,
    /// To this day (inclusive, the whole day) or RFC 3339 time (exclusive).
    to: Option<String>,
    /// A user id, or part of the customer's email.
    customer: Option<String>,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AdminProductParams {
    /// Only this status: `ACTIVE` | `INACTIVE` | `OUT_OF_STOCK` | `DRAFT` (any case); every
    /// status when absent.
    status: Option<String>,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationsParams {
    /// `true`: only the unread ones.
    unread: Option<bool>,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
pub struct DeliveriesParams {
    /// `pending` | `sending` | `sent` | `failed` | `skipped`.
    status: Option<String>,
    /// `email` | `sms` | `in_app`.
    channel: Option<String>,
    /// Only this user's deliveries.
    user_id: Option<String>,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AnalyticsParams {
    /// First day (YYYY-MM-DD, UTC; an RFC 3339 time is read as its UTC day). Default: 29
    /// days before `to`.
    from: Option<String>,
    /// Last day, included. Default: today.
    to: Option<String>,
    /// `day` (default), `week` (from Monday) or `month`: the buckets of `revenueOverTime`.
    interval: Option<String>,
    /// How many top products (default 10, at most 50).
    #[param(minimum = 1, maximum = 50, default = 10)]
    limit: Option<u32>,
}
