//! `/users/*` except addresses: the caller's profile (their account in the auth service joined
//! with their details in the user service), avatar, preferences and wishlist. Every route acts
//! on the caller's own data: no route takes a user id.
use std::collections::BTreeMap;

use axum::extract::{Multipart, State};
use axum::response::Response;
use serde::Deserialize;
use utoipa::ToSchema;
use vici_proto::auth::v1 as auth;
use vici_proto::user::v1 as user;
use vici_types::{ProductId, TypedId};

use crate::AppState;
use crate::behaviour::{self, ServedEvent};
use crate::dto::account::{PreferencesDto, ProfileDto, WishlistItemDto, nullable};
use crate::envelope::{self, Pagination};
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, Identity, Json, PathId, QueryPairs};
use crate::{query, upload};

/// Names longer than this are refused here, before anything is written (the profile update
/// spans two services, so both halves are checked before either is applied).
const MAX_NAME_CHARS: usize = 100;

pub async fn profile_of(state: &AppState, user_id: String) -> ApiResult<ProfileDto> {
    let mut auth = state.auth();
    let mut users = state.users();
    let (account, profile) = tokio::try_join!(
        auth.get_account(auth::AccountRef {
            user_id: user_id.clone()
        }),
        users.get_profile(user::UserRef { user_id }),
    )?;
    Ok(ProfileDto::join(account.into_inner(), profile.into_inner()))
}

fn me(identity: &Identity) -> String {
    identity.user_id.to_string()
}

#[tracing::instrument(skip_all, fields(rpc = "GetProfile"))]
pub async fn get_profile(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
) -> ApiResult<Response> {
    Ok(envelope::ok(profile_of(&state, me(&caller)).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct ProfileBody {
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    name: Option<Option<String>>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    phone: Option<Option<String>>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    avatar: Option<Option<String>>,
}

fn checked_name(name: Option<Option<String>>) -> ApiResult<Option<String>> {
    let Some(name) = name else { return Ok(None) };
    let name = name.unwrap_or_default().trim().to_string();
    let problem = if name.is_empty() {
        Some("must not be empty".to_string())
    } else if name.chars().count() > MAX_NAME_CHARS {
        Some(format!("must be at most {MAX_NAME_CHARS} characters"))
    } else {
        vici_types::text::unprintable(&name, false).map(str::to_string)
    };
    match problem {
        Some(problem) => Err(ApiError::validation(
            format!("The name {problem}"),
            BTreeMap::from([("name".to_string(), problem)]),
        )),
        None => Ok(Some(name)),
    }
}

#[tracing::instrument(skip_all, fields(rpc = "UpdateProfile"))]
pub async fn update_profile(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    Json(body): Json<ProfileBody>,
) -> ApiResult<Response> {
    let name = checked_name(body.name)?;
    // `null` clears a detail; the user service reads an empty string as "clear".
    let cleared = |v: Option<Option<String>>| v.map(Option::unwrap_or_default);
    let (phone, avatar) = (cleared(body.phone), cleared(body.avatar));
    if phone.is_some() || avatar.is_some() {
        state
            .users()
            .update_profile(user::UpdateProfileRequest {
                user_id: me(&caller),
                phone,
                avatar,
            })
            .await?;
    }
    if let Some(name) = name {
        state
            .auth()
            .update_account(auth::UpdateAccountRequest {
                user_id: me(&caller),
                name: Some(name),
            })
            .await?;
    }
    Ok(envelope::ok(profile_of(&state, me(&caller)).await?))
}

/// Read at most this much of an upload: one byte past the avatar limit is enough to refuse it.
const AVATAR_READ_LIMIT: usize = 2 * 1024 * 1024 + 1;

#[tracing::instrument(skip_all, fields(rpc = "SetAvatar"))]
pub async fn upload_avatar(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<Response> {
    let upload = upload::first_file(multipart, AVATAR_READ_LIMIT, "avatar").await?;
    state
        .users()
        .set_avatar(user::SetAvatarRequest {
            user_id: me(&caller),
            data: upload.data,
            filename: upload.filename,
        })
        .await?;
    Ok(envelope::ok(profile_of(&state, me(&caller)).await?))
}

#[tracing::instrument(skip_all, fields(rpc = "GetPreferences"))]
pub async fn get_preferences(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
) -> ApiResult<Response> {
    let prefs = state
        .users()
        .get_preferences(user::UserRef {
            user_id: me(&caller),
        })
        .await?
        .into_inner();
    Ok(envelope::ok(PreferencesDto::from(prefs)))
}

#[tracing::instrument(skip_all, fields(rpc = "UpdatePreferences"))]
pub async fn update_preferences(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    Json(body): Json<PreferencesDto>,
) -> ApiResult<Response> {
    let prefs = state
        .users()
        .update_preferences(body.into_update(me(&caller)))
        .await?
        .into_inner();
    Ok(envelope::ok(PreferencesDto::from(prefs)))
}

#[tracing::instrument(skip_all, fields(rpc = "ListWishlist"))]
pub async fn wishlist(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    QueryPairs(pairs): QueryPairs,
) -> ApiResult<Response> {
    let page = query::account::paged(&pairs)?;
    let found = state
        .users()
        .list_wishlist(user::ListWishlistRequest {
            user_id: me(&caller),
            page: Some(page.into()),
        })
        .await?
        .into_inner();
    let pagination = Pagination::from_info(found.page.as_ref(), page);
    let items: Vec<WishlistItemDto> = found.items.into_iter().map(Into::into).collect();
    Ok(envelope::list(items, pagination))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WishlistBody {
    product_id: Option<String>,
}

fn wishlist_ref(user_id: String, product_id: ProductId) -> user::WishlistRef {
    user::WishlistRef {
        user_id,
        product_id: product_id.into(),
    }
}

#[tracing::instrument(skip_all, fields(rpc = "AddToWishlist"))]
pub async fn add_to_wishlist(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    Json(body): Json<WishlistBody>,
) -> ApiResult<Response> {
    let Some(product_id) = body.product_id.filter(|p| !p.trim().is_empty()) else {
        return Err(ApiError::validation(
            "Please say which product to add",
            BTreeMap::from([("productId".to_string(), "is required".to_string())]),
        ));
    };
    let item = state
        .users()
        // An id that is not a UUID names no product: 404, like an unknown one.
        .add_to_wishlist(wishlist_ref(
            me(&caller),
            ProductId::from_path(&product_id)?,
        ))
        .await?
        .into_inner();
    let added = ServedEvent::wishlist(true, &item.product_id);
    Ok(behaviour::served(
        envelope::created(WishlistItemDto::from(item)),
        [added],
    ))
}

#[tracing::instrument(skip_all, fields(rpc = "RemoveFromWishlist"))]
pub async fn remove_from_wishlist(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    PathId(product_id): PathId<ProductId>,
) -> ApiResult<Response> {
    let removed = ServedEvent::wishlist(false, product_id.as_ref());
    state
        .users()
        .remove_from_wishlist(wishlist_ref(me(&caller), product_id))
        .await?;
    Ok(behaviour::served(
        envelope::done("Removed from your wishlist"),
        [removed],
    ))
}
