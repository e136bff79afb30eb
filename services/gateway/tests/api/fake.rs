//! A small in-test product service: canned answers, and a record of what the gateway asked,
//! so tests can check query parsing at the gRPC boundary.
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tonic::{Request, Response, Status};
use vici_kit::{Error, ErrorCode};
use vici_proto::common::v1::{Empty, PageInfo};
use vici_proto::product::v1::get_product_request::Key;
use vici_proto::product::v1::product_service_server::ProductService;
use vici_proto::product::v1::*;

pub const HEADPHONES_ID: &str = "0191e3c1-7a2b-7c3d-8e4f-a1b2c3d4e5f6";
pub const MUG_ID: &str = "0191e3c1-7a2b-7c3d-8e4f-000000000002";
/// `GetProduct` for this id answers only after [`SLOW`], to exercise the request deadline.
pub const SLOW_ID: &str = "0191e3c1-7a2b-7c3d-8e4f-00000000dead";
pub const SLOW: Duration = Duration::from_secs(3);
/// The category the fake reports as unknown with NOT_FOUND (the contract wants an empty list).
pub const UNKNOWN_CATEGORY: &str = "no-such-category";

#[derive(Default)]
pub struct FakeCatalogue {
    pub list_requests: Mutex<Vec<ListProductsRequest>>,
    pub search_requests: Mutex<Vec<SearchProductsRequest>>,
    pub curated_requests: Mutex<Vec<ListCuratedRequest>>,
    pub review_requests: Mutex<Vec<ListReviewsRequest>>,
    pub calls: AtomicUsize,
}

impl FakeCatalogue {
    pub fn last_list(&self) -> ListProductsRequest {
        self.list_requests
            .lock()
            .unwrap()
            .last()
            .cloned()
            .expect("a ListProducts call")
    }

    pub fn last_curated(&self) -> ListCuratedRequest {
        self.curated_requests
            .lock()
            .unwrap()
            .last()
            .cloned()
            .expect("a ListCurated call")
    }

    fn count(&self) {
        self.calls.fetch_add(1, Ordering::SeqCst);
    }
}

pub fn headphones() -> Product {
    Product {
        id: HEADPHONES_ID.into(),
        name: "Wireless Headphones".into(),
        slug: "wireless-headphones".into(),
        description: "Noise-cancelling".into(),
        long_description: "Long text".into(),
        price_cents: 12_999,
        original_price_cents: Some(15_999),
        currency: "USD".into(),
        category_id: "0191e3c1-0000-7000-8000-0000000000c1".into(),
        category_name: "Audio".into(),
        category_slug: "audio".into(),
        images: vec![
            "/api/media/products/h/1.jpg".into(),
            "/api/media/products/h/2.jpg".into(),
        ],
        rating: 4.46,
        review_count: 12,
        stock: 5,
        specifications_json: r#"{"battery":"30 h","weight":"250 g"}"#.into(),
        tags: vec!["audio".into(), "wireless".into()],
        is_new: true,
        is_featured: true,
        is_on_sale: true,
        sku: "HP-001".into(),
        status: ProductStatus::Active.into(),
        variants: vec![Variant {
            id: "v1".into(),
            name: "Black".into(),
            sku: "HP-001-B".into(),
            price_cents: 13_999,
            stock: 2,
            attributes: [("color".to_string(), "black".to_string())].into(),
        }],
        created_at: "2024-01-01T00:00:00Z".into(),
        updated_at: "2024-01-02T00:00:00Z".into(),
    }
}

pub fn mug() -> Product {
    Product {
        id: MUG_ID.into(),
        name: "Mug".into(),
        slug: "mug".into(),
        price_cents: 1_000,
        original_price_cents: None,
        currency: "USD".into(),
        images: vec!["/api/media/products/m/1.jpg".into()],
        stock: 0,
        status: ProductStatus::Active.into(),
        ..Default::default()
    }
}

