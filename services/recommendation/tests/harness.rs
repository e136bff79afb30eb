//! The recommendation service for one case: a fresh database, its own in-memory bus, and a
//! store on the in-process engine (SQLite cases) or on a real Redis namespace of the case's
//! own (PostgreSQL cases), as `vici up` and a production deployment run it.
use serde_json::json;
use vici_bus::CloudEvent;
use vici_bus::topics::USER_EVENTS;
use vici_cache::SharedCache;
use vici_proto::recommendation::v1 as pb;
use vici_proto::recommendation::v1::recommendation_service_client::RecommendationServiceClient;
use vici_recommendation::Deps;
use vici_testkit::caches::{memory_cache, redis_cache};
use vici_testkit::{Backend, Builder, Channel, ServiceName, Services};

pub struct App {
    pub services: Services,
    pub cache: SharedCache,
}

/// Runs `case` against a fresh recommendation service on `backend`, then removes its database
/// (and its Redis keys).
pub async fn run(backend: Backend, case: impl AsyncFnOnce(App)) {
    run_with(backend, Services::builder(backend), case).await;
}

/// [`run`] with an ML team's pipeline owning the lists, and the demo catalogue (the product
/// service, with the inventory its answers carry stock from) to check them against.
pub async fn run_external(backend: Backend, case: impl AsyncFnOnce(App)) {
    let builder = Services::builder(backend)
        .service(vici_product::service())
        .service(vici_inventory::service())
        .setting("VICI_RECOMMENDATION_PIPELINE", "external");
    run_with(backend, builder, case).await;
}

async fn run_with(backend: Backend, builder: Builder, case: impl AsyncFnOnce(App)) {
    let redis = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some(redis_cache("recommendation").await),
    };
    let cache: SharedCache = match &redis {
        Some(redis) => redis.clone(),
        None => memory_cache(),
    };
    let store = cache.clone();
    let services = builder
        .service(vici_recommendation::service())
        .start_with(ServiceName::Recommendation, move |p| {
            let cache = store.clone();
            Box::pin(async move {
                let mut deps = Deps::from_platform(&p).await?;
                deps.cache = cache;
                vici_recommendation::start(deps).await
            })
        })
        .start()
        .await;
    case(App {
        services: services.clone(),
        cache,
    })
    .await;
    services.finish().await;
    if let Some(redis) = redis {
        redis
            .clear_namespace()
            .await
            .expect("clean up the namespace");
    }
}

impl App {
    pub fn recs(&self) -> RecommendationServiceClient<Channel> {
        self.services.client()
    }

    /// A behaviour event as the event service publishes it.
    pub async fn behaviour(
        &self,
        event_type: &str,
        user: Option<&str>,
        session: &str,
        product: &str,
    ) -> CloudEvent {
        let key = user.map_or_else(|| format!("anon:{session}"), str::to_string);
        let data =
            json!({"userId": user, "sessionId": session, "productId": product, "isBot": false});
        let event = CloudEvent::new("event", event_type, &key, data);
        self.services.publish(USER_EVENTS, &event).await;
        event
    }

    /// One order line, as the order service announces it after payment.
    pub async fn purchase(&self, user: &str, order: &str, product: &str) {
        let data = json!({"userId": user, "sessionId": format!("s-{user}"), "productId": product,
            "orderId": order, "quantity": 1, "priceCents": 1000, "isBot": false});
        let event = CloudEvent::new("order", "behaviour.purchase", user, data);
        self.services.publish(USER_EVENTS, &event).await;
    }

    /// A sign-in of `session` as `user`.
    pub async fn identify(&self, session: &str, user: &str) {
        let data = json!({"userId": user, "sessionId": session, "isBot": false});
        let event = CloudEvent::new("event", "behaviour.identify", user, data);
        self.services.publish(USER_EVENTS, &event).await;
    }

    pub async fn publish(&self, topic: &str, event: &CloudEvent) {
        self.services.publish(topic, event).await;
    }

    /// The shelf `kind` for `user`/`session`: product ids and sources.
    pub async fn shelf(
        &self,
        kind: pb::RecommendationKind,
        user: Option<&str>,
        session: Option<&str>,
        product: Option<&str>,
    ) -> Vec<(String, String)> {
        let request = pb::RecommendRequest {
            kind: kind.into(),
            user_id: user.map(str::to_string),
            session_id: session.map(str::to_string),
            product_id: product.map(str::to_string),
            limit: 10,
            category_ids: Vec::new(),
        };
        let answer = self.recs().recommend(request).await.expect("an answer");
        answer
            .into_inner()
            .items
            .into_iter()
            .map(|i| (i.product_id, i.source))
            .collect()
    }
}
