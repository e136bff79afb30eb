//! Boots the payment service for one case on a fresh database (a SQLite file or a PostgreSQL
//! database) and an in-memory bus, with the simulated provider (no latency) wrapped so the
//! cases can count provider calls, and a webhook secret. Cases that need another configuration
//! (Stripe, no webhook secret) start a second service with [`App::service_with`], on a
//! database of its own. Databases are removed once the case has passed.
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tonic::Status;
use vici_bus::memory::MemoryBus;
use vici_bus::topics::PAYMENT_EVENTS;
use vici_bus::{CloudEvent, SharedBus};
use vici_kit::config::{PaymentConfig, PaymentProvider};
use vici_kit::grpc::Channel;
use vici_kit::server::Shutdown;
use vici_kit::testing::{channel, serve_ephemeral};
use vici_payment::provider::simulated::Simulated;
use vici_payment::provider::{Authorization, CreatedIntent, NewIntent, Provider, ProviderResult};
use vici_proto::payment::v1 as pb;
use vici_proto::payment::v1::payment_service_client::PaymentServiceClient;
use vici_store::{Backend, Db, ServiceBase};

pub const WEBHOOK_SECRET: &str = "whsec_vici_test_secret";

pub type Client = PaymentServiceClient<Channel>;

/// The simulated provider, counting every call it gets.
pub struct Counting {
    inner: Simulated,
    pub intents: AtomicUsize,
    pub authorizations: AtomicUsize,
    pub captures: AtomicUsize,
    pub voids: AtomicUsize,
    pub refunds: AtomicUsize,
}

impl Counting {
    pub fn count(counter: &AtomicUsize) -> usize {
        counter.load(Ordering::SeqCst)
    }

    /// Every call of every kind.
    pub fn total(&self) -> usize {
        [
            &self.intents,
            &self.authorizations,
            &self.captures,
            &self.voids,
            &self.refunds,
        ]
        .into_iter()
        .map(Self::count)
        .sum()
    }
}

#[async_trait::async_trait]
impl Provider for Counting {
    fn kind(&self) -> vici_payment::provider::ProviderKind {
        self.inner.kind()
    }
    fn check_method(&self, method: &str) -> ProviderResult<()> {
        self.inner.check_method(method)
    }
    async fn create_intent(&self, intent: NewIntent<'_>) -> ProviderResult<CreatedIntent> {
        self.intents.fetch_add(1, Ordering::SeqCst);
        self.inner.create_intent(intent).await
    }
    async fn authorize(
        &self,
        intent: &str,
        method: &str,
        key: &str,
    ) -> ProviderResult<Authorization> {
        self.authorizations.fetch_add(1, Ordering::SeqCst);
        self.inner.authorize(intent, method, key).await
    }
    async fn capture(&self, intent: &str, amount: i64, key: &str) -> ProviderResult<()> {
        self.captures.fetch_add(1, Ordering::SeqCst);
        self.inner.capture(intent, amount, key).await
    }
    async fn void(&self, intent: &str, key: &str) -> ProviderResult<()> {
        self.voids.fetch_add(1, Ordering::SeqCst);
        self.inner.void(intent, key).await
    }
    async fn refund(&self, intent: &str, amount: i64, key: &str) -> ProviderResult<String> {
        self.refunds.fetch_add(1, Ordering::SeqCst);
        self.inner.refund(intent, amount, key).await
    }
}

/// A running payment service and what it runs on.
pub struct App {
    pub payments: Client,
    pub db: Db,
    pub bus: SharedBus,
    pub provider: Arc<Counting>,
    backend: Backend,
    shutdown: Shutdown,
    /// Databases of services started by [`App::service_with`], removed with the main one.
    extra: Arc<Mutex<Vec<Db>>>,
}

pub fn config(provider: PaymentProvider, webhook_secret: Option<&str>) -> PaymentConfig {
    PaymentConfig {
        provider,
        webhook_secret: webhook_secret.map(str::to_string),
        webhook_tolerance: Duration::from_secs(300),
    }
}

async fn database(backend: Backend) -> Db {
    let db = vici_store::testing::fresh(backend, "payment").await;
    db.migrate("payment", vici_payment::MIGRATIONS)
        .await
        .expect("payment migrates");
    db
}

