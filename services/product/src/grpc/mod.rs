//! The gRPC handlers: each decodes its request, calls one use case of `service`, and encodes
//! the answer. Errors are `vici_kit::Error`s, turned into statuses that keep their code and
//! details for the gateway.
mod convert;
mod vocabulary;

use std::sync::Arc;
use vici_types::{CategoryId, ProductId, ReviewId, TypedId as _, UserId};

use tonic::{Request, Response, Status};
use vici_proto::common::v1::Empty;
use vici_proto::paging::Page;
use vici_proto::product::v1 as pb;
use vici_proto::product::v1::product_service_server::ProductService;

use crate::service::Service;
use crate::service::browse::ProductKey;

pub struct ProductApi {
    service: Arc<Service>,
}

impl ProductApi {
    pub fn new(service: Arc<Service>) -> Self {
        Self { service }
    }
}

type Reply<T> = Result<Response<T>, Status>;

#[tonic::async_trait]
impl ProductService for ProductApi {
    async fn list_products(&self, req: Request<pb::ListProductsRequest>) -> Reply<pb::ProductPage> {
        let r = req.into_inner();
        let (filter, sort, page) = (
            convert::filter(r.filter)?,
            vocabulary::sort(r.sort)?,
            Page::asked(r.page),
        );
        let (products, total) = self.service.list(filter, sort, page, r.query).await?;
        Ok(Response::new(pb::ProductPage {
            products: convert::products(products),
            page: page.info(total),
        }))
    }

    async fn search_products(
        &self,
        req: Request<pb::SearchProductsRequest>,
    ) -> Reply<pb::SearchProductsResponse> {
        let r = req.into_inner();
        let (filter, sort, page) = (
            convert::filter(r.filter)?,
            vocabulary::sort(r.sort)?,
            Page::asked(r.page),
        );
        let found = self.service.search(r.query, filter, sort, page).await?;
        Ok(Response::new(convert::search_response(found, page)))
    }

    async fn suggest(&self, req: Request<pb::SuggestRequest>) -> Reply<pb::SuggestResponse> {
        let r = req.into_inner();
        let found = self.service.suggest(r.query, r.limit).await?;
        let suggestions = found
            .into_iter()
            .map(|s| pb::Suggestion {
                text: s.text,
                product_id: s.product_id,
                slug: s.slug,
            })
            .collect();
        Ok(Response::new(pb::SuggestResponse { suggestions }))
    }

    async fn get_product(&self, req: Request<pb::GetProductRequest>) -> Reply<pb::Product> {
        let r = req.into_inner();
        let key = match r.key {
            Some(pb::get_product_request::Key::Id(id)) => ProductKey::Id(id),
            Some(pb::get_product_request::Key::Slug(slug)) => ProductKey::Slug(slug),
            None => {
                return Err(vici_kit::Error::validation("id", "Give a product id or slug").into());
            }
        };
        let found = self.service.get(key, r.include_all_statuses).await?;
        Ok(Response::new(convert::product(found)))
    }

    async fn get_products(&self, req: Request<pb::GetProductsRequest>) -> Reply<pb::ProductList> {
        let r = req.into_inner();
        let found = self.service.get_many(r.ids, r.include_all_statuses).await?;
        Ok(Response::new(pb::ProductList {
            products: convert::products(found),
        }))
    }

    async fn list_curated(&self, req: Request<pb::ListCuratedRequest>) -> Reply<pb::ProductList> {
        let r = req.into_inner();
        let kind = vocabulary::kind(r.kind)?;
        let found = self
            .service
            .curated(kind, r.product_id, r.category, r.limit, r.exclude_ids)
            .await?;
        Ok(Response::new(pb::ProductList {
            products: convert::products(found),
        }))
    }

    async fn list_categories(
        &self,
        req: Request<pb::ListCategoriesRequest>,
    ) -> Reply<pb::CategoryList> {
        let r = req.into_inner();
        let nodes = self
            .service
            .list_categories(r.tree, r.include_inactive)
            .await?;
        Ok(Response::new(pb::CategoryList {
            categories: nodes.into_iter().map(convert::category).collect(),
        }))
    }

    async fn get_category(&self, req: Request<pb::GetCategoryRequest>) -> Reply<pb::Category> {
        let node = self
            .service
            .get_category(&req.into_inner().id_or_slug)
            .await?;
        Ok(Response::new(convert::category(node)))
    }

