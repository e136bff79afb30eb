//! An in-test auth service: publishes the JWKS of keys the test holds (so tests mint any token
//! they like, good or forged) and answers logins for one known password.
use std::sync::Mutex;

use tonic::{Request, Response, Status};
use vici_identity::{ACCESS_TTL_SECS, AUDIENCE, Claims, ISSUER, Jwks, SigningKey};
use vici_proto::auth::v1::auth_service_server::AuthService;
use vici_proto::auth::v1::{self as auth, Jwks as JwksReply, LoginRequest, Session, User};
use vici_proto::common::v1::Empty;

pub const GOOD_PASSWORD: &str = "Right-password1";

pub struct FakeAuth {
    keys: Mutex<Vec<SigningKey>>,
    pub jwks_fetches: Mutex<u32>,
}

impl Default for FakeAuth {
    fn default() -> Self {
        Self {
            keys: Mutex::new(vec![SigningKey::generate()]),
            jwks_fetches: Mutex::new(0),
        }
    }
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Valid claims for a user with `role`; tests alter them to forge bad tokens.
pub fn claims(role: &str) -> Claims {
    Claims {
        sub: uuid::Uuid::now_v7().to_string(),
        email: "someone@example.com".into(),
        role: role.into(),
        sid: uuid::Uuid::now_v7().to_string(),
        jti: uuid::Uuid::now_v7().to_string(),
        ver: 0,
        iat: now(),
        exp: now() + ACCESS_TTL_SECS,
        iss: ISSUER.into(),
        aud: AUDIENCE.into(),
    }
}

impl FakeAuth {
    /// A token signed by the newest published key.
    pub fn sign(&self, claims: &Claims) -> String {
        self.keys.lock().unwrap().last().unwrap().sign(claims)
    }

    /// Publishes a new key (as the auth service does when it rotates) and signs with it.
    pub fn rotate(&self) {
        self.keys.lock().unwrap().push(SigningKey::generate());
    }

    pub fn fetches(&self) -> u32 {
        *self.jwks_fetches.lock().unwrap()
    }
}

#[tonic::async_trait]
impl AuthService for FakeAuth {
    async fn get_jwks(&self, _: Request<Empty>) -> Result<Response<JwksReply>, Status> {
        *self.jwks_fetches.lock().unwrap() += 1;
        let jwks = Jwks {
            keys: self
                .keys
                .lock()
                .unwrap()
                .iter()
                .map(SigningKey::public_jwk)
                .collect(),
        };
        Ok(Response::new(JwksReply {
            json: serde_json::to_string(&jwks).unwrap(),
        }))
    }

    async fn login(&self, req: Request<LoginRequest>) -> Result<Response<Session>, Status> {
        let req = req.into_inner();
        if req.password != GOOD_PASSWORD {
            return Err(vici_kit::Error::new(
                vici_kit::ErrorCode::Unauthorized,
                "Invalid email or password",
            )
            .into_status());
        }
        Ok(Response::new(Session {
            user: Some(User {
                id: uuid::Uuid::now_v7().to_string(),
                email: req.email,
                name: "Someone".into(),
                role: "customer".into(),
            }),
            access_token: self.sign(&claims("customer")),
            refresh_token: "refresh".into(),
            expires_in: ACCESS_TTL_SECS,
        }))
    }

    // The rest answers as a service that is down, so a route reaching them shows a routed
    // answer (never the 501 a missing RPC would give).

    async fn register(&self, _: Request<auth::RegisterRequest>) -> Reply<Session> {
        Err(down())
    }

    async fn refresh(&self, _: Request<auth::RefreshRequest>) -> Reply<Session> {
        Err(down())
    }

    async fn logout(&self, _: Request<auth::LogoutRequest>) -> Reply<Empty> {
        Err(down())
    }

    async fn forgot_password(&self, _: Request<auth::ForgotPasswordRequest>) -> Reply<Empty> {
        Err(down())
    }

    async fn reset_password(&self, _: Request<auth::ResetPasswordRequest>) -> Reply<Empty> {
        Err(down())
    }

    async fn verify_email(&self, _: Request<auth::VerifyEmailRequest>) -> Reply<Empty> {
        Err(down())
    }

    async fn change_password(&self, _: Request<auth::ChangePasswordRequest>) -> Reply<Empty> {
        Err(down())
    }

    async fn get_account(&self, _: Request<auth::AccountRef>) -> Reply<auth::Account> {
        Err(down())
    }

    async fn update_account(&self, _: Request<auth::UpdateAccountRequest>) -> Reply<auth::Account> {
        Err(down())
    }

    async fn list_accounts(
        &self,
        _: Request<auth::ListAccountsRequest>,
    ) -> Reply<auth::AccountPage> {
        Err(down())
    }

    async fn admin_update_account(
        &self,
        _: Request<auth::AdminUpdateAccountRequest>,
    ) -> Reply<auth::Account> {
        Err(down())
    }
}

type Reply<T> = Result<Response<T>, Status>;

fn down() -> Status {
    Status::unavailable("the fake auth service answers only keys and logins")
}
