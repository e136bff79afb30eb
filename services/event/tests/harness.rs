//! The event service for one case, on a fresh database and its own in-memory bus.
use serde_json::Value;
use vici_proto::event::v1 as pb;
use vici_proto::event::v1::event_service_client::EventServiceClient;
use vici_testkit::{Backend, Channel, Services};

/// A running event service.
pub struct App {
    pub services: Services,
    pub events: EventServiceClient<Channel>,
}

/// Runs `case` against a fresh event service on `backend`, then removes its database.
pub async fn run(backend: Backend, case: impl AsyncFnOnce(App)) {
    let services = Services::builder(backend)
        .service(vici_event::service())
        .start()
        .await;
    case(App {
        events: services.client(),
        services: services.clone(),
    })
    .await;
    services.finish().await;
}

/// A browser's call: a client recording, with the request's headers and address.
pub fn browser(user: Option<&str>, session: Option<&str>) -> pb::TrackContext {
    pb::TrackContext {
        origin: pb::Origin::Client.into(),
        user_id: user.map(str::to_string),
        session_id: session.map(str::to_string),
        user_agent: Some("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36".into()),
        referrer: Some("https://shop.example/search?q=shoes".into()),
        ip: Some("203.0.113.77".into()),
    }
}

impl App {
    pub fn events(&self) -> EventServiceClient<Channel> {
        self.events.clone()
    }

    /// Tracks one event; its id or the refusal.
    pub async fn track(
        &self,
        context: pb::TrackContext,
        event: Value,
    ) -> Result<String, tonic::Status> {
        self.events()
            .track_event(pb::TrackEventRequest {
                context: Some(context),
                event_json: event.to_string(),
            })
            .await
            .map(|r| r.into_inner().event_id)
    }

    /// Tracks a batch.
    pub async fn batch(
        &self,
        context: pb::TrackContext,
        events: &[Value],
    ) -> pb::BatchTrackEventsResponse {
        self.events()
            .batch_track_events(pb::BatchTrackEventsRequest {
                context: Some(context),
                events_json: events.iter().map(Value::to_string).collect(),
            })
            .await
            .expect("a batch is answered")
            .into_inner()
    }
}
