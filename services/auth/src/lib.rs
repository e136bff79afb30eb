//! The auth service: accounts and credentials, sessions (access tokens plus rotating refresh
//! tokens), mailed links (email verification, password reset) and the signing keys whose
//! public half (the JWKS) lets the gateway verify access tokens without calling us.
//!
//! Layout: `validate` and `password` hold the rules for inputs and hashes, `keys` the signing
//! keyring, `tokens` the token formats, `store` the SQL, `service` the use cases (each change
//! committed with its `account-events` event in the outbox), `grpc` the thin handlers.
//! Revocations that must take effect before an access token expires are written to the shared
//! cache under `vici_identity::revocation` keys, which the gateway reads on every request.

mod clock;
mod config;
mod events;
mod grpc;
mod keys;
mod password;
mod service;
mod store;
mod tokens;
mod validate;

use std::sync::Arc;
use std::time::Duration;

use vici_catalog::Catalog;
use vici_kit::ServiceName;
use vici_kit::server::ServiceApp;
use vici_platform::{Platform, Service};
use vici_proto::auth::v1::auth_service_server::AuthServiceServer;
use vici_store::{Db, Migration, ServiceBase};

pub use clock::{Clock, SharedClock, ShiftedClock, SystemClock};
pub use config::AuthConfig;
pub use keys::{KeySource, new_keyring_json};
pub use tokens::REFRESH_GRACE;

/// The auth service's schema, applied with `Db::migrate("auth", MIGRATIONS)`.
pub const MIGRATIONS: &[Migration] = &[
    Migration::new(1, "auth", include_str!("../migrations/0001_auth.sql")),
    Migration::new(
        2,
        "token_version",
        include_str!("../migrations/0002_token_version.sql"),
    ),
    Migration::new(
        3,
        "deny_list",
        include_str!("../migrations/0003_deny_list.sql"),
    ),
];

/// How often the key file is checked for rotation and expired tokens are swept.
const MAINTENANCE_EVERY: Duration = Duration::from_secs(3600);
/// Expired rows are kept a day for investigation, then deleted.
const KEEP_EXPIRED_MS: i64 = 24 * 3600 * 1000;

/// The auth service's entry in the table of services.
pub fn service() -> Service {
    Service::new(ServiceName::Auth, |p| {
        Box::pin(async move { start(Deps::from_platform(&p).await?).await })
    })
    .migrations(MIGRATIONS)
    .config::<AuthConfig>()
    .seed(|db, catalog| {
        Box::pin(async move {
            Ok(format!(
                "{} demo accounts created",
                seed(&db, &catalog).await?
            ))
        })
    })
}

/// What the service runs on.
pub struct Deps {
    pub base: ServiceBase,
    /// The shared cache holding the access-token deny-list the gateway reads.
    pub cache: vici_cache::SharedCache,
    pub keys: KeySource,
    /// How often the cache is checked for the deny-list (refilled when it lost it).
    pub deny_list_check: Duration,
}

impl Deps {
    pub async fn from_platform(p: &Platform) -> anyhow::Result<Self> {
        Ok(Self {
            base: p.base(ServiceName::Auth).await?,
            cache: p.cache.clone(),
            keys: KeySource::from_config(&p.section()?, &p.config.data_dir),
            deny_list_check: p.section::<AuthConfig>()?.deny_list_check,
        })
    }
}

/// Loads (or creates) the signing keyring, starts the outbox relay and the hourly key
/// rotation, and returns the gRPC app. Run the migrations first.
pub async fn start(deps: Deps) -> anyhow::Result<ServiceApp> {
    start_with_clock(deps, Arc::new(SystemClock)).await
}

/// [`start`] on a clock of the caller's choosing (tests move time forward with
/// [`ShiftedClock`] instead of sleeping through the refresh grace window).
pub async fn start_with_clock(deps: Deps, clock: SharedClock) -> anyhow::Result<ServiceApp> {
    let Deps {
        base,
        cache,
        keys,
        deny_list_check,
    } = deps;
    let keys = Arc::new(keys::Keys::load(keys, clock.now_secs())?);
    let passwords = password::Passwords::new()
        .await
        .map_err(|e| anyhow::anyhow!("preparing password hashing: {e:?}"))?;
    let (outbox, relay) = base.outbox();
    let svc = Arc::new(service::Service {
        db: base.db.clone(),
        outbox,
        cache: cache.clone(),
        passwords,
        keys: keys.clone(),
        clock: clock.clone(),
    });
    // Before anything is served: a cache that restarted empty must not let revoked tokens in.
    // Should the cache be unreachable now, the check below refills it once it is back.
    if let Err(e) = svc.restore_deny_list().await {
        tracing::error!(error = %format!("{e:#}"), "could not restore the deny-list into the cache; will retry");
    }
    let deny_list = tokio::spawn(service::keep_deny_list(
        svc.clone(),
        deny_list_check,
        base.shutdown.clone(),
    ));
    let maintenance = tokio::spawn(maintain(
        base.db.clone(),
        keys,
        clock,
        base.shutdown.clone(),
    ));
    let routes = tonic::service::Routes::new(AuthServiceServer::new(grpc::Auth::new(svc)));
    Ok(base
        .app(ServiceName::Auth, routes)
        .with_check(Arc::new(vici_cache::CacheReady(cache)))
        .with_task(relay)
        .with_task(maintenance)
        .with_task(deny_list))
}

/// Hourly: rotates the key file when due and deletes long-expired tokens, until shutdown.
async fn maintain(
    db: Db,
    keys: Arc<keys::Keys>,
    clock: SharedClock,
    shutdown: vici_kit::server::Shutdown,
) {
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tokio::time::sleep(MAINTENANCE_EVERY) => {}
        }
        if let Err(e) = keys.maintain(clock.now_secs()) {
            tracing::error!(error = %format!("{e:#}"), "signing key rotation failed; will retry");
        }
        let before = clock.now_ms() - KEEP_EXPIRED_MS;
        let swept = async {
            let refresh = store::sessions::delete_expired(&db, before).await?;
            let links = store::links::delete_expired(&db, before).await?;
            Ok::<_, vici_kit::Error>(refresh + links)
        };
        match swept.await {
            Ok(0) => {}
            Ok(n) => tracing::info!(rows = n, "deleted expired tokens"),
            // Debug keeps the cause an internal error hides from callers.
            Err(e) => tracing::warn!(error = ?e, "sweeping expired tokens failed"),
        }
    }
}

/// Inserts the catalogue's users (demo accounts) that do not exist yet, with their bcrypt
/// hashes (upgraded to Argon2id at their first login) and verified emails; how many were new.
pub async fn seed(db: &Db, catalog: &Catalog) -> anyhow::Result<usize> {
    let now = vici_store::now_ms();
    let accounts: Vec<store::Account> = catalog
        .users
        .iter()
        .map(|u| store::Account {
            id: u.id().to_string(),
            email: u.email.trim().to_lowercase(),
            name: u.name.trim().to_string(),
            role: u.role.clone(),
            password_hash: u.bcrypt_hash.clone(),
            is_active: true,
            email_verified: true,
            created_at: now,
            updated_at: now,
            last_login_at: None,
            token_version: 0,
        })
        .collect();
    // Debug keeps the cause an internal error hides from callers.
    store::accounts::insert_missing(db, &accounts)
        .await
        .map_err(anyhow::Error::from)
}
