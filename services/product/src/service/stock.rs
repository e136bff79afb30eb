//! Stock comes from the inventory service, never from this service's database.
//!
//! Why stock is not copied into the product tables: the inventory service owns it and changes
//! it on every reservation, release and sale — far more often than the catalogue changes. A
//! copy here would be stale between an `inventory.stock_changed` event and its consumption, and
//! a shopper would then see "in stock" for an item the checkout then refuses (or the reverse).
//! So every response asks inventory once for the whole page (`GetStockLevels` with all its
//! product ids — never one call per product), and the in-stock filter asks once for the ids
//! that are unavailable (`ListUnavailable`) and excludes them in the query. When inventory does
//! not answer, a read fails with UNAVAILABLE rather than pretending stock is zero.
//!
//! The levels are asked for with every page, so where this process runs the inventory service
//! too, they are asked of its API object directly: encoding, routing and the layers of a
//! call cost several times the answer itself (docs/performance.md).
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use vici_kit::grpc::{Channel, LocalService};
use vici_kit::metrics::track_typed;
use vici_kit::{Result, ServiceName};
use vici_proto::common::v1::Empty;
use vici_proto::inventory::v1::inventory_service_client::InventoryServiceClient;
use vici_proto::inventory::v1::inventory_service_server::InventoryService;
use vici_proto::inventory::v1::{GetStockLevelsRequest, InitStockItem, InitStockRequest};

/// Available stock of a product and of each of its variants (by variant id).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StockLevel {
    pub available: i64,
    pub variants: HashMap<String, i64>,
}

/// The stock read's gRPC name, for the inventory service's metrics of a call in place.
const GET_STOCK_LEVELS: &str = "/vici.inventory.v1.InventoryService/GetStockLevels";

#[derive(Clone)]
pub struct Stock {
    client: InventoryServiceClient<Channel>,
    here: LocalService,
}

impl Stock {
    pub fn new(client: InventoryServiceClient<Channel>, here: LocalService) -> Self {
        Self { client, here }
    }

    /// Stock of `ids` in one call; ids inventory does not know report zero (its contract).
    pub async fn levels(&self, ids: Vec<String>) -> Result<HashMap<String, StockLevel>> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let request = GetStockLevelsRequest { product_ids: ids };
        let reply = match self.here.typed::<Arc<dyn InventoryService>>() {
            Some(inventory) => {
                let call = inventory.get_stock_levels(tonic::Request::new(request));
                track_typed(ServiceName::Inventory, GET_STOCK_LEVELS, call).await?
            }
            None => self.client.clone().get_stock_levels(request).await?,
        };
        Ok(reply
            .into_inner()
            .levels
            .into_iter()
            .map(|l| {
                let variants = l
                    .variants
                    .into_iter()
                    .map(|v| (v.variant_id, v.available))
                    .collect();
                (
                    l.product_id,
                    StockLevel {
                        available: l.available,
                        variants,
                    },
                )
            })
            .collect())
    }

    /// Ids of products whose own available stock is zero.
    pub async fn unavailable(&self) -> Result<HashSet<String>> {
        let reply = self.client.clone().list_unavailable(Empty {}).await?;
        Ok(reply.into_inner().product_ids.into_iter().collect())
    }

    /// Creates the stock records of a new product: `opening` holds the units of its own stock
    /// (variant `None`) and of each variant. Runs after the product committed, so a failure
    /// cannot undo it: it is logged, and the inventory service treats a product it has no
    /// record of as zero stock until an admin sets some (InitStock is idempotent, so a later
    /// retry is safe).
    pub async fn init(&self, product_id: &str, opening: Vec<(Option<String>, i64)>) {
        let items = opening
            .into_iter()
            .map(|(variant_id, quantity)| InitStockItem {
                product_id: product_id.to_string(),
                variant_id,
                quantity,
            })
            .collect();
        if let Err(status) = self
            .client
            .clone()
            .init_stock(InitStockRequest { items })
            .await
        {
            tracing::warn!(product_id = %product_id, code = ?status.code(), error = %status.message(), "inventory InitStock failed; stock reads as zero until set");
        }
    }
}
