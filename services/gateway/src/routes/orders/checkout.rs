//! `/checkout/*`, `POST /orders` and `POST /orders/{id}/pay`: the routes that start or finish a
//! checkout saga. Saved addresses are resolved here (the user service owns them) so the order
//! keeps a snapshot; `Idempotency-Key` travels with a fingerprint of the route and body.
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::Value;
use vici_proto::order::v1 as pb;
use vici_proto::user::v1::AddressRef;
use vici_types::idempotency::Scope;
use vici_types::{OrderId, PostalAddress};

use crate::AppState;
use crate::behaviour::{self, ServedEvent};
use crate::dto::checkout::{self as body, AddressChoice, PlaceOrderBody};
use crate::dto::order::{ConfirmedDto, OrderDto, PaymentIntentDto, QuoteDto};
use crate::envelope;
use crate::error::ApiResult;
use crate::extract::{AuthUser, Identity, OptionalJson, PathId};

/// The address to snapshot: a saved one of the caller's (404 when it is not theirs), or the
/// one typed in.
async fn resolve(
    state: &AppState,
    caller: &Identity,
    choice: AddressChoice,
) -> ApiResult<Option<pb::Address>> {
    Ok(match choice {
        AddressChoice::Absent => None,
        AddressChoice::Typed(address) => Some(*address),
        AddressChoice::Saved(address_id) => {
            let saved = state
                .users()
                .get_address(AddressRef {
                    user_id: caller.user_id.to_string(),
                    address_id,
                })
                .await?
                .into_inner();
            let id = Some(saved.id.clone());
            Some(pb::Address {
                id,
                ..PostalAddress::from(saved).into()
            })
        }
    })
}

#[tracing::instrument(skip_all, fields(rpc = "Calculate"))]
pub async fn calculate(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    OptionalJson(raw): OptionalJson<Value>,
) -> ApiResult<Response> {
    let raw = body::object(raw)?;
    let request = pb::CalculateRequest {
        user_id: caller.user_id.to_string(),
        coupon_code: body::coupon_code(&raw)?,
        session_id: caller.session_id.clone(),
    };
    let quote = state.orders().calculate(request).await?.into_inner();
    let started = ServedEvent::checkout_start(quote.total_cents);
    Ok(behaviour::served(
        envelope::ok(QuoteDto::from(quote)),
        [started],
    ))
}

#[tracing::instrument(skip_all, fields(rpc = "CreatePaymentIntent"))]
pub async fn payment_intent(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    headers: HeaderMap,
    OptionalJson(raw): OptionalJson<Value>,
) -> ApiResult<Response> {
    let raw = body::object(raw)?;
    let (expected_amount_cents, currency) = body::intent_amount(&raw)?;
    let request = pb::CreatePaymentIntentRequest {
        user_id: caller.user_id.to_string(),
        expected_amount_cents,
        currency,
        idempotency: Some(body::idempotency(
            &headers,
            Scope::PaymentIntent,
            None,
            &raw,
        )?),
    };
    let intent = state
        .orders()
        .create_payment_intent(request)
        .await?
        .into_inner();
    Ok(envelope::created(PaymentIntentDto::from(intent)))
}

async fn place_order(
    state: &AppState,
    caller: &Identity,
    headers: &HeaderMap,
    raw: Option<Value>,
    pay_now: bool,
) -> ApiResult<pb::Order> {
    let raw = body::object(raw)?;
    let scope = Scope::of_placement(pay_now);
    let idempotency = body::idempotency(headers, scope, None, &raw)?;
    let fields = PlaceOrderBody::read(&raw)?;
    let request = pb::PlaceOrderRequest {
        user_id: caller.user_id.to_string(),
        user_email: caller.email.clone(),
        idempotency: Some(idempotency),
        shipping_address: resolve(state, caller, fields.shipping).await?,
        billing_address: resolve(state, caller, fields.billing).await?,
        payment_method: fields.payment_method,
        payment_intent_id: fields.payment_intent_id,
        coupon_code: fields.coupon_code,
        pay_now,
        session_id: caller.session_id.clone(),
        expected_total_cents: fields.expected_total_cents,
    };
    Ok(state.orders().place_order(request).await?.into_inner())
}

/// Runs the whole saga: the answer is the placed, paid order (or the reason it was not).
#[tracing::instrument(skip_all, fields(rpc = "PlaceOrder", pay_now = true))]
pub async fn confirm(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    headers: HeaderMap,
    OptionalJson(raw): OptionalJson<Value>,
) -> ApiResult<Response> {
    let order = place_order(&state, &caller, &headers, raw, true).await?;
    Ok(envelope::created(ConfirmedDto::from(order)))
}

/// An order awaiting payment (or confirmed, for cash on delivery) with its stock reserved.
#[tracing::instrument(skip_all, fields(rpc = "PlaceOrder", pay_now = false))]
pub async fn create(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    headers: HeaderMap,
    OptionalJson(raw): OptionalJson<Value>,
) -> ApiResult<Response> {
    let order = place_order(&state, &caller, &headers, raw, false).await?;
    Ok(envelope::created(OrderDto::from(order)))
}

#[tracing::instrument(skip_all, fields(rpc = "PayOrder"))]
pub async fn pay(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    headers: HeaderMap,
    PathId(order_id): PathId<OrderId>,
    OptionalJson(raw): OptionalJson<Value>,
) -> ApiResult<Response> {
    let raw = body::object(raw)?;
    let idempotency = body::idempotency(&headers, Scope::PayOrder, Some(&order_id), &raw)?;
    let request = pb::PayOrderRequest {
        user_id: caller.user_id.to_string(),
        idempotency: Some(idempotency),
        payment_method: body::payment_method(&raw)?,
        order_id: order_id.into(),
    };
    let order = state.orders().pay_order(request).await?.into_inner();
    Ok(envelope::ok(OrderDto::from(order)))
}
