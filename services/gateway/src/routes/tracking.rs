//! Behaviour tracking: events a client posts (`/events`, `/events/batch`, a product view), the
//! published schemas, and an admin's view of a user's recent events. The event service checks
//! and records them; the user is the token's, never the body's.
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use vici_proto::event::v1 as pb;
use vici_types::{ProductId, UserId};

use super::table::{
    Access::{Admin, Public},
    Route, SESSION_ID,
};
use crate::AppState;
use crate::dto::events::{
    BatchBody, BatchResultDto, EventBody, EventIdDto, PublishedEventDto, RejectedDto, SchemaDto,
};
use crate::envelope;
use crate::error::{ApiError, ApiResult};
use crate::extract::{
    AdminUser, ClientAddr, Json, MaybeAuthUser, OptionalJson, PathId, QueryPairs,
};
use crate::query;

/// Most events in one batch (the event service holds the same bound).
const BATCH_MAX: usize = 500;

pub fn routes() -> Vec<Route> {
    vec![
        Route::post(Public, "/products/{id}/view", product_view)
            .doc("Tracking", "record_product_view", "Record a product view")
            .optional_json::<EventBody>()
            .header(SESSION_ID)
            .data::<EventIdDto>()
            .accepted(),
        Route::post(Public, "/events", record)
            .doc("Tracking", "record_event", "Record one behaviour event")
            .json::<EventBody>()
            .header(SESSION_ID)
            .data::<EventIdDto>()
            .accepted(),
        Route::post(Public, "/events/batch", record_batch)
            .doc(
                "Tracking",
                "record_events",
                "Record up to 500 behaviour events; each is accepted or rejected on its own",
            )
            .json::<BatchBody>()
            .header(SESSION_ID)
            .data::<BatchResultDto>()
            .accepted(),
        Route::get(Public, "/events/schema", schema)
            .doc(
                "Tracking",
                "event_schema",
                "The JSON Schema of every event type",
            )
            .data::<SchemaDto>()
            .cached(),
        Route::get(Admin, "/admin/users/{id}/events", user_events)
            .doc(
                "Admin",
                "admin_user_events",
                "A user's recent behaviour events, newest first",
            )
            .items::<PublishedEventDto>(),
    ]
}

/// What a tracking call carries besides its events: a client recording, the signed-in user
/// (from the token only), the session (the header, else the sign-in's), the browser, the page
/// it came from and the address.
fn context(caller: &MaybeAuthUser, headers: &HeaderMap, addr: &ClientAddr) -> pb::TrackContext {
    let text = |name: header::HeaderName| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let session = text(header::HeaderName::from_static("x-session-id"))
        .or_else(|| caller.0.as_ref().map(|c| c.session_id.clone()));
    pb::TrackContext {
        origin: pb::Origin::Client.into(),
        user_id: caller.0.as_ref().map(|c| c.user_id.to_string()),
        session_id: session,
        user_agent: text(header::USER_AGENT),
        referrer: text(header::REFERER),
        ip: (!addr.0.is_unspecified()).then(|| addr.0.to_string()),
    }
}

fn accepted(data: impl serde::Serialize) -> Response {
    (StatusCode::ACCEPTED, envelope::ok(data)).into_response()
}

async fn track(state: &AppState, context: pb::TrackContext, event: &Value) -> ApiResult<Response> {
    let found = state
        .events()
        .track_event(pb::TrackEventRequest {
            context: Some(context),
            event_json: event.to_string(),
        })
        .await?
        .into_inner();
    Ok(accepted(EventIdDto {
        event_id: found.event_id,
    }))
}

#[tracing::instrument(skip_all, fields(rpc = "TrackEvent"))]
pub async fn record(
    State(state): State<AppState>,
    caller: MaybeAuthUser,
    addr: ClientAddr,
    headers: HeaderMap,
    Json(event): Json<Value>,
) -> ApiResult<Response> {
    track(&state, context(&caller, &headers, &addr), &event).await
}

/// A product page's view: `behaviour.product_view` of the product in the path, with what the
/// body adds (`source`, `position`, `requestId` of the list it was clicked in).
#[tracing::instrument(skip_all, fields(rpc = "TrackEvent"))]
pub async fn product_view(
    State(state): State<AppState>,
    caller: MaybeAuthUser,
    addr: ClientAddr,
    headers: HeaderMap,
    PathId(product): PathId<ProductId>,
    OptionalJson(body): OptionalJson<Value>,
) -> ApiResult<Response> {
    let mut event = match body {
        Some(Value::Object(fields)) => fields,
        Some(_) => {
            return Err(vici_kit::Error::validation("event", "must be a JSON object").into());
        }
        None => serde_json::Map::new(),
    };
    event.insert("type".into(), "behaviour.product_view".into());
    event.insert("productId".into(), product.to_string().into());
    track(
        &state,
        context(&caller, &headers, &addr),
        &Value::Object(event),
    )
    .await
}

#[tracing::instrument(skip_all, fields(rpc = "BatchTrackEvents"))]
pub async fn record_batch(
    State(state): State<AppState>,
    caller: MaybeAuthUser,
    addr: ClientAddr,
    headers: HeaderMap,
    Json(body): Json<BatchBody>,
) -> ApiResult<Response> {
    if body.events.len() > BATCH_MAX {
        let why = format!(
            "A batch holds at most {BATCH_MAX} events, not {}",
            body.events.len()
        );
        return Err(vici_kit::Error::validation("events", why).into());
    }
    let found = state
        .events()
        .batch_track_events(pb::BatchTrackEventsRequest {
            context: Some(context(&caller, &headers, &addr)),
            events_json: body.events.iter().map(Value::to_string).collect(),
        })
        .await?
        .into_inner();
    Ok(accepted(BatchResultDto {
        accepted: found.accepted,
        rejected: found
            .rejected
            .into_iter()
            .map(|r| RejectedDto {
                index: r.index,
                line: None,
                error: r.error,
                details: serde_json::from_str(&r.details_json).unwrap_or(Value::Null),
            })
            .collect(),
        event_ids: found.event_ids,
    }))
}

#[tracing::instrument(skip_all, fields(rpc = "GetEventSchema"))]
pub async fn schema(State(state): State<AppState>) -> ApiResult<Response> {
    let found = state
        .events()
        .get_event_schema(pb::GetEventSchemaRequest {})
        .await?
        .into_inner();
    let schema: Value = serde_json::from_str(&found.schema_json)
        .map_err(|e| ApiError::internal(anyhow::anyhow!("the event schema is not JSON: {e}")))?;
    Ok(envelope::ok(schema))
}

#[tracing::instrument(skip_all, fields(rpc = "GetUserEvents"))]
pub async fn user_events(
    State(state): State<AppState>,
    _admin: AdminUser,
    PathId(user): PathId<UserId>,
    QueryPairs(pairs): QueryPairs,
) -> ApiResult<Response> {
    let (limit, event_type) = query::account::user_events(&pairs)?;
    let found = state
        .events()
        .get_user_events(pb::GetUserEventsRequest {
            user_id: user.to_string(),
            limit,
            event_type,
        })
        .await?
        .into_inner();
    let events: Vec<Value> = found
        .events_json
        .iter()
        .map(|e| serde_json::from_str(e).unwrap_or_else(|_| json!({"unreadable": e})))
        .collect();
    Ok(envelope::ok(events))
}
