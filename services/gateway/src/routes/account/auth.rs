//! `/auth/*`: sign-up, sign-in, token refresh, sign-out and password flows, each a call to the
//! auth service behind the abuse limits that guard it (the strict per-IP budgets and the
//! failed-login lockout).
use vici_kit::Problems;

use axum::Json as AxumJson;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::ToSchema;
use vici_kit::ErrorCode;
use vici_proto::auth::v1 as pb;
use vici_proto::common::v1::Empty;

use crate::AppState;
use crate::behaviour::{self, ServedEvent};
use crate::dto::account::SessionDto;
use crate::envelope;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, ClientAddr, Json, OptionalJson};
use crate::limits::{Budget, ip_subject};

/// Fields the contract requires, checked together so one 400 names every missing one.
struct Required(Problems);

impl Required {
    fn new() -> Self {
        Self(Problems::new())
    }

    fn take(&mut self, field: &str, value: Option<String>) -> String {
        let value = value.unwrap_or_default();
        self.0.check(!value.trim().is_empty(), field, "is required");
        value
    }

    fn check(self) -> ApiResult<()> {
        let message = |found: &[(String, String)]| {
            let mut fields: Vec<&str> = found.iter().map(|(f, _)| f.as_str()).collect();
            fields.sort_unstable();
            format!("Please fill in {}", fields.join(", "))
        };
        Ok(self.0.finish_with(message)?)
    }
}

/// Spends one request of the caller's address on `budget`.
async fn spend(state: &AppState, budget: Budget, ClientAddr(ip): &ClientAddr) -> ApiResult<()> {
    state.limiter().check(budget, &ip_subject(*ip)).await
}