fn page(
    products: Vec<Product>,
    page: Option<vici_proto::common::v1::PageRequest>,
) -> (Vec<Product>, PageInfo) {
    let p = page.unwrap_or_default();
    let total = products.len() as u64;
    (
        products,
        PageInfo {
            page: p.page,
            limit: p.limit,
            total,
        },
    )
}

fn category(id: &str, slug: &str, children: Vec<Category>) -> Category {
    Category {
        id: id.into(),
        name: slug.to_uppercase(),
        slug: slug.into(),
        product_count: 2,
        is_active: true,
        children,
        ..Default::default()
    }
}

#[tonic::async_trait]
impl ProductService for FakeCatalogue {
    async fn list_products(
        &self,
        req: Request<ListProductsRequest>,
    ) -> Result<Response<ProductPage>, Status> {
        self.count();
        let req = req.into_inner();
        self.list_requests.lock().unwrap().push(req.clone());
        let category = req.filter.as_ref().and_then(|f| f.category.clone());
        if category.as_deref() == Some(UNKNOWN_CATEGORY) {
            return Err(Error::not_found("Category not found").into_status());
        }
        let (products, info) = page(vec![headphones(), mug()], req.page);
        Ok(Response::new(ProductPage {
            products,
            page: Some(info),
        }))
    }

    async fn search_products(
        &self,
        req: Request<SearchProductsRequest>,
    ) -> Result<Response<SearchProductsResponse>, Status> {
        self.count();
        let req = req.into_inner();
        self.search_requests.lock().unwrap().push(req.clone());
        let (products, info) = page(vec![headphones()], req.page);
        Ok(Response::new(SearchProductsResponse {
            products,
            page: Some(info),
            suggestions: vec!["headphones".into()],
            categories: vec![CategoryFacet {
                id: "c1".into(),
                name: "Audio".into(),
                count: 1,
            }],
            price_ranges: vec![
                PriceRangeFacet {
                    min_cents: 0,
                    max_cents: Some(5_000),
                    count: 0,
                },
                PriceRangeFacet {
                    min_cents: 10_000,
                    max_cents: None,
                    count: 1,
                },
            ],
            ratings: vec![RatingFacet {
                rating: 4,
                count: 1,
            }],
        }))
    }

    async fn suggest(
        &self,
        req: Request<SuggestRequest>,
    ) -> Result<Response<SuggestResponse>, Status> {
        self.count();
        let limit = req.get_ref().limit as usize;
        let all = vec![
            Suggestion {
                text: "Wireless Headphones".into(),
                product_id: Some(HEADPHONES_ID.into()),
                slug: Some("wireless-headphones".into()),
            },
            Suggestion {
                text: "wireless".into(),
                product_id: None,
                slug: None,
            },
        ];
        Ok(Response::new(SuggestResponse {
            suggestions: all.into_iter().take(limit).collect(),
        }))
    }

    async fn get_product(
        &self,
        req: Request<GetProductRequest>,
    ) -> Result<Response<Product>, Status> {
        self.count();
        let found = match req.into_inner().key {
            Some(Key::Id(id)) if id == SLOW_ID => {
                tokio::time::sleep(SLOW).await;
                None
            }
            Some(Key::Id(id)) => [headphones(), mug()].into_iter().find(|p| p.id == id),
            Some(Key::Slug(slug)) => [headphones(), mug()].into_iter().find(|p| p.slug == slug),
            None => None,
        };
        found
            .map(Response::new)
            .ok_or_else(|| Error::new(ErrorCode::NotFound, "Product not found").into_status())
    }

    async fn list_curated(
        &self,
        req: Request<ListCuratedRequest>,
    ) -> Result<Response<ProductList>, Status> {
        self.count();
        let req = req.into_inner();
        self.curated_requests.lock().unwrap().push(req.clone());
        let products = [headphones(), mug()]
            .into_iter()
            .filter(|p| !req.exclude_ids.contains(&p.id))
            .collect();
        Ok(Response::new(ProductList { products }))
    }