    async fn get_price_range(&self, req: Request<pb::PriceRangeRequest>) -> Reply<pb::PriceRange> {
        let (min_cents, max_cents, avg_cents, product_count) =
            self.service.price_range(req.into_inner().category).await?;
        Ok(Response::new(pb::PriceRange {
            min_cents,
            max_cents,
            avg_cents,
            product_count,
        }))
    }

    async fn list_reviews(&self, req: Request<pb::ListReviewsRequest>) -> Reply<pb::ReviewPage> {
        let r = req.into_inner();
        let (sort, page) = (vocabulary::review_sort(r.sort)?, Page::asked(r.page));
        let product = ProductId::from_path(&r.product_id)?;
        let (reviews, total, summary) = self
            .service
            .list_reviews(product.as_str(), sort, page)
            .await?;
        Ok(Response::new(pb::ReviewPage {
            reviews: reviews.into_iter().map(convert::review).collect(),
            page: page.info(total),
            summary: Some(pb::ReviewSummary {
                average: summary.average,
                count: summary.count,
                distribution: summary.distribution.to_vec(),
            }),
        }))
    }

    async fn create_review(&self, req: Request<pb::CreateReviewRequest>) -> Reply<pb::Review> {
        let (product, draft) = convert::review_draft(req.into_inner())?;
        let review = self.service.create_review(product.as_str(), draft).await?;
        Ok(Response::new(convert::review(review)))
    }

    async fn mark_review_helpful(
        &self,
        req: Request<pb::MarkReviewHelpfulRequest>,
    ) -> Reply<pb::Review> {
        let r = req.into_inner();
        let (review, user) = (
            ReviewId::from_path(&r.review_id)?,
            UserId::parse(&r.user_id)?,
        );
        let review = self
            .service
            .mark_helpful(review.as_str(), user.as_str())
            .await?;
        Ok(Response::new(convert::review(review)))
    }

    async fn create_product(&self, req: Request<pb::ProductInput>) -> Reply<pb::Product> {
        let (draft, category) = convert::draft(req.into_inner())?;
        let created = self.service.create_product(draft, &category).await?;
        Ok(Response::new(convert::product(created)))
    }

    async fn update_product(&self, req: Request<pb::UpdateProductRequest>) -> Reply<pb::Product> {
        let r = req.into_inner();
        let (patch, category) = convert::patch(r.patch.unwrap_or_default())?;
        let updated = self
            .service
            .update_product(
                ProductId::from_path(&r.id)?.as_str(),
                patch,
                category.as_deref(),
            )
            .await?;
        Ok(Response::new(convert::product(updated)))
    }

    async fn delete_product(&self, req: Request<pb::DeleteProductRequest>) -> Reply<Empty> {
        let product = ProductId::from_path(&req.into_inner().id)?;
        self.service.delete_product(product.as_str()).await?;
        Ok(Response::new(Empty {}))
    }

    async fn add_product_image(
        &self,
        req: Request<pb::AddProductImageRequest>,
    ) -> Reply<pb::Product> {
        let r = req.into_inner();
        // `content_type` and `filename` are the client's claims; the bytes decide the type.
        let product = ProductId::from_path(&r.product_id)?;
        let updated = self.service.add_image(product.as_str(), r.data).await?;
        Ok(Response::new(convert::product(updated)))
    }

    async fn create_category(&self, req: Request<pb::CategoryInput>) -> Reply<pb::Category> {
        let node = self
            .service
            .create_category(convert::new_category(req.into_inner()))
            .await?;
        Ok(Response::new(convert::category(node)))
    }

    async fn update_category(
        &self,
        req: Request<pb::UpdateCategoryRequest>,
    ) -> Reply<pb::Category> {
        let r = req.into_inner();
        let node = self
            .service
            .update_category(
                CategoryId::from_path(&r.id)?.as_str(),
                convert::category_patch(r.patch.unwrap_or_default()),
            )
            .await?;
        Ok(Response::new(convert::category(node)))
    }

    async fn delete_category(&self, req: Request<pb::DeleteCategoryRequest>) -> Reply<Empty> {
        let category = CategoryId::from_path(&req.into_inner().id)?;
        self.service.delete_category(category.as_str()).await?;
        Ok(Response::new(Empty {}))
    }
}
