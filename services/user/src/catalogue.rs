//! Where wishlist products come from: the product service, behind a small trait so the service
//! asks one question ("these ids, as the wishlist shows them") and tests can count the asking.
use std::sync::Arc;

use vici_kit::grpc::Channel;
use vici_kit::{Error, Result};
use vici_proto::product::v1::GetProductsRequest;
use vici_proto::product::v1::product_service_client::ProductServiceClient;
use vici_proto::user::v1::ProductSummary;

#[async_trait::async_trait]
pub trait Catalogue: Send + Sync + 'static {
    /// The products among `ids` that exist, in any order, in one call. Without
    /// `include_hidden` only products a shopper may open are returned.
    async fn products(&self, ids: Vec<String>, include_hidden: bool)
    -> Result<Vec<ProductSummary>>;
}

pub type SharedCatalogue = Arc<dyn Catalogue>;

/// The production catalogue: `GetProducts` on the product service.
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
    async fn products(
        &self,
        ids: Vec<String>,
        include_hidden: bool,
    ) -> Result<Vec<ProductSummary>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let request = GetProductsRequest {
            ids,
            include_all_statuses: include_hidden,
        };
        let found = self
            .client
            .clone()
            .get_products(request)
            .await
            .map_err(|s| Error::from_status(&s))?
            .into_inner()
            .products;
        Ok(found
            .into_iter()
            .map(|p| ProductSummary {
                image: p.images.into_iter().next().unwrap_or_default(),
                id: p.id,
                name: p.name,
                slug: p.slug,
                price_cents: p.price_cents,
                rating: p.rating,
                stock: p.stock,
            })
            .collect())
    }
}
