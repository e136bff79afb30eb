//! The cart service for one case with its real neighbours, product and inventory, on fresh
//! databases seeded with the demo catalogue (`vici_testkit::Services`). The sweeps run when
//! the cases say, not on a timer.
use std::future::Future;

use tonic::{Code, Status};
use vici_bus::CloudEvent;
use vici_cart::CartConfig;
use vici_proto::cart::v1 as pb;
use vici_proto::cart::v1::cart_service_client::CartServiceClient;
use vici_proto::inventory::v1::AdjustRequest;
use vici_proto::inventory::v1::inventory_service_client::InventoryServiceClient;
use vici_proto::product::v1::product_service_client::ProductServiceClient;
use vici_proto::product::v1::{ProductInput, ProductPatch, ProductStatus, UpdateProductRequest};
use vici_proto::vocabulary::Spelled;
use vici_testkit::{Backend, Channel, Db, ServiceName, Services};

pub use vici_testkit::demo::{product_id as product, variant_id as variant};
pub use vici_testkit::{details, error_code, new_id as new_user};

/// A running cart service and its neighbours.
pub struct App {
    pub services: Services,
    pub cart: CartServiceClient<Channel>,
    pub products: ProductServiceClient<Channel>,
    pub inventory: InventoryServiceClient<Channel>,
    /// The cart service's database.
    pub db: Db,
    pub config: CartConfig,
}

/// Runs `case` against fresh services on `backend`, then removes their databases and files.
pub async fn run<F, Fut>(backend: Backend, case: F)
where
    F: FnOnce(App) -> Fut,
    Fut: Future<Output = ()>,
{
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
        products: services.client(),
        inventory: services.client(),
        db: services.db(ServiceName::Cart).await,
        config: services.platform().section().expect("cart settings"),
        services: services.clone(),
    })
    .await;
    services.finish().await;
}

/// Asserts a refusal with this gRPC code and message.
#[track_caller]
pub fn assert_refused(status: &Status, code: Code, message: &str) {
    assert_eq!(
        (status.code(), status.message()),
        (code, message),
        "{status:?}"
    );
}

/// Asserts a validation error whose details name `field`.
#[track_caller]
pub fn assert_invalid(status: &Status, field: &str) {
    vici_testkit::invalid::<()>(Err(status.clone()), field);
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

    pub async fn get(&self, user: &str) -> pb::Cart {
        let r = pb::CartRef {
            user_id: user.into(),
            session_id: String::new(),
        };
        self.cart()
            .get_cart(r)
            .await
            .expect("get cart")
            .into_inner()
    }

    pub async fn add(&self, user: &str, product_id: &str, quantity: i64) -> pb::Cart {
        let r = add(user, product_id, None, quantity);
        self.cart()
            .add_item(r)
            .await
            .expect("add item")
            .into_inner()
    }

    pub async fn apply(&self, user: &str, code: &str) -> Result<pb::Cart, Status> {
        let r = pb::ApplyCouponRequest {
            user_id: user.into(),
            code: code.into(),
        };
        self.cart().apply_coupon(r).await.map(|r| r.into_inner())
    }

    /// Changes a product through the product service's admin API.
    async fn patch_product(&self, product_id: &str, patch: ProductPatch) {
        let r = UpdateProductRequest {
            id: product_id.into(),
            patch: Some(patch),
        };
        self.products
            .clone()
            .update_product(r)
            .await
            .expect("update product");
    }

    pub async fn set_price(&self, product_id: &str, price_cents: i64) {
        let patch = ProductPatch {
            price_cents: Some(price_cents),
            ..ProductPatch::default()
        };
        self.patch_product(product_id, patch).await;
    }

    pub async fn set_status(&self, product_id: &str, status: &str) {
        let patch = ProductPatch {
            status: ProductStatus::parse(status)
                .unwrap_or_else(|| panic!("no status {status}"))
                .into(),
            ..ProductPatch::default()
        };
        self.patch_product(product_id, patch).await;
    }

    /// Sets available stock through the inventory service's admin API.
    pub async fn set_stock(&self, product_id: &str, variant_id: Option<&str>, quantity: i64) {
        let r = AdjustRequest {
            product_id: product_id.into(),
            variant_id: variant_id.map(str::to_string),
            operation: vici_proto::inventory::v1::StockOperation::Set.into(),
            quantity,
            reason: "cart test".into(),
            actor: "test".into(),
        };
        self.inventory
            .clone()
            .adjust(r)
            .await
            .expect("adjust stock");
    }

    /// A new active product at `price_cents` with `stock` available; returns its id.
    pub async fn new_product(&self, name: &str, price_cents: i64, stock: i64) -> String {
        let input = ProductInput {
            name: name.into(),
            price_cents,
            category: "computers-accessories".into(),
            images: vec!["https://img.test/p.jpg".into()],
            status: ProductStatus::Active.into(),
            ..ProductInput::default()
        };
        let created = self.products.clone().create_product(input).await;
        let id = created.expect("create product").into_inner().id;
        self.set_stock(&id, None, stock).await;
        id
    }

    /// The first `n` events on `topic` for consumer group `group`.
    pub async fn events(&self, group: &str, topic: &str, n: usize) -> Vec<(String, CloudEvent)> {
        self.services.drain(group, &[topic]).await.take(n).await
    }
}
