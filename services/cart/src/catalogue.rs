//! Where product data comes from: the product service (whose answer carries the inventory's
//! stock), behind a small trait so a request asks one batched question and tests can stand in.
use std::sync::Arc;

use vici_kit::grpc::Channel;
use vici_kit::{Error, Result};
use vici_proto::product::v1::product_service_client::ProductServiceClient;
use vici_proto::product::v1::{GetProductsRequest, Product as PbProduct};
use vici_proto::vocabulary::Spelled;

use crate::domain::catalogue::{Product, Variant};

#[async_trait::async_trait]
pub trait Catalogue: Send + Sync + 'static {
    /// The products among `ids` that exist, whatever their status, in one call.
    async fn products(&self, ids: Vec<String>) -> Result<Vec<Product>>;
}

pub type SharedCatalogue = Arc<dyn Catalogue>;

/// The production catalogue: `GetProducts` on the product service, every status included so
/// a retired product still shows (as unavailable) in the carts that hold it.
pub struct GrpcCatalogue {
    client: ProductServiceClient<Channel>,
}

impl GrpcCatalogue {
    pub fn new(client: ProductServiceClient<Channel>) -> Self {
        Self {
            client: client.max_decoding_message_size(vici_kit::grpc::MAX_MESSAGE_BYTES),
        }
    }
}

#[async_trait::async_trait]
impl Catalogue for GrpcCatalogue {
    async fn products(&self, ids: Vec<String>) -> Result<Vec<Product>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let request = GetProductsRequest {
            ids,
            include_all_statuses: true,
        };
        let found = self
            .client
            .clone()
            .get_products(request)
            .await
            .map_err(|s| Error::from_status(&s))?
            .into_inner()
            .products;
        Ok(found.into_iter().map(product).collect())
    }
}

fn product(p: PbProduct) -> Product {
    let status = p.status().spelling();
    Product {
        image: p.images.into_iter().next().unwrap_or_default(),
        id: p.id,
        name: p.name,
        slug: p.slug,
        sku: p.sku,
        price_cents: p.price_cents,
        original_price_cents: p.original_price_cents,
        currency: p.currency,
        stock: p.stock,
        status: status.to_string(),
        variants: p
            .variants
            .into_iter()
            .map(|v| Variant {
                id: v.id,
                name: v.name,
                sku: v.sku,
                price_cents: v.price_cents,
                stock: v.stock,
            })
            .collect(),
    }
}
