//! The inventory service for one case on a fresh database seeded with the demo catalogue
//! (`vici_testkit::Services`), with its default settings, plus helpers that read what the
//! service stored.
use sqlx::Row as _;
use tonic::Status;
use vici_bus::CloudEvent;
use vici_proto::inventory::v1::{self as pb, inventory_service_client::InventoryServiceClient};
use vici_testkit::{Backend, Channel, Db, ServiceName, Services, Unary as _, scalar};

pub use vici_testkit::demo::product_id as demo_id;
pub use vici_testkit::new_id;

pub type Client = InventoryServiceClient<Channel>;

/// A running inventory service and what it runs on.
pub struct App {
    pub services: Services,
    pub client: Client,
    pub db: Db,
}

/// Runs `case` against a fresh service on `backend`, then removes its database.
pub async fn run(backend: Backend, case: impl AsyncFnOnce(App)) {
    let services = Services::builder(backend)
        .service(vici_inventory::service())
        .start()
        .await;
    case(App {
        client: services.client(),
        db: services.db(ServiceName::Inventory).await,
        services: services.clone(),
    })
    .await;
    services.finish().await;
}

pub fn line(product_id: &str, quantity: i64) -> pb::ReserveLine {
    pb::ReserveLine {
        product_id: product_id.into(),
        variant_id: None,
        quantity,
    }
}

/// The sums of a product's movements of `kind`: (how many, Σ delta, Σ reserved_delta).
pub struct Sums {
    pub count: i64,
    pub delta: i64,
    pub reserved_delta: i64,
}

impl App {
    /// A new product whose own row holds `available`.
    pub async fn product(&self, available: i64) -> String {
        let id = new_id();
        self.init(&id, None, available).await;
        id
    }

    pub async fn init(&self, product_id: &str, variant_id: Option<&str>, quantity: i64) {
        let item = pb::InitStockItem {
            product_id: product_id.into(),
            variant_id: variant_id.map(str::to_string),
            quantity,
        };
        let request = pb::InitStockRequest { items: vec![item] };
        let answer = self.client.clone().init_stock(request).await;
        answer.expect_message("init stock");
    }

    pub async fn adjust(&self, product_id: &str, op: &str, quantity: i64) -> pb::StockLevel {
        let req = pb::AdjustRequest {
            product_id: product_id.into(),
            operation: stock_op(op),
            quantity,
            reason: "recount".into(),
            actor: "admin-1".into(),
            ..Default::default()
        };
        self.client
            .clone()
            .adjust(req)
            .await
            .expect_message("adjust")
    }

    pub async fn level(&self, product_id: &str) -> pb::StockLevel {
        let req = pb::GetStockLevelsRequest {
            product_ids: vec![product_id.into()],
        };
        let answer = self.client.clone().get_stock_levels(req).await;
        answer.expect_message("stock levels").levels.remove(0)
    }

    /// (available, reserved) of a product's own row.
    pub async fn stock(&self, product_id: &str) -> (i64, i64) {
        let l = self.level(product_id).await;
        (l.available, l.reserved)
    }

    pub async fn reserve(
        &self,
        order_id: &str,
        lines: Vec<pb::ReserveLine>,
        ttl_seconds: u32,
    ) -> Result<pb::Reservation, Status> {
        let req = pb::ReserveRequest {
            order_id: order_id.into(),
            lines,
            ttl_seconds,
        };
        self.client.clone().reserve(req).await.message()
    }

    pub async fn commit(&self, order_id: &str) -> Result<pb::Reservation, Status> {
        let req = key(order_id, "");
        self.client.clone().commit_reservation(req).await.message()
    }

    pub async fn release(&self, order_id: &str, reason: &str) -> Result<pb::Reservation, Status> {
        let req = key(order_id, reason);
        self.client.clone().release_reservation(req).await.message()
    }

    pub async fn get(&self, order_id: &str) -> Result<pb::Reservation, Status> {
        let req = key(order_id, "");
        self.client.clone().get_reservation(req).await.message()
    }

    /// How many reservations exist, whatever their status.
    pub async fn reservations(&self) -> i64 {
        scalar(&self.db, "SELECT COUNT(*) FROM reservations", &[]).await
    }

    /// Σ quantity of `product_id`'s own row over reservations in `status`.
    pub async fn quantity_in(&self, product_id: &str, status: &str) -> i64 {
        let sql = "SELECT CAST(COALESCE(SUM(l.quantity), 0) AS BIGINT) FROM reservation_lines l \
                   JOIN reservations r ON r.id = l.reservation_id \
                   WHERE l.product_id = $1 AND l.variant_id = '' AND r.status = $2";
        scalar(&self.db, sql, &[product_id, status]).await
    }

    pub async fn movement_sums(&self, product_id: &str, kind: &str) -> Sums {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(delta), 0) AS BIGINT) AS d, \
             CAST(COALESCE(SUM(reserved_delta), 0) AS BIGINT) AS r \
             FROM movements WHERE product_id = $1 AND kind = $2",
        );
        let row = row.bind(product_id).bind(kind).fetch_one(self.db.reader());
        let row = row.await.expect("movement sums");
        Sums {
            count: row.get("n"),
            delta: row.get("d"),
            reserved_delta: row.get("r"),
        }
    }

    pub async fn movements(&self, product_id: &str) -> Vec<pb::Movement> {
        let req = pb::ListMovementsRequest {
            product_id: product_id.into(),
            page: Some(vici_proto::common::v1::PageRequest {
                page: 1,
                limit: 100,
            }),
        };
        let answer = self.client.clone().list_movements(req).await;
        answer.expect_message("movements").movements
    }

    /// `inventory-events` of `event_type` written so far, oldest first.
    pub async fn events(&self, event_type: &str) -> Vec<(String, CloudEvent)> {
        let mut events = vici_testkit::outbox(&self.db, vici_bus::topics::INVENTORY_EVENTS).await;
        events.retain(|(_, e)| e.event_type == event_type);
        events
    }
}

pub fn key(order_id: &str, reason: &str) -> pb::ReservationKey {
    pb::ReservationKey {
        order_id: order_id.into(),
        reason: reason.into(),
    }
}

/// The contract's stock operation a test names by its spelling (`ADD`); UNSPECIFIED for one
/// the contract does not have.
pub fn stock_op(spelled: &str) -> i32 {
    use vici_proto::vocabulary::Spelled as _;
    pb::StockOperation::parse(spelled).map_or(0, |op| op as i32)
}
