//! The payment service for one case on a fresh database (`vici_testkit::Services`), with the
//! simulated provider wrapped so the cases can count provider calls, and a webhook secret.
//! Cases that need other settings (Stripe, no webhook secret) start a second service with
//! [`App::service_with`], on a database of its own.
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use vici_bus::CloudEvent;
use vici_bus::topics::PAYMENT_EVENTS;
use vici_payment::provider::simulated::Simulated;
use vici_payment::provider::{Authorization, CreatedIntent, NewIntent, Provider, ProviderResult};
use vici_proto::payment::v1 as pb;
use vici_proto::payment::v1::payment_service_client::PaymentServiceClient;
use vici_testkit::{Backend, Channel, Db, Scope, ServiceName, Services, Unary as _};

pub use vici_testkit::{assert_refused, details, new_id};

pub const WEBHOOK_SECRET: &str = "whsec_vici_test_secret";

pub type Client = PaymentServiceClient<Channel>;

/// The simulated provider, counting every call it gets by kind (`intents`, `authorizations`,
/// `captures`, `voids`, `refunds`).
pub struct Counting {
    inner: Simulated,
    calls: Mutex<BTreeMap<&'static str, usize>>,
}

impl Counting {
    fn note(&self, kind: &'static str) {
        *self.calls.lock().unwrap().entry(kind).or_default() += 1;
    }

    /// The calls of `kind` so far.
    pub fn calls(&self, kind: &str) -> usize {
        self.calls.lock().unwrap().get(kind).copied().unwrap_or(0)
    }

    /// Every call of every kind.
    pub fn total(&self) -> usize {
        self.calls.lock().unwrap().values().sum()
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
        self.note("intents");
        self.inner.create_intent(intent).await
    }
    async fn authorize(
        &self,
        intent: &str,
        method: &str,
        key: &str,
    ) -> ProviderResult<Authorization> {
        self.note("authorizations");
        self.inner.authorize(intent, method, key).await
    }
    async fn capture(&self, intent: &str, amount: i64, key: &str) -> ProviderResult<()> {
        self.note("captures");
        self.inner.capture(intent, amount, key).await
    }
    async fn void(&self, intent: &str, key: &str) -> ProviderResult<()> {
        self.note("voids");
        self.inner.void(intent, key).await
    }
    async fn refund(&self, intent: &str, amount: i64, key: &str) -> ProviderResult<String> {
        self.note("refunds");
        self.inner.refund(intent, amount, key).await
    }
}

/// A running payment service and what it runs on.
pub struct App {
    pub services: Services,
    pub payments: Client,
    pub db: Db,
    pub provider: Arc<Counting>,
    /// Services started by [`App::service_with`], removed with the main one.
    others: Scope,
}

/// Runs `case` against a fresh service on `backend`, then removes its databases.
pub async fn run(backend: Backend, case: impl AsyncFnOnce(App)) {
    let provider = Arc::new(Counting {
        // A little latency, so concurrent duplicates really overlap the first provider call.
        inner: Simulated::new(Duration::from_millis(20)),
        calls: Mutex::default(),
    });
    let counting = provider.clone();
    let services = Services::builder(backend)
        .service(vici_payment::service())
        .start_with(ServiceName::Payment, move |p| {
            let provider = counting.clone();
            Box::pin(async move {
                let deps = vici_payment::Deps::from_platform(&p).await?;
                vici_payment::start_with_provider(deps, provider).await
            })
        })
        .setting("VICI_STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
        .start()
        .await;
    let scope = Scope::default();
    case(App {
        payments: services.client(),
        db: services.db(ServiceName::Payment).await,
        provider,
        others: scope.clone(),
        services: scope.keep(services),
    })
    .await;
    scope.finish().await;
}

impl App {
    pub fn client(&self) -> Client {
        self.payments.clone()
    }

    /// Another payment service with `settings` (as `VICI_*` pairs), on a database of its own.
    pub async fn service_with(&self, settings: &[(&str, &str)]) -> Client {
        let builder = Services::builder(self.services.backend()).service(vici_payment::service());
        let builder = settings
            .iter()
            .fold(builder, |b, (env, value)| b.setting(env, value));
        self.others.keep(builder.start().await).client()
    }

    /// The first `n` events on `payment-events` (from the start, for a new `group`).
    pub async fn events(&self, group: &str, n: usize) -> Vec<(String, CloudEvent)> {
        self.services
            .drain(group, &[PAYMENT_EVENTS])
            .await
            .take(n)
            .await
    }

    /// Authorises `amount` for a new order with `method`; the order id and the answer.
    pub async fn authorize(&self, method: &str, amount: i64) -> (String, pb::Payment) {
        let order = new_id();
        let request = authorize(&order, &new_id(), &new_id(), method, amount);
        let payment = self.client().authorize(request).await;
        (order, payment.expect_message("authorize"))
    }

    pub async fn capture(&self, order: &str) -> pb::Payment {
        self.client()
            .capture(key(order))
            .await
            .expect_message("capture")
    }

    pub async fn get(&self, order: &str) -> pb::Payment {
        let payment = self.client().get_payment(key(order)).await;
        payment.expect_message("get payment")
    }
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
