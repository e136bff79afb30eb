//! The services of one test case, started the way `vici` starts them (each crate's
//! [`Service`] entry on a [`Platform`]) but on port-0 listeners, over fresh databases of the
//! case's backend (SQLite files or new PostgreSQL databases), with the in-process bus and cache
//! and a temporary directory for files. Neighbours a case does not start point at a fake it
//! names, or at a port that refuses connections — never at a shop running on the machine.
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, LazyLock};

use futures::future::LocalBoxFuture;
use tokio::net::TcpListener;
use vici_catalog::Catalog;
use vici_kit::config::{Key, PLATFORM_KEYS};
use vici_kit::server::ServiceApp;
use vici_kit::{Config, ServiceName};
use vici_platform::{Client, Platform, Service};
use vici_store::{Backend, Db};

use crate::RefusedPort;

/// Starts a service on the case's platform in a way of the case's choosing.
pub type Starter =
    Arc<dyn Fn(Arc<Platform>) -> LocalBoxFuture<'static, anyhow::Result<ServiceApp>> + Send + Sync>;

/// Where services that are neither started nor faked are pointed: refused at once.
static NOWHERE: LazyLock<RefusedPort> = LazyLock::new(RefusedPort::new);

/// A service URL that refuses every connection for the life of the test binary (a service that
/// is down).
pub fn refusing_url() -> String {
    NOWHERE.url()
}

/// What a case starts: chosen with [`Services::builder`], started with [`Builder::start`].
pub struct Builder {
    backend: Backend,
    services: Vec<Service>,
    /// Services whose settings the case uses without starting them.
    configured: Vec<Service>,
    starters: HashMap<ServiceName, Starter>,
    elsewhere: HashMap<ServiceName, String>,
    settings: BTreeMap<String, String>,
    catalog: Option<Catalog>,
}

/// The running services of one case; clones share them.
#[derive(Clone)]
pub struct Services(Arc<Inner>);

struct Inner {
    backend: Backend,
    platform: Arc<Platform>,
    services: Vec<Service>,
    starters: HashMap<ServiceName, Starter>,
    catalog: Arc<Catalog>,
    dir: PathBuf,
}

impl Builder {
    /// Starts `service` for real (its own entry decides how, unless [`Builder::start_with`]).
    pub fn service(mut self, service: Service) -> Self {
        self.services.push(service);
        self
    }

    /// Takes `service`'s settings into the case without starting it (a case that builds the
    /// service's parts itself, e.g. the gateway's router).
    pub fn configure(mut self, service: Service) -> Self {
        self.configured.push(service);
        self
    }

    /// Starts the service `name` (added with [`Builder::service`]) with `start` instead of its
    /// entry's way, e.g. with a counting payment provider or a clock the case moves.
    pub fn start_with<F>(mut self, name: ServiceName, start: F) -> Self
    where
        F: Fn(Arc<Platform>) -> LocalBoxFuture<'static, anyhow::Result<ServiceApp>>
            + Send
            + Sync
            + 'static,
    {
        self.starters.insert(name, Arc::new(start));
        self
    }

    /// The service `name` answers at `url` (a fake the case serves, or a refusing port).
    pub fn elsewhere(mut self, name: ServiceName, url: impl Into<String>) -> Self {
        self.elsewhere.insert(name, url.into());
        self
    }

    /// A setting as an operator writes it (`VICI_CART_SWEEP_SECS`, `3600`); it must be a key
    /// of the platform or of a service of the case.
    pub fn setting(mut self, env: &str, value: impl ToString) -> Self {
        self.settings.insert(env.to_string(), value.to_string());
        self
    }

    /// Seeds `catalog` instead of the demo shop.
    pub fn catalog(mut self, catalog: Catalog) -> Self {
        self.catalog = Some(catalog);
        self
    }

    /// Binds a port per service, opens the platform on fresh databases, seeds the catalogue
    /// into every service that keeps a share of it, then starts and serves each service.
    pub async fn start(self) -> Services {
        let run = crate::db::suffix();
        let dir = std::env::temp_dir().join(format!("vici-case-{run}"));
        std::fs::create_dir_all(&dir).expect("the case's directory");
        let mut listeners = Vec::new();
        let mut env = BTreeMap::from([
            ("VICI_DATA_DIR".to_string(), dir.display().to_string()),
            // One partition: events are delivered in publish order.
            ("VICI_BUS_PARTITIONS".into(), "1".into()),
            ("VICI_PAYMENT_LATENCY_MS".into(), "0".into()),
            ("VICI_PUBLIC_URL".into(), "http://shop.test".into()),
        ]);
        if self.backend == Backend::Postgres {
            let server = crate::db::postgres_server();
            let url = format!(
                "{}/vici_test_{{service}}_{run}",
                server.trim_end_matches('/')
            );
            env.insert("VICI_DATABASE_URL".into(), url);
        }
        for name in ServiceName::ALL {
            let url = if self.services.iter().any(|s| s.name == name) {
                let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
                let url = format!("http://{}", listener.local_addr().expect("an address"));
                listeners.push((name, listener));
                url
            } else {
                self.elsewhere
                    .get(&name)
                    .cloned()
                    .unwrap_or_else(|| NOWHERE.url())
            };
            env.insert(format!("VICI_{}_URL", name.as_str().to_uppercase()), url);
        }
        let all = || self.services.iter().chain(&self.configured);
        let sections: Vec<&'static [Key]> = all().map(|s| s.config_keys).collect();
        known_settings(&self.settings, &sections);
        env.extend(self.settings.clone());
        let config = Config::from_sources(None, &env, &sections).expect("the case's settings");
        for s in all() {
            s.check_config(&config.settings)
                .expect("the case's settings");
        }
        let platform = Platform::open(config, &self.services)
            .await
            .expect("the case's platform");
        let platform = Arc::new(platform);
        let catalog = Arc::new(self.catalog.unwrap_or_else(Catalog::demo));
        for s in self.services.iter().filter(|s| s.name.has_database()) {
            let db = platform.database(s.name).await.expect("a fresh database");
            s.seed_catalog(&db, &catalog).await.expect("seeding");
        }
        let services = Services(Arc::new(Inner {
            backend: self.backend,
            platform,
            services: self.services,
            starters: self.starters,
            catalog,
            dir,
        }));
        for (name, listener) in listeners {
            let app = services.boot(name).await;
            let platform = services.platform();
            let limits = platform.config.connection_limits;
            let shutdown = platform.shutdown.clone();
            tokio::spawn(vici_kit::server::serve(app, listener, limits, shutdown));
        }
        services
    }
}