/// Runs a password check (`call`) under the account's attempt counter: counted before it runs,
/// forgiven when the password was right, uncounted when it was never judged. `is_wrong` says
/// which failures were a wrong password.
async fn judged<T>(
    state: &AppState,
    account: Option<&str>,
    call: impl Future<Output = Result<T, ApiError>>,
    is_wrong: impl Fn(&ApiError) -> bool,
) -> ApiResult<T> {
    let Some(email) = account else {
        return call.await;
    };
    let limiter = state.limiter();
    limiter.begin_password_attempt(email).await?;
    let outcome = call.await;
    match &outcome {
        Ok(_) => limiter.attempt_succeeded(email).await,
        Err(e) if is_wrong(e) => {}
        // A deactivated account answers 403 only to the right password.
        Err(e) if e.code() == ErrorCode::Forbidden => limiter.attempt_succeeded(email).await,
        Err(_) => limiter.attempt_not_judged(email).await,
    }
    outcome
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegisterBody {
    email: Option<String>,
    password: Option<String>,
    name: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
}

/// `name` when given, else `firstName lastName`, except that the client repeats a one-word
/// name as both (contract §3).
fn display_name(body: &RegisterBody) -> Option<String> {
    fn given(v: &Option<String>) -> Option<&str> {
        v.as_deref().map(str::trim).filter(|s| !s.is_empty())
    }
    if let Some(name) = given(&body.name) {
        return Some(name.to_string());
    }
    match (given(&body.first_name), given(&body.last_name)) {
        (Some(first), Some(last)) if first == last => Some(first.to_string()),
        (Some(first), Some(last)) => Some(format!("{first} {last}")),
        (Some(one), None) | (None, Some(one)) => Some(one.to_string()),
        (None, None) => None,
    }
}

#[tracing::instrument(skip_all, fields(rpc = "Register"))]
pub async fn register(
    State(state): State<AppState>,
    ip: ClientAddr,
    Json(body): Json<RegisterBody>,
) -> ApiResult<Response> {
    spend(&state, Budget::Register, &ip).await?;
    let name = display_name(&body);
    // A client that sends `firstName`/`lastName` hears about its name under `firstName`.
    let name_field = if body.name.is_some() {
        "name"
    } else {
        "firstName"
    };
    let mut required = Required::new();
    let request = pb::RegisterRequest {
        email: required.take("email", body.email),
        password: required.take("password", body.password),
        name: required.take(name_field, name),
    };
    required.check()?;
    let session = state
        .auth()
        .register(request)
        .await
        .map_err(|s| ApiError::from(s).with_detail_renamed("name", name_field))?
        .into_inner();
    let identify = signed_in(&session);
    Ok(behaviour::served(
        envelope::created(SessionDto::from_session(session, true)),
        identify,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct LoginBody {
    email: Option<String>,
    password: Option<String>,
}

/// Emails longer than any valid one are not worth a lockout counter: the login fails anyway.
const MAX_EMAIL_CHARS: usize = 254;

#[tracing::instrument(skip_all, fields(rpc = "Login"))]
pub async fn login(
    State(state): State<AppState>,
    ip: ClientAddr,
    Json(body): Json<LoginBody>,
) -> ApiResult<Response> {
    spend(&state, Budget::Login, &ip).await?;
    let mut required = Required::new();
    let request = pb::LoginRequest {
        email: required.take("email", body.email),
        password: required.take("password", body.password),
    };
    required.check()?;
    let account = request.email.trim().to_lowercase();
    let account = (account.chars().count() <= MAX_EMAIL_CHARS).then_some(account);
    let login = async { Ok(state.auth().login(request).await?.into_inner()) };
    let session = judged(&state, account.as_deref(), login, |e| {
        e.code() == ErrorCode::Unauthorized
    })
    .await?;
    let identify = signed_in(&session);
    Ok(behaviour::served(
        envelope::ok(SessionDto::from_session(session, true)),
        identify,
    ))
}

/// The visit that signed in (its session so far) is now this user's.
fn signed_in(session: &pb::Session) -> Option<ServedEvent> {
    session
        .user
        .as_ref()
        .map(|user| ServedEvent::identify(&user.id))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RefreshBody {
    refresh_token: Option<String>,
}

#[tracing::instrument(skip_all, fields(rpc = "Refresh"))]
pub async fn refresh(
    State(state): State<AppState>,
    ip: ClientAddr,
    Json(body): Json<RefreshBody>,
) -> ApiResult<Response> {
    spend(&state, Budget::Refresh, &ip).await?;
    let mut required = Required::new();
    let refresh_token = required.take("refreshToken", body.refresh_token);
    required.check()?;
    let session = state
        .auth()
        .refresh(pb::RefreshRequest { refresh_token })
        .await?
        .into_inner();
    Ok(envelope::ok(SessionDto::from_session(session, false)))
}

#[derive(Deserialize, Default, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LogoutBody {
    refresh_token: Option<String>,
    #[serde(default)]
    all_devices: bool,
}

#[tracing::instrument(skip_all, fields(rpc = "Logout"))]
pub async fn logout(
    State(state): State<AppState>,
    AuthUser(me): AuthUser,
    OptionalJson(body): OptionalJson<LogoutBody>,
) -> ApiResult<Response> {
    let body = body.unwrap_or_default();
    state
        .auth()
        .logout(pb::LogoutRequest {
            user_id: me.user_id.to_string(),
            refresh_token: body.refresh_token.filter(|t| !t.trim().is_empty()),
            all_devices: body.all_devices,
            access_jti: me.token_id.clone(),
            access_exp: me.expires_at,
            session_id: me.session_id.clone(),
        })
        .await?;
    Ok(envelope::done("You have been signed out"))
}

#[derive(Deserialize, ToSchema)]
pub struct ForgotBody {
    email: Option<String>,
}

#[tracing::instrument(skip_all, fields(rpc = "ForgotPassword"))]
pub async fn forgot_password(
    State(state): State<AppState>,
    ip: ClientAddr,
    Json(body): Json<ForgotBody>,
) -> ApiResult<Response> {
    spend(&state, Budget::Password, &ip).await?;
    let mut required = Required::new();
    let email = required.take("email", body.email);
    required.check()?;
    state
        .auth()
        .forgot_password(pb::ForgotPasswordRequest { email })
        .await?;
    Ok(envelope::done(
        "If an account exists for this email, a link to reset its password is on its way",
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResetBody {
    token: Option<String>,
    password: Option<String>,
    new_password: Option<String>,
}

#[tracing::instrument(skip_all, fields(rpc = "ResetPassword"))]
pub async fn reset_password(
    State(state): State<AppState>,
    ip: ClientAddr,
    Json(body): Json<ResetBody>,
) -> ApiResult<Response> {
    spend(&state, Budget::Password, &ip).await?;
    let field = if body.password.is_none() && body.new_password.is_some() {
        "newPassword"
    } else {
        "password"
    };
    let mut required = Required::new();
    let request = pb::ResetPasswordRequest {
        token: required.take("token", body.token),
        password: required.take(field, body.password.or(body.new_password)),
    };
    required.check()?;
    state
        .auth()
        .reset_password(request)
        .await
        .map_err(|s| ApiError::from(s).with_detail_renamed("password", field))?;
    Ok(envelope::done(
        "Your password has been reset; please sign in",
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct VerifyBody {
    token: Option<String>,
}

#[tracing::instrument(skip_all, fields(rpc = "VerifyEmail"))]
pub async fn verify_email(
    State(state): State<AppState>,
    ip: ClientAddr,
    Json(body): Json<VerifyBody>,
) -> ApiResult<Response> {
    spend(&state, Budget::Password, &ip).await?;
    let mut required = Required::new();
    let token = required.take("token", body.token);
    required.check()?;
    state
        .auth()
        .verify_email(pb::VerifyEmailRequest { token })
        .await?;
    Ok(envelope::done("Your email address is verified"))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChangePasswordBody {
    current_password: Option<String>,
    new_password: Option<String>,
}

#[tracing::instrument(skip_all, fields(rpc = "ChangePassword"))]
pub async fn change_password(
    State(state): State<AppState>,
    AuthUser(me): AuthUser,
    Json(body): Json<ChangePasswordBody>,
) -> ApiResult<Response> {
    let mut required = Required::new();
    let request = pb::ChangePasswordRequest {
        user_id: me.user_id.to_string(),
        current_password: required.take("currentPassword", body.current_password),
        new_password: required.take("newPassword", body.new_password),
        session_id: me.session_id.clone(),
    };
    required.check()?;
    // Guessing the current password with a stolen token counts like failed logins.
    let change = async { Ok(state.auth().change_password(request).await?) };
    judged(&state, Some(&me.email), change, |e| {
        e.0.details.contains_key("currentPassword")
    })
    .await?;
    Ok(envelope::done("Your password has been changed"))
}

/// `GET /auth/jwks`'s answer as the document shows it (the handler builds it from the auth
/// service's JSON).
#[derive(ToSchema)]
#[allow(dead_code)] // Read by the `ToSchema` derive only.
pub struct JwksDocument {
    /// RFC 7517 keys (`kty: OKP`, `crv: Ed25519`, `alg: EdDSA`, `kid`, `x`).
    #[schema(value_type = Vec<Object>)]
    keys: Vec<serde_json::Value>,
    success: bool,
    /// The same JWKS, `{keys: [...]}`.
    #[schema(value_type = Object)]
    data: serde_json::Value,
}

/// The public keys as a bare JWKS (`{"keys": [...]}`) so JOSE libraries can read it, with the
/// usual envelope members beside it (JWKS readers ignore members they do not know).
#[tracing::instrument(skip_all, fields(rpc = "GetJwks"))]
pub async fn jwks(State(state): State<AppState>) -> ApiResult<Response> {
    let jwks = state.auth().get_jwks(Empty {}).await?.into_inner();
    let keys: serde_json::Value = serde_json::from_str(&jwks.json)
        .map_err(|e| ApiError::internal(anyhow::anyhow!("the JWKS is not JSON: {e}")))?;
    let body = serde_json::json!({
        "keys": keys["keys"],
        "success": true,
        "data": keys,
    });
    Ok(AxumJson(body).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(name: Option<&str>, first: Option<&str>, last: Option<&str>) -> RegisterBody {
        RegisterBody {
            email: None,
            password: None,
            name: name.map(Into::into),
            first_name: first.map(Into::into),
            last_name: last.map(Into::into),
        }
    }

    #[test]
    fn display_names_follow_the_contract() {
        assert_eq!(
            display_name(&body(Some(" Ann Lee "), Some("X"), None)).as_deref(),
            Some("Ann Lee")
        );
        assert_eq!(
            display_name(&body(None, Some("Ann"), Some("Lee"))).as_deref(),
            Some("Ann Lee")
        );
        assert_eq!(
            display_name(&body(None, Some("Cher"), Some("Cher"))).as_deref(),
            Some("Cher")
        );
        assert_eq!(
            display_name(&body(None, Some("Cher"), Some(" "))).as_deref(),
            Some("Cher")
        );
        assert_eq!(display_name(&body(Some(""), None, None)), None);
    }
}
