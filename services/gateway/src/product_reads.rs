//! The product service's hottest reads (a listing, one product, a search), asked of its API
//! object in place when this process runs it, else over its channel.
//!
//! In place, the answer is not encoded into protobuf by the product service and decoded again
//! here, nor routed through the service's layers: for a page of twenty products that was most
//! of a call's cost (docs/performance.md). The gateway's request deadline bounds it as it
//! bounds every call.
use std::sync::Arc;

use tonic::{Request, Response, Status};
use vici_proto::product::v1::product_service_server::ProductService;
use vici_proto::product::v1::{
    GetProductRequest, ListProductsRequest, Product, ProductPage, SearchProductsRequest,
    SearchProductsResponse,
};

use crate::AppState;

/// A read of the product service by the name its RPC has in the client and the service
/// trait alike: in place when this process runs the service, else over the channel.
macro_rules! product_read {
    ($rpc:ident, $request:ty, $answer:ty) => {
        pub(crate) async fn $rpc(&self, request: $request) -> Result<Response<$answer>, Status> {
            match self.product_service_here() {
                Some(here) => here.$rpc(Request::new(request)).await,
                None => self.products().$rpc(request).await,
            }
        }
    };
}

impl AppState {
    fn product_service_here(&self) -> Option<Arc<dyn ProductService>> {
        self.clients.product_here.typed()
    }

    product_read!(list_products, ListProductsRequest, ProductPage);
    product_read!(get_product, GetProductRequest, Product);
    product_read!(
        search_products,
        SearchProductsRequest,
        SearchProductsResponse
    );
}
