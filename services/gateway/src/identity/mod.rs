//! Who is calling: the bearer token verified here, locally (signature, expiry, issuer,
//! audience from the auth service's cached JWKS, then the shared deny-list in the cache), once
//! per request by [`crate::guard`]. The extractors in [`crate::extract`] read the outcome.
use std::sync::Arc;

use axum::http::{HeaderMap, header};
use vici_cache::SharedCache;
use vici_identity::Claims;
use vici_identity::revocation::{is_loaded, is_revoked, keys_for};
use vici_kit::grpc::Channel;
use vici_proto::auth::v1::auth_service_client::AuthServiceClient;

mod keys;
mod verified;

use keys::{KeyCache, KeyFailure};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Customer,
    Admin,
}

/// A verified caller, from the claims of their access token.
#[derive(Clone, Debug)]
pub struct Identity {
    pub user_id: uuid::Uuid,
    pub role: Role,
    pub email: String,
    /// The session (refresh-token family) the token belongs to.
    pub session_id: String,
    /// The token's `jti` and `exp` (unix seconds), which logout denies.
    pub token_id: String,
    pub expires_at: i64,
}

impl Identity {
    fn from_claims(claims: Claims) -> Option<Self> {
        Some(Self {
            user_id: claims.sub.parse().ok()?,
            role: if claims.role == "admin" {
                Role::Admin
            } else {
                Role::Customer
            },
            email: claims.email,
            session_id: claims.sid,
            token_id: claims.jti,
            expires_at: claims.exp,
        })
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

/// The outcome of authentication, stored in the request's extensions.
#[derive(Clone, Debug, Default)]
pub enum Caller {
    /// No bearer token.
    #[default]
    Anonymous,
    User(Arc<Identity>),
    /// A token that is malformed, forged, expired, for another audience, or revoked.
    Refused,
    /// A token that cannot be checked now (the auth service's keys or the cache are
    /// unreachable): private routes answer 503, public ones serve the caller anonymously.
    Unavailable,
}

impl Caller {
    pub fn identity(&self) -> Option<&Arc<Identity>> {
        match self {
            Caller::User(identity) => Some(identity),
            _ => None,
        }
    }

    pub fn is_admin(&self) -> bool {
        self.identity().is_some_and(|i| i.is_admin())
    }
}

pub struct Authenticator {
    keys: KeyCache,
    cache: SharedCache,
}

impl Authenticator {
    pub fn new(auth: AuthServiceClient<Channel>, cache: SharedCache) -> Self {
        Self {
            keys: KeyCache::new(auth),
            cache,
        }
    }

    /// Who presents `token` (none: anonymous).
    pub async fn identify(&self, token: Option<&str>) -> Caller {
        let Some(token) = token else {
            return Caller::Anonymous;
        };
        let claims = match self.keys.verify(token, unix_now()).await {
            Ok(claims) => claims,
            Err(KeyFailure::Refused(why)) => {
                tracing::debug!(%why, "bearer token refused");
                return Caller::Refused;
            }
            Err(KeyFailure::Unavailable(e)) => {
                tracing::warn!(error = %e, "cannot verify bearer tokens");
                return Caller::Unavailable;
            }
        };
        match self.cache.get_many(&keys_for(&claims)).await {
            Ok(values) if !is_loaded(&values) => {
                tracing::warn!("the cache does not hold the token deny-list (yet); tokens wait");
                Caller::Unavailable
            }
            Ok(values) if is_revoked(&claims, &values) => Caller::Refused,
            Ok(_) => Identity::from_claims(claims)
                .map_or(Caller::Refused, |identity| Caller::User(Arc::new(identity))),
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the token deny-list");
                Caller::Unavailable
            }
        }
    }
}

/// The token of an `Authorization: Bearer …` header (scheme case-insensitive, RFC 7235).
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

pub use vici_kit::unix_now;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_tokens_are_read_leniently_but_only_as_bearer() {
        let with = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::AUTHORIZATION, v.parse().unwrap());
            bearer_token(&h).map(str::to_string)
        };
        assert_eq!(with("Bearer abc").as_deref(), Some("abc"));
        assert_eq!(with("bearer  abc ").as_deref(), Some("abc"));
        assert_eq!(with("Basic abc"), None);
        assert_eq!(with("Bearer "), None);
        assert_eq!(with("abc"), None);
        assert_eq!(bearer_token(&HeaderMap::new()), None);
    }
}
