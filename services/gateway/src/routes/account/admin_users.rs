//! `/admin/users`: every account, searched and paged; role changes and deactivation (which
//! ends the account's sessions at once, in the auth service).
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use utoipa::ToSchema;
use vici_proto::auth::v1 as pb;
use vici_types::UserId;

use crate::AppState;
use crate::dto::account::AccountDto;
use crate::dto::input;
use crate::envelope::{self, Pagination};
use crate::error::ApiResult;
use crate::extract::{AdminUser, Json, PathId, QueryPairs};
use crate::query;

#[tracing::instrument(skip_all, fields(rpc = "ListAccounts"))]
pub async fn list(
    State(state): State<AppState>,
    _admin: AdminUser,
    QueryPairs(pairs): QueryPairs,
) -> ApiResult<Response> {
    let q = query::account::users(&pairs)?;
    let found = state
        .auth()
        .list_accounts(pb::ListAccountsRequest {
            page: Some(q.page.into()),
            search: q.search,
            role: q.role.unwrap_or_default().into(),
        })
        .await?
        .into_inner();
    let pagination = Pagination::from_info(found.page.as_ref(), q.page);
    let users: Vec<AccountDto> = found.accounts.into_iter().map(Into::into).collect();
    Ok(envelope::list(users, pagination))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccountChange {
    /// `customer` or `admin`.
    role: Option<String>,
    is_active: Option<bool>,
}

impl AccountChange {
    fn role(&self) -> ApiResult<Option<pb::Role>> {
        let parse = |raw: &String| query::spelled::<pb::Role>(raw);
        let role = self.role.as_ref().map(parse).transpose();
        role.map_err(|problem| input::invalid("role", problem))
    }
}

#[tracing::instrument(skip_all, fields(rpc = "AdminUpdateAccount"))]
pub async fn update(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    PathId(user_id): PathId<UserId>,
    Json(change): Json<AccountChange>,
) -> ApiResult<Response> {
    let account = state
        .auth()
        .admin_update_account(pb::AdminUpdateAccountRequest {
            user_id: user_id.into(),
            role: change.role()?.map(Into::into),
            is_active: change.is_active,
            actor_id: admin.user_id.to_string(),
        })
        .await?
        .into_inner();
    Ok(envelope::ok(AccountDto::from(account)))
}