/// Panics on a setting no key of the case answers to: it would be ignored silently.
fn known_settings(settings: &BTreeMap<String, String>, sections: &[&'static [Key]]) {
    let keys = sections.iter().flat_map(|s| s.iter());
    let mut known: Vec<String> = PLATFORM_KEYS
        .iter()
        .chain(keys)
        .map(|k| k.env.into())
        .collect();
    known.extend(ServiceName::ALL.map(|s| format!("VICI_{}_URL", s.as_str().to_uppercase())));
    for env in settings.keys() {
        assert!(
            known.contains(env),
            "`{env}` is no setting of this case's services"
        );
    }
}

impl Services {
    /// Nothing started yet, on `backend`.
    pub fn builder(backend: Backend) -> Builder {
        Builder {
            backend,
            services: Vec::new(),
            configured: Vec::new(),
            starters: HashMap::new(),
            elsewhere: HashMap::new(),
            settings: BTreeMap::new(),
            catalog: None,
        }
    }

    /// Starts one more process of the started service `name` on the same database, bus and
    /// cache (another replica, or the service after a restart); its URL.
    pub async fn start_again(&self, name: ServiceName) -> String {
        let app = self.boot(name).await;
        self.serve(app).await
    }

    /// Serves an app the case built itself (a service on settings of its own) on port 0 until
    /// the case ends; its URL.
    pub async fn serve(&self, app: ServiceApp) -> String {
        crate::serve_ephemeral(app, &self.platform().shutdown).await
    }

    async fn boot(&self, name: ServiceName) -> ServiceApp {
        let inner = &self.0;
        let started = match inner.starters.get(&name) {
            Some(start) => start(inner.platform.clone()).await,
            None => {
                let service = inner.services.iter().find(|s| s.name == name);
                let service = service.unwrap_or_else(|| panic!("{name} is not started here"));
                service.start(&inner.platform).await
            }
        };
        started.unwrap_or_else(|e| panic!("{name} does not start: {e:#}"))
    }

    pub fn backend(&self) -> Backend {
        self.0.backend
    }

    pub fn platform(&self) -> &Platform {
        &self.0.platform
    }

    /// The seeded catalogue.
    pub fn catalog(&self) -> &Catalog {
        &self.0.catalog
    }

    /// The case's data directory (`VICI_DATA_DIR`), removed when the case finishes.
    pub fn data_dir(&self) -> &std::path::Path {
        &self.0.dir
    }

    /// Where the service `name` answers.
    pub fn url(&self, name: ServiceName) -> String {
        self.platform().config.service_url(name)
    }

    /// A typed client of a service, e.g. `services.client::<CartServiceClient<Channel>>()`.
    pub fn client<C: Client>(&self) -> C {
        self.platform().client().expect("a client")
    }

    /// A started service's database.
    pub async fn db(&self, name: ServiceName) -> Db {
        self.platform().database(name).await.expect("the database")
    }

    pub fn bus(&self) -> vici_bus::SharedBus {
        self.platform().bus.clone()
    }

    /// Stops the services and removes their databases; call once the case passed. (The case's
    /// directory goes when the last clone of the services does.)
    pub async fn finish(self) {
        let inner = &self.0;
        inner.platform.shutdown.cancel();
        for (_, db) in inner.platform.databases().await {
            crate::discard(db).await;
        }
    }
}

/// Services a case starts as it goes (on settings or a catalogue of its choosing), finished
/// together once the case has passed.
#[derive(Clone, Default)]
pub struct Scope(Arc<std::sync::Mutex<Vec<Services>>>);

impl Scope {
    /// Keeps `services` until [`Scope::finish`]; returns them.
    pub fn keep(&self, services: Services) -> Services {
        self.0.lock().expect("scope").push(services.clone());
        services
    }

    /// Finishes everything kept.
    pub async fn finish(self) {
        let kept = std::mem::take(&mut *self.0.lock().expect("scope"));
        for services in kept {
            services.finish().await;
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.platform.shutdown.cancel();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
