//! The middleware in front of every `/api` route: the per-IP budget, then who is calling
//! (stored for the extractors), then the per-user budget. Route-specific budgets (login,
//! register, refresh, password) are checked by their handlers.
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, Query, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::identity::{Caller, bearer_token};
use crate::limits::{Budget, ip_subject};

/// The client's address: the TCP peer, or with `gateway.trust_forwarded_for` the last address
/// of `X-Forwarded-For`, the one the trusted load balancer appended (anything before it was
/// written by the client and proves nothing).
#[derive(Clone, Copy, Debug)]
pub struct ClientIp(pub IpAddr);

fn client_ip(req: &Request, trust_forwarded_for: bool) -> IpAddr {
    let forwarded = trust_forwarded_for
        .then(|| forwarded_for(req.headers()))
        .flatten();
    forwarded
        .or_else(|| {
            req.extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(addr)| addr.ip())
        })
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

fn forwarded_for(headers: &HeaderMap) -> Option<IpAddr> {
    headers
        .get("x-forwarded-for")?
        .to_str()
        .ok()?
        .rsplit(',')
        .next()?
        .trim()
        .parse()
        .ok()
}

/// The one route a browser's EventSource opens cannot send a header: there the token may come
/// as the `access_token` query parameter (api-contract). Nowhere else, so tokens stay out of
/// other URLs (and the access log records paths without their query).
fn event_stream_token(req: &Request) -> Option<String> {
    // The guard sits inside `/api`: axum hands it the path without the prefix.
    let path = req.uri().path();
    if path != EVENT_STREAM_PATH && path.strip_prefix("/api") != Some(EVENT_STREAM_PATH) {
        return None;
    }
    let Query(pairs) = Query::<Vec<(String, String)>>::try_from_uri(req.uri()).ok()?;
    let (_, token) = pairs.into_iter().find(|(k, _)| k == "access_token")?;
    Some(token.trim().to_string()).filter(|t| !t.is_empty())
}

const EVENT_STREAM_PATH: &str = "/users/notifications/stream";

pub async fn guard(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let ip = client_ip(&req, state.config.trust_forwarded_for);
    if let Err(e) = state.limiter().check(Budget::Ip, &ip_subject(ip)).await {
        return e.into_response();
    }
    let token = bearer_token(req.headers())
        .map(str::to_string)
        .or_else(|| event_stream_token(&req));
    let caller = state.authenticator().identify(token.as_deref()).await;
    if let Some(identity) = caller.identity()
        && let Err(e) = state
            .limiter()
            .check(Budget::User, &identity.user_id.to_string())
            .await
    {
        return e.into_response();
    }
    req.extensions_mut().insert(ClientIp(ip));
    req.extensions_mut().insert::<Caller>(caller);
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_takes_the_last_hop_only_when_trusted() {
        let req = |xff: &str| {
            Request::builder()
                .header("x-forwarded-for", xff)
                .body(axum::body::Body::empty())
                .unwrap()
        };
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(
            client_ip(&req("6.6.6.6, 203.0.113.9"), true),
            ip("203.0.113.9"),
            "a first hop the client wrote itself is ignored"
        );
        assert_eq!(client_ip(&req("2001:db8::1"), true), ip("2001:db8::1"));
        assert_eq!(client_ip(&req("203.0.113.9"), false), ip("0.0.0.0"));
        assert_eq!(client_ip(&req("garbage"), true), ip("0.0.0.0"));
    }
}
