//! gRPC handlers: thin translations between `vici.auth.v1` and the use cases in `service`.
use std::sync::Arc;
use vici_proto::paging::Page;
use vici_types::{TypedId, UserId};

use tonic::{Request, Response, Status};
use vici_identity::ACCESS_TTL_SECS;
use vici_proto::auth::v1::{self as pb, auth_service_server::AuthService};
use vici_proto::common::v1::Empty;

use crate::service::{AdminChange, Issued, LogoutInput, Service};
use crate::store::Account;

pub struct Auth {
    svc: Arc<Service>,
}

impl Auth {
    pub fn new(svc: Arc<Service>) -> Self {
        Self { svc }
    }
}

fn session(issued: Issued) -> pb::Session {
    let a = issued.account;
    pb::Session {
        user: Some(pb::User {
            id: a.id,
            email: a.email,
            name: a.name,
            role: a.role,
        }),
        access_token: issued.access_token,
        refresh_token: issued.refresh_token,
        expires_in: ACCESS_TTL_SECS,
    }
}

fn account(a: Account) -> pb::Account {
    pb::Account {
        id: a.id,
        email: a.email,
        name: a.name,
        role: a.role,
        is_active: a.is_active,
        email_verified: a.email_verified,
        created_at: vici_store::rfc3339(a.created_at),
        updated_at: vici_store::rfc3339(a.updated_at),
        last_login_at: a.last_login_at.map(vici_store::rfc3339),
    }
}

type Reply<T> = Result<Response<T>, Status>;

/// A role as accounts store it; `None` for UNSPECIFIED (or one this build does not know).
fn role_name(role: pb::Role) -> Option<&'static str> {
    match role {
        pb::Role::Customer => Some("customer"),
        pb::Role::Admin => Some("admin"),
        pb::Role::Unspecified => None,
    }
}

#[tonic::async_trait]
impl AuthService for Auth {
    #[tracing::instrument(skip_all)]
    async fn register(&self, req: Request<pb::RegisterRequest>) -> Reply<pb::Session> {
        let r = req.into_inner();
        let issued = self.svc.register(&r.email, &r.password, &r.name).await?;
        Ok(Response::new(session(issued)))
    }

    #[tracing::instrument(skip_all)]
    async fn login(&self, req: Request<pb::LoginRequest>) -> Reply<pb::Session> {
        let r = req.into_inner();
        let issued = self.svc.login(&r.email, &r.password).await?;
        Ok(Response::new(session(issued)))
    }

    #[tracing::instrument(skip_all)]
    async fn refresh(&self, req: Request<pb::RefreshRequest>) -> Reply<pb::Session> {
        let issued = self.svc.refresh(&req.into_inner().refresh_token).await?;
        Ok(Response::new(session(issued)))
    }

    #[tracing::instrument(skip_all, fields(user_id = %req.get_ref().user_id, all = req.get_ref().all_devices))]
    async fn logout(&self, req: Request<pb::LogoutRequest>) -> Reply<Empty> {
        let r = req.into_inner();
        self.svc
            .logout(LogoutInput {
                user_id: UserId::parse(&r.user_id)?,
                refresh_token: r.refresh_token,
                all_devices: r.all_devices,
                access_jti: r.access_jti,
                access_exp: r.access_exp,
                session_id: r.session_id,
            })
            .await?;
        Ok(Response::new(Empty {}))
    }

    #[tracing::instrument(skip_all)]
    async fn forgot_password(&self, req: Request<pb::ForgotPasswordRequest>) -> Reply<Empty> {
        self.svc.forgot_password(&req.into_inner().email).await?;
        Ok(Response::new(Empty {}))
    }

    #[tracing::instrument(skip_all)]
    async fn reset_password(&self, req: Request<pb::ResetPasswordRequest>) -> Reply<Empty> {
        let r = req.into_inner();
        self.svc.reset_password(&r.token, &r.password).await?;
        Ok(Response::new(Empty {}))
    }

    #[tracing::instrument(skip_all)]
    async fn verify_email(&self, req: Request<pb::VerifyEmailRequest>) -> Reply<Empty> {
        self.svc.verify_email(&req.into_inner().token).await?;
        Ok(Response::new(Empty {}))
    }

    #[tracing::instrument(skip_all, fields(user_id = %req.get_ref().user_id))]
    async fn change_password(&self, req: Request<pb::ChangePasswordRequest>) -> Reply<Empty> {
        let r = req.into_inner();
        self.svc
            .change_password(
                &UserId::parse(&r.user_id)?,
                &r.current_password,
                &r.new_password,
                &r.session_id,
            )
            .await?;
        Ok(Response::new(Empty {}))
    }

    async fn get_jwks(&self, _: Request<Empty>) -> Reply<pb::Jwks> {
        let jwks = self.svc.keys.current().jwks();
        let json = serde_json::to_string(&jwks).map_err(vici_kit::Error::internal)?;
        Ok(Response::new(pb::Jwks { json }))
    }

    async fn get_account(&self, req: Request<pb::AccountRef>) -> Reply<pb::Account> {
        let user_id = UserId::parse(&req.into_inner().user_id)?;
        let a = self.svc.get_account(&user_id).await?;
        Ok(Response::new(account(a)))
    }

    #[tracing::instrument(skip_all, fields(user_id = %req.get_ref().user_id))]
    async fn update_account(&self, req: Request<pb::UpdateAccountRequest>) -> Reply<pb::Account> {
        let r = req.into_inner();
        let a = self
            .svc
            .update_account(&UserId::parse(&r.user_id)?, r.name.as_deref())
            .await?;
        Ok(Response::new(account(a)))
    }

    async fn list_accounts(&self, req: Request<pb::ListAccountsRequest>) -> Reply<pb::AccountPage> {
        let r = req.into_inner();
        let page = Page::asked(r.page);
        // UNSPECIFIED lists both roles; a value this build does not know is refused.
        let role = pb::Role::try_from(r.role)
            .map_err(|_| vici_kit::Error::validation("role", "Role must be customer or admin"))?;
        let role = role_name(role);
        let (list, total) = self.svc.list_accounts(&r.search, role, page).await?;
        Ok(Response::new(pb::AccountPage {
            accounts: list.into_iter().map(account).collect(),
            page: page.info(total),
        }))
    }

    #[tracing::instrument(skip_all, fields(user_id = %req.get_ref().user_id, actor = %req.get_ref().actor_id))]
    async fn admin_update_account(
        &self,
        req: Request<pb::AdminUpdateAccountRequest>,
    ) -> Reply<pb::Account> {
        let r = req.into_inner();
        let a = self
            .svc
            .admin_update(AdminChange {
                user_id: UserId::parse(&r.user_id)?,
                role: match r.role.map(|_| r.role()) {
                    Some(asked) => Some(role_name(asked).ok_or_else(|| {
                        vici_kit::Error::validation("role", "Role must be customer or admin")
                    })?),
                    None => None,
                },
                is_active: r.is_active,
                actor_id: UserId::parse_as("actorId", &r.actor_id).ok(),
            })
            .await?;
        Ok(Response::new(account(a)))
    }
}