/// Runs `case` against a fresh service on `backend`, then removes its databases.
pub async fn run<F, Fut>(backend: Backend, case: F)
where
    F: FnOnce(App) -> Fut,
    Fut: Future<Output = ()>,
{
    let db = database(backend).await;
    let shutdown = Shutdown::new();
    // One partition: events are delivered in publish order.
    let bus: SharedBus = Arc::new(MemoryBus::new(1));
    let provider = Arc::new(Counting {
        // A little latency, so concurrent duplicates really overlap the first provider call.
        inner: Simulated::new(Duration::from_millis(20)),
        intents: AtomicUsize::new(0),
        authorizations: AtomicUsize::new(0),
        captures: AtomicUsize::new(0),
        voids: AtomicUsize::new(0),
        refunds: AtomicUsize::new(0),
    });
    let deps = vici_payment::Deps {
        base: ServiceBase {
            db: db.clone(),
            bus: bus.clone(),
            shutdown: shutdown.clone(),
        },
        config: config(
            PaymentProvider::Simulated {
                latency: Duration::ZERO,
            },
            Some(WEBHOOK_SECRET),
        ),
    };
    let app = vici_payment::start_with_provider(deps, provider.clone())
        .await
        .expect("payment starts");
    let url = serve_ephemeral(app, &shutdown).await;
    let extra = Arc::new(Mutex::new(Vec::new()));
    case(App {
        payments: PaymentServiceClient::new(channel(&url)),
        db: db.clone(),
        bus,
        provider,
        backend,
        shutdown: shutdown.clone(),
        extra: extra.clone(),
    })
    .await;
    shutdown.cancel();
    let extra = std::mem::take(&mut *extra.lock().unwrap());
    for db in extra.into_iter().chain([db]) {
        vici_store::testing::discard(db).await;
    }
}

impl App {
    pub fn client(&self) -> Client {
        self.payments.clone()
    }

    /// Another payment service configured with `config`, on a database of its own.
    pub async fn service_with(&self, config: PaymentConfig) -> Client {
        let db = database(self.backend).await;
        self.extra.lock().unwrap().push(db.clone());
        let app = vici_payment::start(vici_payment::Deps {
            base: ServiceBase {
                db,
                bus: self.bus.clone(),
                shutdown: self.shutdown.clone(),
            },
            config,
        })
        .await
        .expect("payment starts");
        PaymentServiceClient::new(channel(&serve_ephemeral(app, &self.shutdown).await))
    }

    /// The first `n` events on `payment-events` (from the start, for a new `group`).
    pub async fn events(&self, group: &str, n: usize) -> Vec<(String, CloudEvent)> {
        let mut sub = self
            .bus
            .subscribe(group, &[PAYMENT_EVENTS])
            .await
            .expect("subscribe");
        let mut out = Vec::new();
        while out.len() < n {
            let d = tokio::time::timeout(Duration::from_secs(10), sub.next())
                .await
                .unwrap_or_else(|_| panic!("timed out waiting for payment event {}", out.len() + 1))
                .expect("delivery");
            sub.commit(&d).await.expect("commit");
            out.push((
                d.key.clone(),
                CloudEvent::from_json(&d.payload).expect("a CloudEvent"),
            ));
        }
        out
    }

    /// Authorises `amount` for a new order with `method`; the order id and the answer.
    pub async fn authorize(&self, method: &str, amount: i64) -> (String, pb::Payment) {
        let order = new_id();
        let p = self
            .client()
            .authorize(authorize(&order, &new_id(), &new_id(), method, amount))
            .await
            .expect("authorize")
            .into_inner();
        (order, p)
    }

    pub async fn capture(&self, order: &str) -> pb::Payment {
        self.client()
            .capture(key(order))
            .await
            .expect("capture")
            .into_inner()
    }

    pub async fn get(&self, order: &str) -> pb::Payment {
        self.client()
            .get_payment(key(order))
            .await
            .expect("get payment")
            .into_inner()
    }
}

pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

pub fn key(order: &str) -> pb::PaymentKey {
    pb::PaymentKey {
        order_id: order.into(),
    }
}

pub fn authorize(
    order: &str,
    attempt: &str,
    user: &str,
    method: &str,
    amount: i64,
) -> pb::AuthorizeRequest {
    pb::AuthorizeRequest {
        order_id: order.into(),
        attempt_id: attempt.into(),
        user_id: user.into(),
        payment_method: method.into(),
        amount_cents: amount,
        currency: "USD".into(),
        intent_id: None,
    }
}

pub fn refund(order: &str, amount: i64, key: &str) -> pb::RefundRequest {
    pb::RefundRequest {
        order_id: order.into(),
        amount_cents: amount,
        reason: "requested_by_customer".into(),
        idempotency_key: key.into(),
    }
}

pub fn reverse(order: &str) -> pb::ReverseRequest {
    pb::ReverseRequest {
        order_id: order.into(),
        reason: "Order cancelled".into(),
    }
}

/// Asserts a refusal with this gRPC code and message.
#[track_caller]
pub fn assert_refused(status: &Status, code: tonic::Code, message: &str) {
    assert_eq!(
        (status.code(), status.message()),
        (code, message),
        "{status:?}"
    );
}

/// The `details` map of a refused call.
pub fn details(status: &Status) -> BTreeMap<String, String> {
    vici_kit::testing::details(status)
}

/// A `Stripe-Signature` header for `payload` signed now with `secret`, computed here
/// independently of the service's own code.
pub fn stripe_signature(payload: &[u8], secret: &str, timestamp: i64) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(payload);
    let sig: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("t={timestamp},v1={sig}")
}
