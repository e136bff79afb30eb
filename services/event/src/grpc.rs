//! The gRPC handlers of `vici.event.v1.EventService`: each reads the call's context, calls one
//! use case of `service` and encodes the answer.
use std::net::IpAddr;
use std::sync::Arc;

use serde_json::Value;
use tonic::{Request, Response, Status};
use vici_kit::Error;
use vici_proto::event::v1 as pb;
use vici_proto::event::v1::event_service_server::EventService;
use vici_types::{TypedId, UserId};

use crate::analytics;
use crate::domain::catalogue::Origin;
use crate::domain::enrich::Context;
use crate::domain::schema;
use crate::service::{Call, Service};

/// Most events in one batch.
pub const BATCH_MAX: usize = 500;

pub struct EventApi {
    service: Arc<Service>,
}

impl EventApi {
    pub fn new(service: Arc<Service>) -> Self {
        Self { service }
    }
}

type Reply<T> = Result<Response<T>, Status>;

/// The context of a call: who records (a client unless the shop says it is itself), the
/// verified user, the session header and the request's browser and address.
fn context(raw: Option<pb::TrackContext>) -> vici_kit::Result<(Origin, Context, Option<String>)> {
    let raw = raw.unwrap_or_default();
    let origin = match pb::Origin::try_from(raw.origin) {
        Ok(pb::Origin::Shop) => Origin::Shop,
        _ => Origin::Client,
    };
    let user_id = match raw.user_id.as_deref() {
        Some(id) => Some(UserId::parse(id)?.to_string()),
        None => None,
    };
    let ip = raw.ip.as_deref().and_then(|ip| ip.parse::<IpAddr>().ok());
    let context = Context {
        user_id,
        user_agent: raw.user_agent,
        referrer: raw.referrer,
        ip,
    };
    Ok((origin, context, raw.session_id))
}

/// An event as posted: JSON, or a refusal naming the body.
fn parse(json: &str) -> Result<Value, Error> {
    serde_json::from_str(json).map_err(|e| Error::validation("event", format!("is not JSON: {e}")))
}

#[tonic::async_trait]
impl EventService for EventApi {
    #[tracing::instrument(skip_all)]
    async fn track_event(
        &self,
        req: Request<pb::TrackEventRequest>,
    ) -> Reply<pb::TrackEventResponse> {
        let r = req.into_inner();
        let (origin, context, session) = context(r.context)?;
        let body = parse(&r.event_json)?;
        let call = Call {
            origin,
            context: &context,
            session_header: session.as_deref(),
        };
        let mut outcome = self.service.track(&[(&call, &body)]).await?;
        let event_id = outcome.pop().expect("one outcome per event")?;
        Ok(Response::new(pb::TrackEventResponse { event_id }))
    }

    #[tracing::instrument(skip_all)]
    async fn get_dashboard(
        &self,
        req: Request<pb::GetDashboardRequest>,
    ) -> Reply<pb::GetDashboardResponse> {
        let answer = analytics::answer::dashboard(&self.service.db, req.into_inner().recent);
        Ok(Response::new(answer.await?))
    }

    #[tracing::instrument(skip_all)]
    async fn get_analytics(
        &self,
        req: Request<pb::GetAnalyticsRequest>,
    ) -> Reply<pb::GetAnalyticsResponse> {
        let answer = analytics::answer::analytics(&self.service.db, req.into_inner());
        Ok(Response::new(answer.await?))
    }

    #[tracing::instrument(skip_all, fields(events = req.get_ref().events_json.len()))]
    async fn batch_track_events(
        &self,
        req: Request<pb::BatchTrackEventsRequest>,
    ) -> Reply<pb::BatchTrackEventsResponse> {
        let r = req.into_inner();
        within_batch(r.events_json.len())?;
        let (origin, context, session) = context(r.context)?;
        let call = Call {
            origin,
            context: &context,
            session_header: session.as_deref(),
        };
        let events = r.events_json.iter().map(|json| (&call, json.as_str()));
        Ok(Response::new(self.batch(events).await?))
    }

    #[tracing::instrument(skip_all, fields(events = req.get_ref().events.len()))]
    async fn record_served_events(
        &self,
        req: Request<pb::RecordServedEventsRequest>,
    ) -> Reply<pb::BatchTrackEventsResponse> {
        let r = req.into_inner();
        within_batch(r.events.len())?;
        let (contexts, bodies): (Vec<_>, Vec<_>) = r
            .events
            .into_iter()
            .map(|e| (e.context, e.event_json))
            .unzip();
        let contexts = contexts
            .into_iter()
            .map(context)
            .collect::<vici_kit::Result<Vec<_>>>()?;
        let calls: Vec<Call> = contexts
            .iter()
            .map(|(origin, context, session)| Call {
                origin: *origin,
                context,
                session_header: session.as_deref(),
            })
            .collect();
        let events = calls
            .iter()
            .zip(&bodies)
            .map(|(call, b)| (call, b.as_str()));
        Ok(Response::new(self.batch(events).await?))
    }

