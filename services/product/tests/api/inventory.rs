//! A stand-in for the inventory service at its gRPC contract: stock from a map, with counters
//! to check that the product service asks once per response.
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tonic::{Request, Response, Status};
use vici_catalog::Catalog;
use vici_kit::ServiceName;
use vici_kit::server::{ServiceApp, Shutdown};
use vici_proto::common::v1::Empty;
use vici_proto::inventory::v1::inventory_service_server::{
    InventoryService, InventoryServiceServer,
};
use vici_proto::inventory::v1::{
    GetStockLevelsRequest, InitStockRequest, ProductIds, StockLevel, StockLevels, VariantStock,
};

#[derive(Clone, Default)]
pub struct FakeInventory {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    /// Product id → available; variant stock keyed by (product id, variant id).
    stock: Mutex<HashMap<String, i64>>,
    variants: Mutex<HashMap<(String, String), i64>>,
    level_calls: AtomicUsize,
    unavailable_calls: AtomicUsize,
    initialised: Mutex<Vec<String>>,
}

impl FakeInventory {
    pub fn load(&self, catalog: &Catalog) {
        for p in &catalog.products {
            self.set(&p.id().to_string(), p.stock);
            for v in &p.variants {
                let key = (p.id().to_string(), p.variant_id(&v.sku).to_string());
                self.inner.variants.lock().unwrap().insert(key, v.stock);
            }
        }
    }

    pub fn set(&self, product_id: &str, available: i64) {
        self.inner
            .stock
            .lock()
            .unwrap()
            .insert(product_id.to_string(), available);
    }

    pub fn level_calls(&self) -> usize {
        self.inner.level_calls.load(Ordering::SeqCst)
    }

    pub fn unavailable_calls(&self) -> usize {
        self.inner.unavailable_calls.load(Ordering::SeqCst)
    }

    pub fn initialised(&self) -> Vec<String> {
        self.inner.initialised.lock().unwrap().clone()
    }

    /// Serves on an ephemeral port until `shutdown`; returns its URL.
    pub async fn serve(self, shutdown: Shutdown) -> String {
        let app = ServiceApp::grpc(
            ServiceName::Inventory,
            tonic::service::Routes::new(InventoryServiceServer::new(self)),
        );
        vici_testkit::serve_ephemeral(app, &shutdown).await
    }
}

#[tonic::async_trait]
impl InventoryService for FakeInventory {
    async fn get_stock_levels(
        &self,
        req: Request<GetStockLevelsRequest>,
    ) -> Result<Response<StockLevels>, Status> {
        self.inner.level_calls.fetch_add(1, Ordering::SeqCst);
        let stock = self.inner.stock.lock().unwrap();
        let variants = self.inner.variants.lock().unwrap();
        let levels = req
            .into_inner()
            .product_ids
            .into_iter()
            .map(|id| StockLevel {
                available: stock.get(&id).copied().unwrap_or(0),
                variants: variants
                    .iter()
                    .filter(|((p, _), _)| *p == id)
                    .map(|((_, v), n)| VariantStock {
                        variant_id: v.clone(),
                        available: *n,
                        reserved: 0,
                    })
                    .collect(),
                product_id: id,
                ..StockLevel::default()
            })
            .collect();
        Ok(Response::new(StockLevels { levels }))
    }

    async fn list_unavailable(&self, _: Request<Empty>) -> Result<Response<ProductIds>, Status> {
        self.inner.unavailable_calls.fetch_add(1, Ordering::SeqCst);
        let stock = self.inner.stock.lock().unwrap();
        let product_ids = stock
            .iter()
            .filter(|(_, n)| **n <= 0)
            .map(|(id, _)| id.clone())
            .collect();
        Ok(Response::new(ProductIds { product_ids }))
    }

    async fn init_stock(&self, req: Request<InitStockRequest>) -> Result<Response<Empty>, Status> {
        for item in req.into_inner().items {
            if item.variant_id.is_none() {
                self.inner
                    .stock
                    .lock()
                    .unwrap()
                    .entry(item.product_id.clone())
                    .or_insert(item.quantity);
                self.inner.initialised.lock().unwrap().push(item.product_id);
            }
        }
        Ok(Response::new(Empty {}))
    }
}
