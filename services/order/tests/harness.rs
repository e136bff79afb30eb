//! Boots the order service for one case with its real neighbours: product, inventory, cart and
//! payment (simulated provider, no latency), each on its own fresh database (SQLite files or
//! PostgreSQL databases) seeded with the demo catalogue, all on one in-memory bus, each on a
//! port-0 listener. The databases are removed once the case has passed.
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tonic::Status;
use vici_bus::memory::MemoryBus;
use vici_bus::{CloudEvent, SharedBus};
use vici_kit::config::{CartConfig, OrderConfig, PaymentConfig, PaymentProvider};
use vici_kit::grpc::Channel;
use vici_kit::seed::Catalog;
use vici_kit::server::Shutdown;
use vici_kit::testing::{channel, serve_ephemeral};
use vici_order::Engine;
use vici_proto::cart::v1 as cartpb;
use vici_proto::cart::v1::cart_service_client::CartServiceClient;
use vici_proto::inventory::v1 as inv;
use vici_proto::inventory::v1::inventory_service_client::InventoryServiceClient;
use vici_proto::order::v1 as pb;
use vici_proto::order::v1::order_service_client::OrderServiceClient;
use vici_proto::payment::v1 as pay;
use vici_proto::payment::v1::payment_service_client::PaymentServiceClient;
use vici_proto::product::v1::product_service_client::ProductServiceClient;
use vici_store::{Backend, Db, ServiceBase};
use vici_test_utils::Catalogue;

pub use crate::requests::*;

pub const RECOVERY_AFTER: Duration = Duration::from_secs(60);

/// A running order service, its neighbours, and what they run on.
pub struct App {
    pub orders: OrderServiceClient<Channel>,
    pub cart: CartServiceClient<Channel>,
    pub inventory: InventoryServiceClient<Channel>,
    pub payments: PaymentServiceClient<Channel>,
    /// The saga engine the order service runs on (for step-by-step cases and recovery).
    pub engine: Arc<Engine>,
    pub inventory_db: Db,
    pub payment_db: Db,
    pub bus: SharedBus,
}

/// Runs `case` against fresh services on `backend`, then removes their databases and files.
pub async fn run<F, Fut>(backend: Backend, case: F)
where
    F: FnOnce(App) -> Fut,
    Fut: Future<Output = ()>,
{
    let fresh = |service| vici_store::testing::fresh(backend, service);
    let (cart_db, payment_db, order_db) = (
        fresh("cart").await,
        fresh("payment").await,
        fresh("order").await,
    );
    let catalog = Catalog::demo();
    let shutdown = Shutdown::new();
    let bus: SharedBus = Arc::new(MemoryBus::new(1));
    let base = |db: &Db| ServiceBase {
        db: db.clone(),
        bus: bus.clone(),
        shutdown: shutdown.clone(),
    };
    let neighbours = Catalogue::start(backend, &catalog, &bus, &shutdown).await;
    let (inventory_url, product_url) = (&neighbours.inventory_url, &neighbours.product_url);

    cart_db
        .migrate("cart", vici_cart::MIGRATIONS)
        .await
        .expect("cart migrates");
    vici_cart::seed(&cart_db, &catalog)
        .await
        .expect("cart seeds");
    let cart = vici_cart::start(vici_cart::Deps {
        base: base(&cart_db),
        products: ProductServiceClient::new(channel(product_url)),
        config: CartConfig {
            abandon_after: Duration::from_secs(24 * 3600),
            expire_after: Duration::from_secs(30 * 86_400),
            sweep_interval: Duration::from_secs(3600),
        },
    })
    .await
    .expect("cart starts");
    let cart_url = serve_ephemeral(cart, &shutdown).await;

    payment_db
        .migrate("payment", vici_payment::MIGRATIONS)
        .await
        .expect("payment migrates");
    let payment = vici_payment::start(vici_payment::Deps {
        base: base(&payment_db),
        config: PaymentConfig {
            provider: PaymentProvider::Simulated {
                latency: Duration::ZERO,
            },
            webhook_secret: None,
            webhook_tolerance: Duration::from_secs(300),
        },
    })
    .await
    .expect("payment starts");
    let payment_url = serve_ephemeral(payment, &shutdown).await;

    order_db
        .migrate("order", vici_order::MIGRATIONS)
        .await
        .expect("order migrates");
    // A long interval: the cases run recovery passes themselves.
    let (order, engine) = vici_order::start_with_engine(vici_order::Deps {
        base: base(&order_db),
        config: OrderConfig {
            recovery_after: RECOVERY_AFTER,
            recovery_interval: Duration::from_secs(3600),
        },
        cart: CartServiceClient::new(channel(&cart_url)),
        inventory: InventoryServiceClient::new(channel(inventory_url)),
        payments: PaymentServiceClient::new(channel(&payment_url)),
    })
    .await
    .expect("order starts");
    let order_url = serve_ephemeral(order, &shutdown).await;

    case(App {
        orders: OrderServiceClient::new(channel(&order_url)),
        cart: CartServiceClient::new(channel(&cart_url)),
        inventory: InventoryServiceClient::new(channel(inventory_url)),
        payments: PaymentServiceClient::new(channel(&payment_url)),
        engine,
        inventory_db: neighbours.inventory_db.clone(),
        payment_db: payment_db.clone(),
        bus,
    })
    .await;
    shutdown.cancel();
    neighbours.discard().await;
    for db in [cart_db, payment_db, order_db] {
        vici_store::testing::discard(db).await;
    }
}

