//! The console's sessions: the admin's API tokens kept server-side in the shared cache (so
//! every gateway replica knows them) under a random id, which the browser holds in an
//! HttpOnly, SameSite=Strict cookie scoped to `/admin`; and the session's CSRF token, which
//! every form carries and every POST must match.
use std::time::Duration;

use axum::http::{HeaderMap, HeaderValue, header};
use serde::{Deserialize, Serialize};
use vici_cache::SharedCache;

/// The session cookie's name.
const COOKIE: &str = "vici_console";
/// The cookie that carries the sign-in form's CSRF token before any session exists.
pub const LOGIN_COOKIE: &str = "vici_console_login";
/// How long a session lasts without use (each page renews it); the refresh token bounds it too.
pub const IDLE: Duration = Duration::from_secs(8 * 3600);

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Session {
    pub id: String,
    pub user_id: String,
    pub email: String,
    pub access_token: String,
    pub refresh_token: String,
    pub csrf: String,
}

/// A fresh unguessable token (two random UUIDs: 244 random bits).
pub fn token() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// Equal texts, compared without stopping at the first difference.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

#[derive(Clone)]
pub struct Sessions {
    cache: SharedCache,
    /// Whether cookies are marked `Secure` (the shop is served over https).
    secure: bool,
}

fn key(id: &str) -> String {
    format!("console:session:{id}")
}

impl Sessions {
    pub fn new(cache: SharedCache, secure: bool) -> Self {
        Self { cache, secure }
    }

    /// The session the request's cookie names, renewed; `None` when there is none or it ended.
    pub async fn find(&self, headers: &HeaderMap) -> anyhow::Result<Option<Session>> {
        let Some(id) = cookie(headers, COOKIE) else {
            return Ok(None);
        };
        let Some(stored) = self.cache.get(&key(&id)).await? else {
            return Ok(None);
        };
        let session: Session = serde_json::from_slice(&stored)?;
        self.cache.expire(&key(&id), IDLE).await?;
        Ok(Some(session))
    }

    pub async fn save(&self, session: &Session) -> anyhow::Result<()> {
        let stored = serde_json::to_vec(session)?;
        self.cache.set(&key(&session.id), &stored, Some(IDLE)).await
    }

    pub async fn end(&self, session: &Session) -> anyhow::Result<()> {
        self.cache.delete(&key(&session.id)).await.map(drop)
    }

    /// The `Set-Cookie` value that gives the browser `session`, or (`None`) takes it away.
    pub fn cookie(&self, session: Option<&Session>) -> HeaderValue {
        self.set_cookie(COOKIE, session.map(|s| s.id.as_str()), IDLE)
    }

    /// A short-lived cookie named `name` (or its removal), readable only by the console.
    pub fn set_cookie(&self, name: &str, value: Option<&str>, lasts: Duration) -> HeaderValue {
        let age = if value.is_some() { lasts.as_secs() } else { 0 };
        let secure = if self.secure { "; Secure" } else { "" };
        let text = format!(
            "{name}={}; Path=/admin; HttpOnly; SameSite=Strict; Max-Age={age}{secure}",
            value.unwrap_or("")
        );
        HeaderValue::from_str(&text).expect("tokens are visible ASCII")
    }
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.to_string())
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; vici_console=abc"),
        );
        assert_eq!(cookie(&headers, COOKIE).as_deref(), Some("abc"));
        assert_eq!(cookie(&headers, "b"), None);
    }

    #[test]
    fn tokens_compare_whole() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd") && !same("abc", "ab"));
        assert_ne!(token(), token());
        assert_eq!(token().len(), 64);
    }
}
