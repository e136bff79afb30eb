//! `POST /payments/webhook`: the payment provider's signed notifications. The bytes go to the
//! payment service exactly as received — the signature covers them — with `Stripe-Signature`.
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Serialize;
use utoipa::ToSchema;
use vici_proto::payment::v1::WebhookRequest;

use crate::AppState;
use crate::dto::input;
use crate::envelope;
use crate::error::ApiResult;

#[derive(Serialize, ToSchema)]
#[schema(as = WebhookReceived)]
pub struct Received {
    received: bool,
    #[serde(rename = "eventId")]
    event_id: String,
    #[serde(rename = "type")]
    kind: String,
    applied: bool,
}

#[tracing::instrument(skip_all, fields(rpc = "HandleWebhook"))]
pub async fn receive(
    State(state): State<AppState>,
    headers: HeaderMap,
    payload: Bytes,
) -> ApiResult<Response> {
    let signature = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| input::invalid("Stripe-Signature", "header is required"))?;
    let request = WebhookRequest {
        payload: payload.to_vec(),
        signature: signature.to_string(),
    };
    let ack = state.payments().handle_webhook(request).await?.into_inner();
    Ok(envelope::ok(Received {
        received: true,
        event_id: ack.event_id,
        kind: ack.r#type,
        applied: ack.applied,
    }))
}
