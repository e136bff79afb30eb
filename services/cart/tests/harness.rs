//! Boots the cart service for one case with its real neighbours: the inventory service and the
//! product service, each on its own fresh database (SQLite files or PostgreSQL databases),
//! seeded with the demo catalogue, all on one in-memory bus, each on a port-0 listener. The
//! databases and files are removed once the case has passed.
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tonic::{Code, Status};
use vici_bus::memory::MemoryBus;
use vici_bus::{CloudEvent, SharedBus};
use vici_kit::config::CartConfig;
use vici_kit::grpc::Channel;
use vici_kit::seed::Catalog;
use vici_kit::server::Shutdown;
use vici_kit::testing::{channel, serve_ephemeral};
use vici_proto::cart::v1 as pb;
use vici_proto::cart::v1::cart_service_client::CartServiceClient;
use vici_proto::inventory::v1::AdjustRequest;
use vici_proto::inventory::v1::inventory_service_client::InventoryServiceClient;
use vici_proto::product::v1::product_service_client::ProductServiceClient;
use vici_proto::product::v1::{ProductInput, ProductPatch, UpdateProductRequest};
use vici_store::{Backend, Db, ServiceBase};
use vici_test_utils::Catalogue;

/// A running cart service, its neighbours, and what they run on.
pub struct App {
    pub cart: CartServiceClient<Channel>,
    pub products: ProductServiceClient<Channel>,
    pub inventory: InventoryServiceClient<Channel>,
    /// The cart service's database.
    pub db: Db,
    pub bus: SharedBus,
    pub config: CartConfig,
}

/// Runs `case` against fresh services on `backend`, then removes their databases and files.
pub async fn run<F, Fut>(backend: Backend, case: F)
where
    F: FnOnce(App) -> Fut,
    Fut: Future<Output = ()>,
{
    let cart_db = vici_store::testing::fresh(backend, "cart").await;
    let catalog = Catalog::demo();
    let shutdown = Shutdown::new();
    // One partition: events are delivered in publish order.
    let bus: SharedBus = Arc::new(MemoryBus::new(1));
    let neighbours = Catalogue::start(backend, &catalog, &bus, &shutdown).await;

    cart_db
        .migrate("cart", vici_cart::MIGRATIONS)
        .await
        .expect("cart migrates");
    assert_eq!(
        vici_cart::seed(&cart_db, &catalog)
            .await
            .expect("cart seeds"),
        4
    );
    // Long intervals: the cases run the sweep themselves, at the times they choose.
    let config = CartConfig {
        abandon_after: Duration::from_secs(24 * 3600),
        expire_after: Duration::from_secs(30 * 86_400),
        sweep_interval: Duration::from_secs(3600),
    };
    let cart = vici_cart::start(vici_cart::Deps {
        base: ServiceBase {
            db: cart_db.clone(),
            bus: bus.clone(),
            shutdown: shutdown.clone(),
        },
        products: ProductServiceClient::new(channel(&neighbours.product_url)),
        config: config.clone(),
    })
    .await
    .expect("cart starts");
    let cart_url = serve_ephemeral(cart, &shutdown).await;

    case(App {
        cart: CartServiceClient::new(channel(&cart_url)),
        products: ProductServiceClient::new(channel(&neighbours.product_url)),
        inventory: InventoryServiceClient::new(channel(&neighbours.inventory_url)),
        db: cart_db.clone(),
        bus,
        config,
    })
    .await;
    shutdown.cancel();
    neighbours.discard().await;
    vici_store::testing::discard(cart_db).await;
}

/// A new user id, as the gateway would send after authentication.
pub fn new_user() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// The seeded product with this slug.
pub fn product(slug: &str) -> String {
    seeded(slug).id().to_string()
}

/// The seeded variant of `slug` with this name.
pub fn variant(slug: &str, name: &str) -> String {
    let p = seeded(slug);
    let v = p
        .variants
        .iter()
        .find(|v| v.name == name)
        .expect("seeded variant");
    p.variant_id(&v.sku).to_string()
}

