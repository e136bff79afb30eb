//! `/users/addresses`: the caller's address book. The user service owns the rules (at most 10,
//! exactly one default); an address of another user, or a malformed id, is 404.
use axum::extract::State;
use axum::response::Response;
use vici_proto::user::v1 as user;
use vici_types::AddressId;

use crate::AppState;
use crate::dto::account::{AddressBody, AddressDto};
use crate::envelope;
use crate::error::ApiResult;
use crate::extract::{AuthUser, Json, OptionalJson, PathId};

fn address_ref(caller: &crate::extract::Identity, id: AddressId) -> user::AddressRef {
    user::AddressRef {
        user_id: caller.user_id.to_string(),
        address_id: id.into(),
    }
}

#[tracing::instrument(skip_all, fields(rpc = "ListAddresses"))]
pub async fn list(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
) -> ApiResult<Response> {
    let found = state
        .users()
        .list_addresses(user::UserRef {
            user_id: caller.user_id.to_string(),
        })
        .await?
        .into_inner();
    let addresses: Vec<AddressDto> = found.addresses.into_iter().map(Into::into).collect();
    Ok(envelope::ok(addresses))
}

#[tracing::instrument(skip_all, fields(rpc = "CreateAddress"))]
pub async fn create(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    Json(body): Json<AddressBody>,
) -> ApiResult<Response> {
    let address = state
        .users()
        .create_address(body.into_input(caller.user_id.to_string()))
        .await?
        .into_inner();
    Ok(envelope::created(AddressDto::from(address)))
}

#[tracing::instrument(skip_all, fields(rpc = "UpdateAddress"))]
pub async fn update(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    PathId(id): PathId<AddressId>,
    OptionalJson(body): OptionalJson<AddressBody>,
) -> ApiResult<Response> {
    let target = address_ref(&caller, id);
    let update = body
        .unwrap_or_default()
        .into_update(target.user_id, target.address_id);
    let address = state.users().update_address(update).await?.into_inner();
    Ok(envelope::ok(AddressDto::from(address)))
}

#[tracing::instrument(skip_all, fields(rpc = "DeleteAddress"))]
pub async fn delete(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    PathId(id): PathId<AddressId>,
) -> ApiResult<Response> {
    state
        .users()
        .delete_address(address_ref(&caller, id))
        .await?;
    Ok(envelope::done("Address deleted"))
}
