//! A stand-in for the product service at its gRPC contract: products from a map, shown by the
//! product service's visibility rule (INACTIVE and DRAFT only with `include_all_statuses`), with
//! a log of every `GetProducts` call so cases can check the wishlist asks once per page.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tonic::{Request, Response, Status};
use vici_kit::ServiceName;
use vici_kit::server::{ServiceApp, Shutdown};
use vici_proto::product::v1::product_service_server::{ProductService, ProductServiceServer};
use vici_proto::product::v1::{GetProductsRequest, Product, ProductList, ProductStatus};
use vici_proto::vocabulary::Spelled;

#[derive(Clone, Default)]
pub struct FakeProducts {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    products: Mutex<HashMap<String, Product>>,
    /// `(ids, include_all_statuses)` of each call, in order.
    calls: Mutex<Vec<(Vec<String>, bool)>>,
}

/// The wire value of a status as the contract spells it (`ACTIVE`).
fn spelled(status: &str) -> i32 {
    ProductStatus::parse(status)
        .unwrap_or_else(|| panic!("no status {status}"))
        .into()
}

impl FakeProducts {
    /// Adds a product with `status` and returns its id.
    pub fn add(&self, name: &str, status: &str) -> String {
        let id = uuid::Uuid::now_v7().to_string();
        let n = self.inner.products.lock().unwrap().len() as i64;
        let product = Product {
            id: id.clone(),
            name: name.to_string(),
            slug: name.to_lowercase().replace(' ', "-"),
            price_cents: 1_000 + n,
            images: vec![
                format!("http://shop.test/img/{n}.jpg"),
                "http://shop.test/img/second.jpg".into(),
            ],
            rating: 4.5,
            stock: 7,
            status: spelled(status),
            currency: "USD".into(),
            ..Product::default()
        };
        self.inner
            .products
            .lock()
            .unwrap()
            .insert(id.clone(), product);
        id
    }

    pub fn set_status(&self, id: &str, status: &str) {
        if let Some(p) = self.inner.products.lock().unwrap().get_mut(id) {
            p.status = spelled(status);
        }
    }

    pub fn remove(&self, id: &str) {
        self.inner.products.lock().unwrap().remove(id);
    }

    pub fn calls(&self) -> Vec<(Vec<String>, bool)> {
        self.inner.calls.lock().unwrap().clone()
    }

    pub fn reset_calls(&self) {
        self.inner.calls.lock().unwrap().clear();
    }

    /// Serves on an ephemeral port until `shutdown`; returns its URL.
    pub async fn serve(self, shutdown: Shutdown) -> String {
        let app = ServiceApp::grpc(
            ServiceName::Product,
            tonic::service::Routes::new(ProductServiceServer::new(self)),
        );
        vici_testkit::serve_ephemeral(app, &shutdown).await
    }
}

#[tonic::async_trait]
impl ProductService for FakeProducts {
    async fn get_products(
        &self,
        req: Request<GetProductsRequest>,
    ) -> Result<Response<ProductList>, Status> {
        let r = req.into_inner();
        self.inner
            .calls
            .lock()
            .unwrap()
            .push((r.ids.clone(), r.include_all_statuses));
        let all = self.inner.products.lock().unwrap();
        let products = r
            .ids
            .iter()
            .filter_map(|id| all.get(id))
            .filter(|p| {
                r.include_all_statuses
                    || !matches!(p.status(), ProductStatus::Inactive | ProductStatus::Draft)
            })
            .cloned()
            .collect();
        Ok(Response::new(ProductList { products }))
    }
}
