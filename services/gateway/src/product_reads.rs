//! The product service's hottest reads (a listing, one product, a search), asked of its API
//! object in place when this process runs it, else over its channel.
//!
//! In place, the answer is not encoded into protobuf by the product service and decoded again
//! here, nor routed through the service's layers: for a page of twenty products that was most
//! of a call's cost (docs/performance.md). It is still counted in the product service's
//! per-RPC metrics; the gateway's request deadline bounds it as it bounds every call.
use std::sync::Arc;

use tonic::{Request, Response, Status};
use vici_kit::ServiceName;
use vici_kit::metrics::track_typed;
use vici_proto::product::v1::product_service_server::ProductService;
use vici_proto::product::v1::{
    GetProductRequest, ListProductsRequest, Product, ProductPage, SearchProductsRequest,
    SearchProductsResponse,
};

use crate::AppState;

/// A read of the product service by the name its RPC has in the client and the service
/// trait alike (and its gRPC name, for the service's metrics): in place when this process
/// runs the service, else over the channel.
macro_rules! product_read {
    ($rpc:ident, $name:literal, $request:ty, $answer:ty) => {
        pub(crate) async fn $rpc(&self, request: $request) -> Result<Response<$answer>, Status> {
            match self.product_service_here() {
                Some(here) => {
                    let path = concat!("/vici.product.v1.ProductService/", $name);
                    let call = here.$rpc(Request::new(request));
                    track_typed(ServiceName::Product, path, call).await
                }
                None => self.products().$rpc(request).await,
            }
        }
    };
}

impl AppState {
    fn product_service_here(&self) -> Option<Arc<dyn ProductService>> {
        self.clients.product_here.typed()
    }

    product_read!(
        list_products,
        "ListProducts",
        ListProductsRequest,
        ProductPage
    );
    product_read!(get_product, "GetProduct", GetProductRequest, Product);
    product_read!(
        search_products,
        "SearchProducts",
        SearchProductsRequest,
        SearchProductsResponse
    );
}
