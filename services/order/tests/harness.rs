//! The order service for one case with its real neighbours — product, inventory, cart and
//! payment (simulated provider, no latency) — on fresh databases seeded with the demo catalogue
//! (`vici_testkit::Services`). Sweeps and recovery run when the cases say, not on a timer.
use std::sync::Arc;
use std::time::Duration;

use tonic::Status;
use vici_order::Engine;
use vici_proto::cart::v1 as cartpb;
use vici_proto::cart::v1::cart_service_client::CartServiceClient;
use vici_proto::inventory::v1 as inv;
use vici_proto::inventory::v1::inventory_service_client::InventoryServiceClient;
use vici_proto::order::v1 as pb;
use vici_proto::order::v1::order_service_client::OrderServiceClient;
use vici_proto::payment::v1 as pay;
use vici_proto::payment::v1::payment_service_client::PaymentServiceClient;
use vici_testkit::{Backend, Channel, Db, ServiceName, Services, Unary as _};
use vici_types::{TypedId as _, UserId};

use crate::requests::status as status_number;
pub use crate::requests::*;

pub const RECOVERY_AFTER: Duration = Duration::from_secs(60);

/// A running order service, its neighbours, and what they run on.
pub struct App {
    pub services: Services,
    pub orders: OrderServiceClient<Channel>,
    /// The saga engine the order service runs on (for step-by-step cases and recovery).
    pub engine: Arc<Engine>,
    pub inventory_db: Db,
    pub payment_db: Db,
}

/// Runs `case` against fresh services on `backend`, then removes their databases and files.
pub async fn run(backend: Backend, case: impl AsyncFnOnce(App)) {
    let (engine_tx, engine_rx) = std::sync::mpsc::channel();
    let services = Services::builder(backend)
        .service(vici_order::service())
        .service(vici_cart::service())
        .service(vici_payment::service())
        .service(vici_product::service())
        .service(vici_inventory::service())
        // The order service's own start, handing out the engine it runs on.
        .start_with(ServiceName::Order, move |p| {
            let engine_tx = engine_tx.clone();
            Box::pin(async move {
                let deps = vici_order::Deps::from_platform(&p).await?;
                let (app, engine) = vici_order::start_with_engine(deps).await?;
                engine_tx
                    .send(engine)
                    .expect("the case waits for the engine");
                Ok(app)
            })
        })
        .setting("VICI_ORDER_RECOVERY_AFTER_SECS", RECOVERY_AFTER.as_secs())
        .setting("VICI_ORDER_RECOVERY_SECS", 3600)
        .setting("VICI_CART_SWEEP_SECS", 3600)
        .setting("VICI_INVENTORY_SWEEP_SECS", 3600)
        .start()
        .await;
    case(App {
        orders: services.client(),
        engine: engine_rx.recv().expect("the order service started"),
        inventory_db: services.db(ServiceName::Inventory).await,
        payment_db: services.db(ServiceName::Payment).await,
        services: services.clone(),
    })
    .await;
    services.finish().await;
}

impl App {
    pub fn orders(&self) -> OrderServiceClient<Channel> {
        self.orders.clone()
    }

    /// How many uses the seeded coupon `code` has counted.
    pub async fn coupon_uses(&self, code: &str) -> i64 {
        let mut cart: CartServiceClient<Channel> = self.services.client();
        let request = cartpb::ListCouponsRequest { page: None };
        let page = cart.list_coupons(request).await.expect_message("coupons");
        let coupon = page.coupons.iter().find(|c| c.code == code);
        coupon.expect("coupon").used_count
    }

    /// The order's reservation status, `None` when it never had one.
    pub async fn reservation(&self, order_id: impl AsRef<str>) -> Option<String> {
        let key = inv::ReservationKey {
            order_id: order_id.as_ref().into(),
            reason: String::new(),
        };
        let mut inventory: InventoryServiceClient<Channel> = self.services.client();
        match inventory.get_reservation(key).await.message() {
            Ok(reservation) => Some(reservation.status),
            Err(s) if s.code() == tonic::Code::NotFound => None,
            Err(s) => panic!("get reservation: {s:?}"),
        }
    }

    pub async fn payment(&self, order_id: impl AsRef<str>) -> Result<pay::Payment, Status> {
        let key = pay::PaymentKey {
            order_id: order_id.as_ref().into(),
        };
        let mut payments: PaymentServiceClient<Channel> = self.services.client();
        payments.get_payment(key).await.message()
    }

    /// Payment rows (one per attempt) in the payment service's database.
    pub async fn payment_count(&self) -> i64 {
        vici_testkit::scalar(&self.payment_db, "SELECT COUNT(*) FROM payments", &[]).await
    }

    pub async fn get(&self, user: &str, order_id: impl AsRef<str>) -> pb::Order {
        let request = order_ref(user, order_id.as_ref());
        self.orders()
            .get_order(request)
            .await
            .expect_message("get order")
    }

    pub async fn history(&self, user: &str, order_id: impl AsRef<str>) -> Vec<(String, String)> {
        let request = order_ref(user, order_id.as_ref());
        let history = self.orders().get_history(request).await;
        let entries = history.expect_message("history").entries.into_iter();
        entries.map(|e| (e.status, e.by)).collect()
    }

    /// An admin move.
    pub async fn set_status(
        &self,
        order_id: &str,
        status: &str,
        tracking: Option<pb::Tracking>,
    ) -> Result<pb::Order, Status> {
        let r = pb::SetStatusRequest {
            order_id: order_id.into(),
            status: status_number(status),
            note: String::new(),
            tracking,
            actor: "admin-1".into(),
        };
        self.orders().set_status(r).await.message()
    }

    /// Which saga holds the checkout lock of `user`, if any.
    pub async fn lock_holder(&self, user: &str) -> Option<String> {
        let user = UserId::parse(user).expect("a user id");
        self.engine.lock_holder(&user).await.expect("lock holder")
    }

    /// One recovery pass as if `RECOVERY_AFTER` had passed.
    pub async fn recover(&self) -> vici_order::RecoveryReport {
        let later = vici_store::now_ms() + RECOVERY_AFTER.as_millis() as i64 + 1_000;
        vici_order::recover_once(&self.engine, later)
            .await
            .expect("recovery pass")
    }
}
