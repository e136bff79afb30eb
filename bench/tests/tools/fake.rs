//! A stockroom of one item shared by the fakes, and a fake inventory service over it: the stock
//! the tools read back through `GetStockLevels`, and `Reserve` with an out-of-stock answer
//! tagged the way vici tags it.
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use tonic::{Request, Response, Status};
use vici_proto::inventory::v1 as pb;
use vici_proto::inventory::v1::inventory_service_server::{
    InventoryService, InventoryServiceServer,
};

#[derive(Debug, Default)]
pub struct Stockroom {
    pub available: i64,
    pub reserved: i64,
    /// Order ids reserved so far: none may come twice.
    pub orders: HashSet<String>,
    /// Take stock even when there is none.
    pub oversell: bool,
}

pub type Shared = Arc<Mutex<Stockroom>>;

pub fn stockroom(available: i64, reserved: i64, oversell: bool) -> Shared {
    Arc::new(Mutex::new(Stockroom {
        available,
        reserved,
        oversell,
        ..Default::default()
    }))
}

/// The error vici answers when there is not enough stock.
pub fn out_of_stock() -> Status {
    let mut status = Status::failed_precondition("This item is out of stock");
    let code = "OUT_OF_STOCK".parse().unwrap();
    status.metadata_mut().insert("vici-error-code", code);
    status
}

struct Inventory(Shared);

#[tonic::async_trait]
impl InventoryService for Inventory {
    async fn get_stock_levels(
        &self,
        request: Request<pb::GetStockLevelsRequest>,
    ) -> Result<Response<pb::StockLevels>, Status> {
        let (available, reserved) = {
            let s = self.0.lock().unwrap();
            (s.available, s.reserved)
        };
        let levels = request
            .into_inner()
            .product_ids
            .into_iter()
            .map(|product_id| pb::StockLevel {
                product_id,
                available,
                reserved,
                total: available + reserved,
                ..Default::default()
            })
            .collect();
        Ok(Response::new(pb::StockLevels { levels }))
    }

    async fn reserve(
        &self,
        request: Request<pb::ReserveRequest>,
    ) -> Result<Response<pb::Reservation>, Status> {
        let r = request.into_inner();
        let order =
            uuid::Uuid::parse_str(&r.order_id).map_err(|_| Status::invalid_argument("id"))?;
        assert_eq!(order.get_version_num(), 7, "order ids are UUIDv7");
        assert_eq!((r.lines.len(), r.lines[0].quantity), (1, 1));
        let mut s = self.0.lock().unwrap();
        assert!(
            s.orders.insert(r.order_id.clone()),
            "order id {} sent twice",
            r.order_id
        );
        if s.available < 1 && !s.oversell {
            return Err(out_of_stock());
        }
        s.available -= 1;
        s.reserved += 1;
        Ok(Response::new(pb::Reservation {
            order_id: r.order_id,
            status: "HELD".into(),
            ..Default::default()
        }))
    }
}

/// Serves the fake inventory over the stockroom; its `http://` address.
pub async fn serve_inventory(stock: Shared) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(InventoryServiceServer::new(Inventory(stock)))
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener)),
    );
    format!("http://{addr}")
}