    #[tracing::instrument(skip_all, fields(events = req.get_ref().events_json.len()))]
    async fn import_events(
        &self,
        req: Request<pb::ImportEventsRequest>,
    ) -> Reply<pb::BatchTrackEventsResponse> {
        let r = req.into_inner();
        within_batch(r.events_json.len())?;
        let mut answer = pb::BatchTrackEventsResponse::default();
        let each = r.events_json.iter().map(|json| ((), json.as_str()));
        let (places, bodies): (Vec<usize>, Vec<Value>) = parse_each(each, &mut answer)
            .into_iter()
            .map(|(index, (), body)| (index, body))
            .unzip();
        let outcomes = self.service.import(&bodies).await?;
        tally(&mut answer, places.into_iter().zip(outcomes));
        Ok(Response::new(answer))
    }

    #[tracing::instrument(skip_all)]
    async fn get_user_events(
        &self,
        req: Request<pb::GetUserEventsRequest>,
    ) -> Reply<pb::GetUserEventsResponse> {
        let r = req.into_inner();
        let user = UserId::parse(&r.user_id)?;
        let limit = if r.limit == 0 { 50 } else { r.limit };
        let events_json = self
            .service
            .of_user(user.as_ref(), r.event_type.as_deref(), limit)
            .await?;
        Ok(Response::new(pb::GetUserEventsResponse { events_json }))
    }

    async fn get_event_schema(
        &self,
        _: Request<pb::GetEventSchemaRequest>,
    ) -> Reply<pb::GetEventSchemaResponse> {
        Ok(Response::new(pb::GetEventSchemaResponse {
            schema_json: schema::all().to_string(),
        }))
    }
}

impl EventApi {
    /// Tracks each `(call, event JSON)`; the answer accepts or rejects each on its own, by its
    /// place in the batch.
    async fn batch<'a>(
        &self,
        events: impl Iterator<Item = (&'a Call<'a>, &'a str)>,
    ) -> vici_kit::Result<pb::BatchTrackEventsResponse> {
        let mut answer = pb::BatchTrackEventsResponse::default();
        let bodies = parse_each(events, &mut answer);
        let tracked: Vec<_> = bodies.iter().map(|(_, call, body)| (*call, body)).collect();
        let outcomes = self.service.track(&tracked).await?;
        let places = bodies.iter().map(|(index, _, _)| *index);
        tally(&mut answer, places.zip(outcomes));
        Ok(answer)
    }
}

/// Each event of a batch parsed, with its place and what came with it; one that is not JSON
/// is refused in `answer` by its place.
fn parse_each<'a, T>(
    events: impl Iterator<Item = (T, &'a str)>,
    answer: &mut pb::BatchTrackEventsResponse,
) -> Vec<(usize, T, Value)> {
    let mut bodies = Vec::new();
    for (index, (with, json)) in events.enumerate() {
        match parse(json) {
            Ok(body) => bodies.push((index, with, body)),
            Err(e) => answer.rejected.push(rejected(index, &e)),
        }
    }
    bodies
}

/// Adds each event's outcome, by its place in the batch, to `answer`.
fn tally(
    answer: &mut pb::BatchTrackEventsResponse,
    outcomes: impl Iterator<Item = (usize, vici_kit::Result<String>)>,
) {
    for (index, outcome) in outcomes {
        match outcome {
            Ok(id) => {
                answer.accepted += 1;
                answer.event_ids.push(id);
            }
            Err(e) => answer.rejected.push(rejected(index, &e)),
        }
    }
    answer.rejected.sort_by_key(|r| r.index);
}

/// Refuses a batch of more than [`BATCH_MAX`] events.
fn within_batch(count: usize) -> Result<(), Error> {
    if count > BATCH_MAX {
        let why = format!("A batch holds at most {BATCH_MAX} events, not {count}");
        return Err(Error::validation("events", why));
    }
    Ok(())
}

fn rejected(index: usize, e: &Error) -> pb::Rejected {
    pb::Rejected {
        index: index as u32,
        error: e.message.clone(),
        details_json: serde_json::to_string(&e.details).unwrap_or_default(),
    }
}
