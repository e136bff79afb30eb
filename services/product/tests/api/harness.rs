//! The product service for one case (`vici_testkit::Services`) on a fresh database, with the
//! fake inventory serving stock and the case choosing the catalogue it starts from.
use std::time::Duration;

use vici_bus::CloudEvent;
use vici_catalog::{Catalog, SeedProduct};
use vici_kit::server::Shutdown;
use vici_proto::product::v1::product_service_client::ProductServiceClient;
use vici_testkit::{Backend, Channel, Db, Drain, Scope, ServiceName, Services};

use crate::inventory::FakeInventory;

/// What a case may start the service with.
pub struct Env {
    pub backend: Backend,
    pub inventory: FakeInventory,
    inventory_url: String,
    /// The services the case started, finished once it has passed.
    started: Scope,
}

/// A running product service.
pub struct App {
    pub services: Services,
    pub client: ProductServiceClient<Channel>,
    pub inventory: FakeInventory,
    pub db: Db,
    pub catalog: Catalog,
    events: tokio::sync::Mutex<Drain>,
}

/// Runs `case` against a fresh environment on `backend`, then removes the environment.
pub async fn run(backend: Backend, case: impl AsyncFnOnce(Env)) {
    let shutdown = Shutdown::new();
    let inventory = FakeInventory::default();
    let inventory_url = inventory.clone().serve(shutdown.clone()).await;
    let started = Scope::default();
    let env = Env {
        backend,
        inventory,
        inventory_url,
        started: started.clone(),
    };
    case(env).await;
    shutdown.cancel();
    started.finish().await;
}

impl Env {
    /// Seeds `catalog` (products and, in the fake inventory, their stock) and starts the service.
    pub async fn start(self, catalog: Catalog) -> App {
        let url = self.inventory_url.clone();
        self.start_with_inventory(catalog, url).await
    }

    /// Like [`Env::start`], but inventory never answers (its port refuses connections).
    pub async fn start_without_inventory(self, catalog: Catalog) -> App {
        self.start_with_inventory(catalog, vici_testkit::refusing_url())
            .await
    }

    async fn start_with_inventory(self, catalog: Catalog, inventory_url: String) -> App {
        self.inventory.load(&catalog);
        let builder = Services::builder(self.backend)
            .service(vici_product::service())
            .elsewhere(ServiceName::Inventory, inventory_url)
            .setting("VICI_BUS_PARTITIONS", 3)
            .catalog(catalog);
        let services = self.started.keep(builder.start().await);
        let events = services
            .drain("test-observer", &[vici_bus::topics::PRODUCT_EVENTS])
            .await;
        App {
            client: services.client(),
            inventory: self.inventory,
            db: services.db(ServiceName::Product).await,
            catalog: services.catalog().clone(),
            events: tokio::sync::Mutex::new(events),
            services,
        }
    }
}

impl App {
    /// The next product event.
    pub async fn next_event(&self) -> CloudEvent {
        self.events.lock().await.next().await.1
    }

    /// Asserts no further product event arrives within a short wait.
    pub async fn no_more_events(&self) {
        let mut events = self.events.lock().await;
        events.assert_quiet(Duration::from_millis(700)).await;
    }

    /// Starts a second process of the service on the same database and bus (another replica)
    /// and returns its client.
    pub async fn replica(&self) -> ProductServiceClient<Channel> {
        let url = self.services.start_again(ServiceName::Product).await;
        vici_testkit::client_at(&url)
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
