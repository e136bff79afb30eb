//! The auth service for one case on a fresh database seeded with the demo accounts
//! (`vici_testkit::Services`), with a clock the cases move and its key file in the case's
//! directory.
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tonic::Status;
use vici_auth::ShiftedClock;
use vici_bus::CloudEvent;
use vici_identity::{Claims, Jwks, Verifier, revocation};
use vici_proto::auth::v1::{self as pb, auth_service_client::AuthServiceClient};
use vici_proto::common::v1::Empty;
use vici_testkit::{Backend, Channel, Db, ServiceName, Services, Unary as _, scalar};

pub type Client = AuthServiceClient<Channel>;

/// The seed's demo password.
pub const DEMO_PASSWORD: &str = "password123";
pub const JANE: &str = "jane.doe@example.com";
pub const ADMIN: &str = "admin@example.com";
/// A password that satisfies the policy.
pub const GOOD_PASSWORD: &str = "Correct1Horse";

/// A running auth service and everything around it.
pub struct App {
    pub services: Services,
    pub client: Client,
    pub db: Db,
    pub clock: Arc<ShiftedClock>,
    /// The case's directory: the key file lives here.
    pub dir: PathBuf,
}

/// Runs `case` against a fresh service on `backend`, then removes the environment.
pub async fn run(backend: Backend, case: impl AsyncFnOnce(App)) {
    let clock = Arc::new(ShiftedClock::new());
    let shifted = clock.clone();
    let services = Services::builder(backend)
        .service(vici_auth::service())
        .start_with(ServiceName::Auth, move |p| {
            let clock = shifted.clone();
            Box::pin(async move {
                let deps = vici_auth::Deps::from_platform(&p).await?;
                vici_auth::start_with_clock(deps, clock).await
            })
        })
        // The deny-list check runs often, so a case sees a lost cache refilled at once.
        .setting("VICI_AUTH_DENY_LIST_CHECK_MS", 100)
        .start()
        .await;
    case(App {
        client: services.client(),
        db: services.db(ServiceName::Auth).await,
        clock,
        dir: services.platform().config.data_dir.clone(),
        services: services.clone(),
    })
    .await;
    services.finish().await;
}

impl App {
    pub fn now_secs(&self) -> i64 {
        use vici_auth::Clock as _;
        self.clock.now_secs()
    }

    /// Whether the gateway would deny `claims` now: the three deny-list entries it reads,
    /// decided by the same rule.
    pub async fn denied(&self, claims: &Claims) -> bool {
        let keys = revocation::keys_for(claims);
        let values = self.services.platform().cache.get_many(&keys).await;
        revocation::is_revoked(claims, &values.expect("the deny-list"))
    }

    pub async fn register(&self, email: &str, name: &str) -> pb::Session {
        self.try_register(email, GOOD_PASSWORD, name)
            .await
            .unwrap_or_else(|s| panic!("register {email}: {s:?}"))
    }

    pub async fn try_register(
        &self,
        email: &str,
        password: &str,
        name: &str,
    ) -> Result<pb::Session, Status> {
        let req = pb::RegisterRequest {
            email: email.into(),
            password: password.into(),
            name: name.into(),
        };
        self.client.clone().register(req).await.message()
    }

    pub async fn login(&self, email: &str, password: &str) -> Result<pb::Session, Status> {
        let req = pb::LoginRequest {
            email: email.into(),
            password: password.into(),
        };
        self.client.clone().login(req).await.message()
    }

    pub async fn refresh(&self, token: &str) -> Result<pb::Session, Status> {
        let req = pb::RefreshRequest {
            refresh_token: token.into(),
        };
        self.client.clone().refresh(req).await.message()
    }

    pub async fn jwks(&self) -> Jwks {
        let jwks = self.client.clone().get_jwks(Empty {}).await;
        serde_json::from_str(&jwks.expect_message("JWKS").json).expect("the JWKS is JSON")
    }

    /// The claims of `token`, verified with the service's own JWKS at the service's now.
    pub async fn verify(&self, token: &str) -> Claims {
        let verifier = Verifier::from_jwks(&self.jwks().await).expect("a usable JWKS");
        verifier
            .verify(token, self.now_secs())
            .unwrap_or_else(|e| panic!("token does not verify: {e}"))
    }

    pub async fn account(&self, user_id: &str) -> pb::Account {
        let req = pb::AccountRef {
            user_id: user_id.into(),
        };
        self.client
            .clone()
            .get_account(req)
            .await
            .expect_message("account")
    }

    /// The id of the account with `email`.
    pub async fn id_of(&self, email: &str) -> String {
        scalar(
            &self.db,
            "SELECT id FROM accounts WHERE email = $1",
            &[email],
        )
        .await
    }

    /// Every `account-events` event written so far, oldest first, read from the outbox.
    pub async fn events(&self) -> Vec<CloudEvent> {
        let events = vici_testkit::outbox(&self.db, vici_bus::topics::ACCOUNT_EVENTS).await;
        events.into_iter().map(|(_, e)| e).collect()
    }

    /// Events of type `kind` about `user_id`.
    pub async fn events_of(&self, kind: &str, user_id: &str) -> Vec<CloudEvent> {
        let mut events = self.events().await;
        events.retain(|e| e.event_type == kind && e.subject == user_id);
        events
    }

    /// The newest `kind` link event about `user_id` as the bus delivered it (the mailer's
    /// view: its outbox row is redacted once published).
    pub async fn mailed(&self, kind: &str, user_id: &str) -> CloudEvent {
        let written = self.events_of(kind, user_id).await.len();
        assert!(written > 0, "no {kind} event about {user_id}");
        let group = format!("mailer-{}", uuid::Uuid::new_v4());
        let topics = [vici_bus::topics::ACCOUNT_EVENTS];
        let mut bus = self.services.drain(&group, &topics).await;
        let wanted = |e: &CloudEvent| e.event_type == kind && e.subject == user_id;
        let seen = bus
            .until(|es| es.iter().filter(|e| wanted(e)).count() == written)
            .await;
        seen.into_iter().rfind(wanted).expect("counted above")
    }

    /// The value and remaining TTL of a cache key, if present.
    pub async fn cached(&self, key: &str) -> Option<(String, Duration)> {
        let cache = &self.services.platform().cache;
        let value = cache.get_string(key).await.unwrap()?;
        let ttl = cache
            .ttl(key)
            .await
            .unwrap()
            .expect("deny-list keys expire");
        Some((value, ttl))
    }

    pub async fn admin_update(
        &self,
        user_id: &str,
        role: Option<&str>,
        is_active: Option<bool>,
        actor_id: &str,
    ) -> Result<pb::Account, Status> {
        let req = pb::AdminUpdateAccountRequest {
            user_id: user_id.into(),
            role: role.map(role_value),
            is_active,
            actor_id: actor_id.into(),
        };
        self.client
            .clone()
            .admin_update_account(req)
            .await
            .message()
    }
}

/// The contract's role a test names by its spelling (`admin`, or `""` for none); one the
/// contract does not have is sent as a value no build knows.
pub fn role_value(spelled: &str) -> i32 {
    use vici_proto::vocabulary::Spelled as _;
    match pb::Role::parse(spelled) {
        Some(role) => role as i32,
        None if spelled.is_empty() => 0,
        None => 99,
    }
}

/// The claims of `token` without verifying anything (for tokens that have since expired).
pub fn peek(token: &str) -> Claims {
    use base64::Engine as _;
    let payload = token.split('.').nth(1).expect("a JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url");
    serde_json::from_slice(&bytes).expect("claims")
}
