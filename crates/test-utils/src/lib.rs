//! Fixtures the services' test harnesses share: the catalogue neighbours (inventory and
//! product) that the cart and order services call, running for real on fresh databases.
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use vici_bus::SharedBus;
use vici_kit::config::InventoryConfig;
use vici_kit::seed::Catalog;
use vici_kit::server::Shutdown;
use vici_kit::testing::{channel, serve_ephemeral};
use vici_proto::inventory::v1::inventory_service_client::InventoryServiceClient;
use vici_store::{Backend, Db, ServiceBase};

/// The inventory and product services of one case, on port-0 listeners.
pub struct Catalogue {
    pub inventory_db: Db,
    pub product_db: Db,
    pub inventory_url: String,
    pub product_url: String,
    blob_dir: PathBuf,
}

impl Catalogue {
    /// Starts inventory and product on fresh `backend` databases seeded with `catalog`, on
    /// `bus`, until `shutdown`. Reservations last 15 minutes and are swept hourly: the cases
    /// expire them themselves, at the times they choose.
    pub async fn start(
        backend: Backend,
        catalog: &Catalog,
        bus: &SharedBus,
        shutdown: &Shutdown,
    ) -> Self {
        let inventory_db = vici_store::testing::fresh(backend, "inventory").await;
        let product_db = vici_store::testing::fresh(backend, "product").await;
        inventory_db
            .migrate("inventory", vici_inventory::MIGRATIONS)
            .await
            .expect("inventory migrates");
        vici_inventory::seed(&inventory_db, catalog)
            .await
            .expect("inventory seeds");
        let inventory = vici_inventory::start(vici_inventory::Deps {
            base: ServiceBase {
                db: inventory_db.clone(),
                bus: bus.clone(),
                shutdown: shutdown.clone(),
            },
            config: InventoryConfig {
                reservation_ttl: Duration::from_secs(900),
                sweep_interval: Duration::from_secs(3600),
            },
        })
        .await
        .expect("inventory starts");
        let inventory_url = serve_ephemeral(inventory, shutdown).await;

        product_db
            .migrate("product", vici_product::MIGRATIONS)
            .await
            .expect("product migrates");
        vici_product::seed(&product_db, catalog)
            .await
            .expect("product seeds");
        let blob_dir = std::env::temp_dir().join(format!("vici-blobs-{}", uuid::Uuid::new_v4()));
        let blob = vici_blob::DirBlobStore::open(&blob_dir)
            .await
            .expect("blob dir");
        let product = vici_product::start(vici_product::Deps {
            db: product_db.clone(),
            bus: bus.clone(),
            blob: Arc::new(blob),
            inventory: InventoryServiceClient::new(channel(&inventory_url)),
            public_url: "http://shop.test".into(),
            shutdown: shutdown.clone(),
        })
        .await
        .expect("product starts");
        let product_url = serve_ephemeral(product, shutdown).await;
        Self {
            inventory_db,
            product_db,
            inventory_url,
            product_url,
            blob_dir,
        }
    }

    /// Removes the databases and the image files; call once the services are told to stop.
    pub async fn discard(self) {
        let _ = std::fs::remove_dir_all(&self.blob_dir);
        vici_store::testing::discard(self.inventory_db).await;
        vici_store::testing::discard(self.product_db).await;
    }
}
