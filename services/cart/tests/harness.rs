//! The cart service for one case with its real neighbours, product and inventory, on fresh
//! databases seeded with the demo catalogue (`vici_testkit::Services`). The sweeps run when
//! the cases say, not on a timer.
use vici_cart::CartConfig;
use vici_proto::cart::v1 as pb;
use vici_proto::cart::v1::cart_service_client::CartServiceClient;
use vici_proto::product::v1::{ProductPatch, ProductStatus};
use vici_proto::vocabulary::Spelled;
use vici_testkit::{Backend, Channel, Db, ServiceName, Services};

pub use vici_testkit::demo::{product_id as product, variant_id as variant};
pub use vici_testkit::{assert_invalid, assert_refused, details, error_code, new_id as new_user};

/// A running cart service and its neighbours.
pub struct App {
    pub services: Services,
    pub cart: CartServiceClient<Channel>,
    /// The cart service's database.
    pub db: Db,
    pub config: CartConfig,
}

/// Runs `case` against fresh services on `backend`, then removes their databases and files.
pub async fn run(backend: Backend, case: impl AsyncFnOnce(App)) {
    let services = Services::builder(backend)
        .service(vici_cart::service())
        .service(vici_product::service())
        .service(vici_inventory::service())
        .setting("VICI_CART_SWEEP_SECS", 3600)
        .setting("VICI_INVENTORY_SWEEP_SECS", 3600)
        .start()
        .await;
    case(App {
        cart: services.client(),
        db: services.db(ServiceName::Cart).await,
        config: services.platform().section().expect("cart settings"),
        services: services.clone(),
    })
    .await;
    services.finish().await;
}

pub fn add(
    user: &str,
    product_id: &str,
    variant_id: Option<&str>,
    quantity: i64,
) -> pb::AddItemRequest {
    pb::AddItemRequest {
        user_id: user.into(),
        product_id: product_id.into(),
        variant_id: variant_id.map(str::to_string),
        quantity,
        session_id: "session-1".into(),
    }
}

impl App {
    pub fn cart(&self) -> CartServiceClient<Channel> {
        self.cart.clone()
    }

    pub async fn set_price(&self, product_id: &str, price_cents: i64) {
        let patch = ProductPatch {
            price_cents: Some(price_cents),
            ..ProductPatch::default()
        };
        self.services.update_product(product_id, patch).await;
    }

    pub async fn set_status(&self, product_id: &str, status: &str) {
        let status = ProductStatus::parse(status).unwrap_or_else(|| panic!("no status {status}"));
        let patch = ProductPatch {
            status: status.into(),
            ..ProductPatch::default()
        };
        self.services.update_product(product_id, patch).await;
    }
}