fn seeded(slug: &str) -> vici_kit::seed::SeedProduct {
    Catalog::demo()
        .products
        .into_iter()
        .find(|p| p.slug == slug)
        .expect("seeded product")
}

/// The `details` map of a refused call, values as text.
pub fn details(status: &Status) -> BTreeMap<String, String> {
    let map: BTreeMap<String, serde_json::Value> =
        serde_json::from_slice(status.details()).unwrap_or_default();
    map.into_iter()
        .map(|(k, v)| (k, v.as_str().map_or_else(|| v.to_string(), str::to_string)))
        .collect()
}

/// The contract's error code a refused call carries.
pub fn error_code(status: &Status) -> String {
    status
        .metadata()
        .get(vici_kit::error::ERROR_CODE_METADATA)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
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
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    assert!(
        details(status).contains_key(field),
        "{field} missing in {status:?}"
    );
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
        self.cart()
            .get_cart(pb::CartRef {
                user_id: user.into(),
                session_id: String::new(),
            })
            .await
            .expect("get cart")
            .into_inner()
    }

    pub async fn add(&self, user: &str, product_id: &str, quantity: i64) -> pb::Cart {
        self.cart()
            .add_item(add(user, product_id, None, quantity))
            .await
            .expect("add item")
            .into_inner()
    }

    pub async fn apply(&self, user: &str, code: &str) -> Result<pb::Cart, Status> {
        self.cart()
            .apply_coupon(pb::ApplyCouponRequest {
                user_id: user.into(),
                code: code.into(),
            })
            .await
            .map(|r| r.into_inner())
    }

    /// Changes a product through the product service's admin API.
    pub async fn patch_product(&self, product_id: &str, patch: ProductPatch) {
        self.products
            .clone()
            .update_product(UpdateProductRequest {
                id: product_id.into(),
                patch: Some(patch),
            })
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
            status: Some(status.into()),
            ..ProductPatch::default()
        };
        self.patch_product(product_id, patch).await;
    }

    /// Sets available stock through the inventory service's admin API.
    pub async fn set_stock(&self, product_id: &str, variant_id: Option<&str>, quantity: i64) {
        self.inventory
            .clone()
            .adjust(AdjustRequest {
                product_id: product_id.into(),
                variant_id: variant_id.map(str::to_string),
                operation: "SET".into(),
                quantity,
                reason: "cart test".into(),
                actor: "test".into(),
            })
            .await
            .expect("adjust stock");
    }

    /// A new active product at `price_cents` with `stock` available; returns its id.
    pub async fn new_product(&self, name: &str, price_cents: i64, stock: i64) -> String {
        let created = self
            .products
            .clone()
            .create_product(ProductInput {
                name: name.into(),
                price_cents,
                category: "computers-accessories".into(),
                images: vec!["https://img.test/p.jpg".into()],
                status: "ACTIVE".into(),
                ..ProductInput::default()
            })
            .await
            .expect("create product")
            .into_inner();
        self.set_stock(&created.id, None, stock).await;
        created.id
    }

    /// The next `n` events on `topic` for consumer group `group`, waiting up to 10 s for each.
    pub async fn events(&self, group: &str, topic: &str, n: usize) -> Vec<(String, CloudEvent)> {
        let mut sub = self
            .bus
            .subscribe(group, &[topic])
            .await
            .expect("subscribe");
        let mut out = Vec::new();
        while out.len() < n {
            let d = tokio::time::timeout(Duration::from_secs(10), sub.next())
                .await
                .unwrap_or_else(|_| {
                    panic!("timed out waiting for event {} on {topic}", out.len() + 1)
                })
                .expect("delivery");
            sub.commit(&d).await.expect("commit");
            out.push((
                d.key.clone(),
                CloudEvent::from_json(&d.payload).expect("a CloudEvent"),
            ));
        }
        out
    }
}