impl App {
    pub fn orders(&self) -> OrderServiceClient<Channel> {
        self.orders.clone()
    }

    pub async fn add(&self, user: &str, product_id: &str, quantity: i64) -> cartpb::Cart {
        self.cart
            .clone()
            .add_item(cartpb::AddItemRequest {
                user_id: user.into(),
                product_id: product_id.into(),
                variant_id: None,
                quantity,
                session_id: "session-1".into(),
            })
            .await
            .expect("add item")
            .into_inner()
    }

    pub async fn get_cart(&self, user: &str) -> cartpb::Cart {
        let r = cartpb::CartRef {
            user_id: user.into(),
            session_id: String::new(),
        };
        self.cart
            .clone()
            .get_cart(r)
            .await
            .expect("get cart")
            .into_inner()
    }

    pub async fn apply(&self, user: &str, code: &str) {
        let r = cartpb::ApplyCouponRequest {
            user_id: user.into(),
            code: code.into(),
        };
        self.cart
            .clone()
            .apply_coupon(r)
            .await
            .expect("apply coupon");
    }

    /// How many uses the seeded coupon `code` has counted.
    pub async fn coupon_uses(&self, code: &str) -> i64 {
        let page = self
            .cart
            .clone()
            .list_coupons(cartpb::ListCouponsRequest { page: None })
            .await
            .expect("list coupons")
            .into_inner();
        page.coupons
            .iter()
            .find(|c| c.code == code)
            .expect("coupon")
            .used_count
    }

    pub async fn set_stock(&self, product_id: &str, quantity: i64) {
        self.inventory
            .clone()
            .adjust(inv::AdjustRequest {
                product_id: product_id.into(),
                variant_id: None,
                operation: "SET".into(),
                quantity,
                reason: "order test".into(),
                actor: "test".into(),
            })
            .await
            .expect("adjust stock");
    }

    /// (available, reserved) of a product.
    pub async fn stock(&self, product_id: &str) -> (i64, i64) {
        let levels = self
            .inventory
            .clone()
            .get_stock_levels(inv::GetStockLevelsRequest {
                product_ids: vec![product_id.into()],
            })
            .await
            .expect("stock levels")
            .into_inner();
        let l = &levels.levels[0];
        (l.available, l.reserved)
    }

    /// The order's reservation status, `None` when it never had one.
    pub async fn reservation(&self, order_id: &str) -> Option<String> {
        let key = inv::ReservationKey {
            order_id: order_id.into(),
            reason: String::new(),
        };
        match self.inventory.clone().get_reservation(key).await {
            Ok(r) => Some(r.into_inner().status),
            Err(s) if s.code() == tonic::Code::NotFound => None,
            Err(s) => panic!("get reservation: {s:?}"),
        }
    }

    pub async fn payment(&self, order_id: &str) -> Result<pay::Payment, Status> {
        let key = pay::PaymentKey {
            order_id: order_id.into(),
        };
        self.payments
            .clone()
            .get_payment(key)
            .await
            .map(|p| p.into_inner())
    }

    /// Payment rows (one per attempt) in the payment service's database.
    pub async fn payment_count(&self) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM payments")
            .fetch_one(self.payment_db.reader())
            .await
            .expect("count payments")
    }

    pub async fn get(&self, user: &str, order_id: &str) -> pb::Order {
        self.orders()
            .get_order(order_ref(user, order_id))
            .await
            .expect("get order")
            .into_inner()
    }

    pub async fn history(&self, user: &str, order_id: &str) -> Vec<(String, String)> {
        let h = self
            .orders()
            .get_history(order_ref(user, order_id))
            .await
            .expect("history");
        h.into_inner()
            .entries
            .into_iter()
            .map(|e| (e.status, e.by))
            .collect()
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
            status: status.into(),
            note: String::new(),
            tracking,
            actor: "admin-1".into(),
        };
        self.orders().set_status(r).await.map(|o| o.into_inner())
    }

    /// One recovery pass as if `RECOVERY_AFTER` had passed.
    pub async fn recover(&self) -> vici_order::RecoveryReport {
        let later = vici_store::now_ms() + RECOVERY_AFTER.as_millis() as i64 + 1_000;
        vici_order::recover_once(&self.engine, later)
            .await
            .expect("recovery pass")
    }

    /// Events on `topic` for consumer group `group` until `stop` says enough, waiting up to
    /// 10 s for each.
    pub async fn events_until(
        &self,
        group: &str,
        topic: &str,
        stop: impl Fn(&[CloudEvent]) -> bool,
    ) -> Vec<CloudEvent> {
        let mut sub = self
            .bus
            .subscribe(group, &[topic])
            .await
            .expect("subscribe");
        let mut out = Vec::new();
        while !stop(&out) {
            let d = tokio::time::timeout(Duration::from_secs(10), sub.next())
                .await
                .unwrap_or_else(|_| panic!("timed out waiting on {topic}; got {out:?}"))
                .expect("delivery");
            sub.commit(&d).await.expect("commit");
            out.push(CloudEvent::from_json(&d.payload).expect("a CloudEvent"));
        }
        out
    }
}