    async fn list_categories(
        &self,
        req: Request<ListCategoriesRequest>,
    ) -> Result<Response<CategoryList>, Status> {
        self.count();
        let children = if req.get_ref().tree {
            vec![category("c2", "headphones", vec![])]
        } else {
            vec![]
        };
        Ok(Response::new(CategoryList {
            categories: vec![
                category("c1", "audio", children),
                category("c3", "home", vec![]),
            ],
        }))
    }

    async fn get_category(
        &self,
        req: Request<GetCategoryRequest>,
    ) -> Result<Response<Category>, Status> {
        self.count();
        match req.into_inner().id_or_slug.as_str() {
            "audio" | "c1" => Ok(Response::new(category(
                "c1",
                "audio",
                vec![category("c2", "headphones", vec![])],
            ))),
            _ => Err(Error::not_found("Category not found").into_status()),
        }
    }

    async fn get_price_range(
        &self,
        req: Request<PriceRangeRequest>,
    ) -> Result<Response<PriceRange>, Status> {
        self.count();
        if req.get_ref().category.as_deref() == Some(UNKNOWN_CATEGORY) {
            return Err(Error::not_found("Category not found").into_status());
        }
        Ok(Response::new(PriceRange {
            min_cents: 1_000,
            max_cents: 12_999,
            avg_cents: 6_999,
            product_count: 2,
        }))
    }

    async fn list_reviews(
        &self,
        req: Request<ListReviewsRequest>,
    ) -> Result<Response<ReviewPage>, Status> {
        self.count();
        let req = req.into_inner();
        self.review_requests.lock().unwrap().push(req.clone());
        let review = Review {
            id: "r1".into(),
            product_id: req.product_id.clone(),
            user_id: "u1".into(),
            user_name: "Jane D.".into(),
            rating: 5,
            title: "Great".into(),
            comment: "Love them".into(),
            helpful: 3,
            verified: true,
            created_at: "2024-01-03T00:00:00Z".into(),
            ..Default::default()
        };
        let p = req.page.unwrap_or_default();
        Ok(Response::new(ReviewPage {
            reviews: vec![review],
            page: Some(PageInfo {
                page: p.page,
                limit: p.limit,
                total: 12,
            }),
            summary: Some(ReviewSummary {
                average: 4.46,
                count: 12,
                distribution: vec![0, 1, 1, 3, 7],
            }),
        }))
    }

    // The rest answers "nothing of that id", so a route reaching them shows a routed answer.

    async fn get_products(&self, _: Request<GetProductsRequest>) -> Reply<ProductList> {
        Ok(Response::new(ProductList::default()))
    }

    async fn create_review(&self, _: Request<CreateReviewRequest>) -> Reply<Review> {
        Err(unknown())
    }

    async fn mark_review_helpful(&self, _: Request<MarkReviewHelpfulRequest>) -> Reply<Review> {
        Err(unknown())
    }

    async fn create_product(&self, _: Request<ProductInput>) -> Reply<Product> {
        Err(unknown())
    }

    async fn update_product(&self, _: Request<UpdateProductRequest>) -> Reply<Product> {
        Err(unknown())
    }

    async fn delete_product(&self, _: Request<DeleteProductRequest>) -> Reply<Empty> {
        Err(unknown())
    }

    async fn add_product_image(&self, _: Request<AddProductImageRequest>) -> Reply<Product> {
        Err(unknown())
    }

    async fn create_category(&self, _: Request<CategoryInput>) -> Reply<Category> {
        Err(unknown())
    }

    async fn update_category(&self, _: Request<UpdateCategoryRequest>) -> Reply<Category> {
        Err(unknown())
    }

    async fn delete_category(&self, _: Request<DeleteCategoryRequest>) -> Reply<Empty> {
        Err(unknown())
    }
}

type Reply<T> = Result<Response<T>, Status>;

fn unknown() -> Status {
    Error::not_found("Not found").into_status()
}
