//! Parsed queries → product-service requests.
use vici_proto::common::v1::PageRequest;
use vici_proto::product::v1::{
    ListProductsRequest, ListReviewsRequest, ProductFilter, SearchProductsRequest, SuggestRequest,
};

use super::{
    AdminListQuery, FilterQuery, ListQuery, PageQuery, ReviewsQuery, SearchQuery, SuggestQuery,
};

impl From<PageQuery> for PageRequest {
    fn from(p: PageQuery) -> Self {
        PageRequest {
            page: p.page,
            limit: p.limit,
        }
    }
}

impl FilterQuery {
    /// The storefront only ever sees ACTIVE products; admin listings set their own filter.
    pub fn to_proto(&self) -> ProductFilter {
        ProductFilter {
            category: self.category.clone(),
            min_price_cents: self.min_price_cents,
            max_price_cents: self.max_price_cents,
            min_rating: self.min_rating,
            in_stock: self.in_stock,
            is_featured: self.is_featured,
            is_new: self.is_new,
            is_on_sale: self.is_on_sale,
            tags: self.tags.clone(),
            include_all_statuses: false,
            status: 0,
        }
    }
}

impl ListQuery {
    pub fn to_request(&self) -> ListProductsRequest {
        ListProductsRequest {
            filter: Some(self.filter.to_proto()),
            sort: self.sort.into(),
            page: Some(self.page.into()),
            query: self.search.clone(),
        }
    }
}

impl AdminListQuery {
    /// Every status, unless one is asked for.
    pub fn to_request(&self) -> ListProductsRequest {
        let mut request = self.list.to_request();
        if let Some(filter) = request.filter.as_mut() {
            filter.include_all_statuses = true;
            filter.status = self.status.map_or(0, Into::into);
        }
        request
    }
}

impl SearchQuery {
    pub fn to_request(&self) -> SearchProductsRequest {
        SearchProductsRequest {
            query: self.query.clone(),
            filter: Some(self.filter.to_proto()),
            page: Some(self.page.into()),
            sort: self.sort.into(),
        }
    }
}

impl ReviewsQuery {
    pub fn to_request(self, product_id: String) -> ListReviewsRequest {
        ListReviewsRequest {
            product_id,
            page: Some(self.page.into()),
            sort: self.sort.into(),
        }
    }
}

impl SuggestQuery {
    pub fn to_request(&self) -> Option<SuggestRequest> {
        let query = self.query.clone()?;
        Some(SuggestRequest {
            query,
            limit: self.limit,
        })
    }
}
