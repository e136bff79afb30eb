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

/// A session's burst in the cases: larger than any case's events of one session but the
/// budget case's.
pub const BURST: usize = 25;

/// Runs `case` against a fresh event service on `backend`, then removes its database.
pub async fn run(backend: Backend, case: impl AsyncFnOnce(App)) {
    let services = Services::builder(backend)
        .service(vici_event::service())
        .setting("VICI_EVENT_SESSION_BURST", BURST)
        .setting("VICI_EVENT_SESSION_EVENTS_PER_SECOND", 1)
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

    /// Records what the shop served, each event with its own context.
    pub async fn served(
        &self,
        events: &[(pb::TrackContext, Value)],
    ) -> pb::BatchTrackEventsResponse {
        let events = events
            .iter()
            .map(|(context, event)| pb::ServedEvent {
                context: Some(context.clone()),
                event_json: event.to_string(),
            })
            .collect();
        self.events()
            .record_served_events(pb::RecordServedEventsRequest { events })
            .await
            .expect("served events are answered")
            .into_inner()
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
