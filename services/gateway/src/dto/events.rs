//! Behaviour tracking's bodies and answers (contract "Behaviour tracking"). An event is passed
//! to the event service as the JSON object posted: the event service owns the types and their
//! checks, so these shapes are for the document.
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `POST /events`: one behaviour event. `userId` is never taken from here: it comes from the
/// access token. `GET /events/schema` gives each type's fields. For the document only: the
/// handlers pass the posted object on as it is.
#[allow(dead_code)] // Fields are read by the `ToSchema` derive, never at run time.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventBody {
    /// The client's UUID of this event; a retry with it is published once.
    pub id: Option<String>,
    /// e.g. `behaviour.product_view`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Or the `X-Session-Id` header.
    pub session_id: Option<String>,
    pub product_id: Option<String>,
    pub category_id: Option<String>,
    pub query: Option<String>,
    pub quantity: Option<i64>,
    pub position: Option<i64>,
    pub source: Option<String>,
    pub request_id: Option<String>,
    pub client_time: Option<String>,
    #[schema(value_type = Object)]
    pub properties: Option<serde_json::Value>,
}

/// `POST /events/batch`: up to 500 events, each as for `POST /events`.
#[derive(Deserialize, ToSchema)]
pub struct BatchBody {
    #[schema(value_type = Vec<EventBody>)]
    pub events: Vec<serde_json::Value>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventIdDto {
    pub event_id: String,
}

#[derive(Serialize, ToSchema)]
pub struct RejectedDto {
    pub index: u32,
    /// An NDJSON import's line (from 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    pub error: String,
    #[schema(value_type = Object)]
    #[serde(skip_serializing_if = "serde_json::Value::is_null")]
    pub details: serde_json::Value,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BatchResultDto {
    pub accepted: u32,
    pub rejected: Vec<RejectedDto>,
    /// The id of each accepted event, in the order posted.
    pub event_ids: Vec<String>,
}

/// `POST /admin/events/import`: one event of the shop's past, as for `POST /events` plus who
/// and when. For the document only.
#[allow(dead_code)] // Fields are read by the `ToSchema` derive, never at run time.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImportEventBody {
    #[serde(flatten)]
    pub event: EventBody,
    /// A user of this shop (a UUID); or leave it out and give the `sessionId`.
    pub user_id: Option<String>,
    /// When it happened (RFC 3339); not in the future.
    pub time: String,
}

/// `POST /admin/events/import` as one JSON object.
#[derive(Deserialize, ToSchema)]
pub struct ImportBatchBody {
    #[schema(value_type = Vec<ImportEventBody>)]
    pub events: Vec<serde_json::Value>,
}

#[derive(Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImportResultDto {
    /// Events taken (an event sent again with its `id` counts again, and is published once).
    pub accepted: u32,
    /// The first 1 000 refusals, by the event's place in the import (from 0).
    pub rejected: Vec<RejectedDto>,
    pub rejected_count: u32,
}

/// `GET /events/schema`: the JSON Schema of each type, keyed by type.
#[derive(Serialize, ToSchema)]
#[schema(value_type = Object)]
pub struct SchemaDto(pub serde_json::Value);

/// `GET /admin/users/{id}/events`: a recent event as published (a CloudEvent).
#[derive(Serialize, ToSchema)]
#[schema(value_type = Object)]
pub struct PublishedEventDto(pub serde_json::Value);
