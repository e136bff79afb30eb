//! Boots the product service for one case: a fresh database (SQLite file or PostgreSQL
//! database), the in-memory bus, a blob directory, the fake inventory, and a gRPC client.
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;
use vici_bus::memory::MemoryBus;
use vici_bus::{Bus as _, CloudEvent, SharedBus, Subscription};
use vici_kit::grpc::Channel;
use vici_kit::seed::{Catalog, SeedProduct};
use vici_kit::server::Shutdown;
use vici_proto::inventory::v1::inventory_service_client::InventoryServiceClient;
use vici_proto::product::v1::product_service_client::ProductServiceClient;
use vici_store::{Backend, Db};

use crate::inventory::FakeInventory;

/// Everything a case may start the service with.
pub struct Env {
    pub backend: Backend,
    pub db: Db,
    pub inventory: FakeInventory,
    inventory_url: String,
    bus: Arc<MemoryBus>,
    dir: PathBuf,
    shutdown: Shutdown,
}

/// A running product service.
pub struct App {
    pub client: ProductServiceClient<Channel>,
    pub inventory: FakeInventory,
    pub db: Db,
    pub catalog: Catalog,
    node: Node,
    events: Mutex<Box<dyn Subscription>>,
}

/// Runs `case` against a fresh environment on `backend`, then removes the environment.
pub async fn run<F, Fut>(backend: Backend, case: F)
where
    F: FnOnce(Env) -> Fut,
    Fut: Future<Output = ()>,
{
    let env = Env::new(backend).await;
    let (shutdown, db, dir) = (env.shutdown.clone(), env.db.clone(), env.dir.clone());
    case(env).await;
    shutdown.cancel();
    vici_store::testing::discard(db).await;
    let _ = std::fs::remove_dir_all(dir);
}

impl Env {
    async fn new(backend: Backend) -> Env {
        let dir = std::env::temp_dir().join(format!("vici-product-blobs-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let db = vici_store::testing::fresh(backend, "product").await;
        db.migrate("product", vici_product::MIGRATIONS)
            .await
            .expect("migrations apply");
        let shutdown = Shutdown::new();
        let inventory = FakeInventory::default();
        let inventory_url = inventory.clone().serve(shutdown.clone()).await;
        Env {
            backend,
            db,
            inventory,
            inventory_url,
            bus: Arc::new(MemoryBus::new(3)),
            dir,
            shutdown,
        }
    }

    /// Seeds `catalog` (products and, in the fake inventory, their stock) and starts the service.
    pub async fn start(self, catalog: Catalog) -> App {
        let url = self.inventory_url.clone();
        self.start_with_inventory(catalog, &url).await
    }

    /// Like [`Env::start`], but inventory never answers (its port is closed).
    pub async fn start_without_inventory(self, catalog: Catalog) -> App {
        static REFUSED: std::sync::LazyLock<vici_kit::testing::RefusedPort> =
            std::sync::LazyLock::new(vici_kit::testing::RefusedPort::new);
        self.start_with_inventory(catalog, &REFUSED.url()).await
    }

    async fn start_with_inventory(self, catalog: Catalog, inventory_url: &str) -> App {
        vici_product::seed(&self.db, &catalog)
            .await
            .expect("seeding");
        self.inventory.load(&catalog);
        let node = Node {
            db: self.db.clone(),
            bus: self.bus.clone(),
            blob_dir: self.dir.join("blobs"),
            inventory_url: inventory_url.to_string(),
            shutdown: self.shutdown.clone(),
        };
        let client = node.boot().await;
        let events = self
            .bus
            .subscribe("test-observer", &[vici_bus::topics::PRODUCT_EVENTS])
            .await
            .unwrap();
        App {
            client,
            inventory: self.inventory,
            db: self.db,
            catalog,
            node,
            events: Mutex::new(events),
        }
    }
}

/// What one product-service process runs on; a second process on the same database and bus
/// is another replica.
#[derive(Clone)]
struct Node {
    db: Db,
    bus: Arc<MemoryBus>,
    blob_dir: PathBuf,
    inventory_url: String,
    shutdown: Shutdown,
}

impl Node {
    async fn boot(&self) -> ProductServiceClient<Channel> {
        let blob = vici_blob::DirBlobStore::open(&self.blob_dir)
            .await
            .expect("blob dir");
        let bus: SharedBus = self.bus.clone();
        let channel = vici_kit::grpc::channel(&self.inventory_url, Duration::from_secs(5)).unwrap();
        let deps = vici_product::Deps {
            db: self.db.clone(),
            bus,
            blob: Arc::new(blob),
            inventory: InventoryServiceClient::new(channel),
            public_url: "http://shop.test".into(),
            shutdown: self.shutdown.clone(),
        };
        let app = vici_product::start(deps).await.expect("service starts");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(vici_kit::server::serve(
            app,
            listener,
            self.shutdown.clone(),
        ));
        let channel =
            vici_kit::grpc::channel(&format!("http://{addr}"), Duration::from_secs(30)).unwrap();
        ProductServiceClient::new(channel)
            .max_decoding_message_size(vici_kit::grpc::MAX_MESSAGE_BYTES)
    }
}

impl App {
    /// The next product event, waiting up to 5 s for the outbox relay.
    /// Publishes `event` on `topic` as another service would.
    pub async fn publish(&self, topic: &str, event: &CloudEvent) {
        let payload = serde_json::to_vec(event).unwrap();
        self.node
            .bus
            .publish(topic, &event.subject, &payload)
            .await
            .unwrap();
    }

    pub async fn next_event(&self) -> CloudEvent {
        let mut sub = self.events.lock().await;
        let delivery = tokio::time::timeout(Duration::from_secs(5), sub.next())
            .await
            .expect("a product event within 5 s")
            .expect("bus delivers");
        sub.commit(&delivery).await.unwrap();
        CloudEvent::from_json(&delivery.payload).expect("a CloudEvent")
    }

    /// Asserts no further product event arrives within a short wait.
    pub async fn no_more_events(&self) {
        let mut sub = self.events.lock().await;
        let got = tokio::time::timeout(Duration::from_millis(700), sub.next()).await;
        assert!(
            got.is_err(),
            "unexpected event: {:?}",
            got.map(|d| d.map(|d| String::from_utf8_lossy(&d.payload).into_owned()))
        );
    }

    /// Starts a second process of the service on the same database and bus (another replica)
    /// and returns its client.
    pub async fn replica(&self) -> ProductServiceClient<Channel> {
        self.node.boot().await
    }

    pub fn seed_product(&self, slug: &str) -> &SeedProduct {
        self.catalog
            .products
            .iter()
            .find(|p| p.slug == slug)
            .unwrap_or_else(|| panic!("no seed product {slug}"))
    }

    pub fn id_of(&self, slug: &str) -> String {
        self.seed_product(slug).id().to_string()
    }
}
