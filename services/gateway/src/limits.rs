//! Abuse limits, counted in the shared cache so every gateway replica sees the same budget:
//! fixed-window request budgets (per IP, per user, stricter per IP on the auth routes) and the
//! failed-login lockout of one account. A cache failure lets the request through (logged): a
//! Redis blip must not take the shop down, and the limits only defend against floods.
use std::time::{SystemTime, UNIX_EPOCH};

use vici_cache::SharedCache;
use vici_kit::limits::{Limit, RateLimits};

use crate::error::{ApiError, ApiResult};

/// The budgets a request can draw from; the name is part of the cache key.
#[derive(Clone, Copy, Debug)]
pub enum Budget {
    Ip,
    User,
    Login,
    Register,
    Refresh,
    Password,
}

impl Budget {
    fn name(self) -> &'static str {
        match self {
            Budget::Ip => "ip",
            Budget::User => "user",
            Budget::Login => "login",
            Budget::Register => "register",
            Budget::Refresh => "refresh",
            Budget::Password => "password",
        }
    }
}

pub struct RateLimiter {
    cache: SharedCache,
    limits: RateLimits,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Whole seconds, rounded up, until `ms` have passed.
fn secs_ceil(ms: u64) -> u64 {
    ms.div_ceil(1000).max(1)
}

impl RateLimiter {
    pub fn new(cache: SharedCache, limits: RateLimits) -> Self {
        Self { cache, limits }
    }

    fn limit(&self, budget: Budget) -> Limit {
        match budget {
            Budget::Ip => self.limits.ip,
            Budget::User => self.limits.user,
            Budget::Login => self.limits.login,
            Budget::Register => self.limits.register,
            Budget::Refresh => self.limits.refresh,
            Budget::Password => self.limits.password,
        }
    }

    /// Counts one request of `subject` (an IP or a user id) against `budget`; 429 with
    /// `Retry-After` (the end of the current window) once it is spent.
    pub async fn check(&self, budget: Budget, subject: &str) -> ApiResult<()> {
        if !self.limits.enabled {
            return Ok(());
        }
        let limit = self.limit(budget);
        let window_ms = limit.window.as_millis().max(1) as u64;
        let now = now_ms();
        let window = now / window_ms;
        let key = format!("rl:{}:{subject}:{window}", budget.name());
        match self.cache.incr_by(&key, 1, Some(limit.window)).await {
            Ok(count) if count > i64::from(limit.requests) => {
                let retry_after = secs_ceil((window + 1) * window_ms - now);
                Err(ApiError::rate_limited(
                    format!("Too many requests; please try again in {retry_after} seconds"),
                    retry_after,
                ))
            }
            Ok(_) => Ok(()),
            Err(e) => {
                tracing::warn!(error = %e, "rate limit not counted: the cache is unreachable");
                Ok(())
            }
        }
    }

    fn lock_key(email: &str) -> String {
        format!("rl:lock:{email}")
    }

    fn failures_key(email: &str) -> String {
        format!("rl:fail:{email}")
    }

    /// 429 while `email`'s logins are locked, whatever the password: the answer must not
    /// reveal whether it was right.
    pub async fn ensure_login_unlocked(&self, email: &str) -> ApiResult<()> {
        if !self.limits.enabled {
            return Ok(());
        }
        match self.cache.ttl(&Self::lock_key(email)).await {
            Ok(Some(left)) => {
                let minutes = left.as_secs().div_ceil(60).max(1);
                Err(ApiError::rate_limited(
                    format!(
                        "Too many failed sign-in attempts for this account; please try again in {minutes} minutes"
                    ),
                    secs_ceil(left.as_millis() as u64),
                ))
            }
            Ok(None) => Ok(()),
            Err(e) => {
                tracing::warn!(error = %e, "login lockout not checked: the cache is unreachable");
                Ok(())
            }
        }
    }

    /// Counts a failed login; the one that reaches the limit locks the account.
    pub async fn record_login_failure(&self, email: &str) {
        if !self.limits.enabled {
            return;
        }
        let lockout = self.limits.lockout;
        let result = async {
            let failures = self
                .cache
                .incr_by(&Self::failures_key(email), 1, Some(lockout.window))
                .await?;
            if failures >= i64::from(lockout.requests) {
                self.cache
                    .set(&Self::lock_key(email), b"1", Some(lockout.window))
                    .await?;
                self.cache.delete(&Self::failures_key(email)).await?;
            }
            anyhow::Ok(())
        };
        if let Err(e) = result.await {
            tracing::warn!(error = %e, "failed login not counted: the cache is unreachable");
        }
    }

    /// A successful login forgives earlier failures.
    pub async fn record_login_success(&self, email: &str) {
        if self.limits.enabled
            && let Err(e) = self.cache.delete(&Self::failures_key(email)).await
        {
            tracing::warn!(error = %e, "failed logins not reset: the cache is unreachable");
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn limiter(spec: &str) -> RateLimiter {
        RateLimiter::new(
            Arc::new(vici_cache::MemoryCache::new()),
            RateLimits::parse(spec).unwrap(),
        )
    }

    #[tokio::test]
    async fn a_budget_is_spent_per_subject_and_says_when_to_return() {
        let limiter = limiter("login=2/1h");
        assert!(limiter.check(Budget::Login, "1.1.1.1").await.is_ok());
        assert!(limiter.check(Budget::Login, "1.1.1.1").await.is_ok());
        let refused = limiter.check(Budget::Login, "1.1.1.1").await.unwrap_err();
        assert_eq!(refused.code(), vici_kit::ErrorCode::RateLimited);
        let retry = refused.0.details["retryAfter"].as_u64().unwrap();
        assert!((1..=3600).contains(&retry), "{retry}");
        assert!(limiter.check(Budget::Login, "2.2.2.2").await.is_ok());
        assert!(limiter.check(Budget::Register, "1.1.1.1").await.is_ok());
    }

    #[tokio::test]
    async fn failed_logins_lock_the_account_and_success_forgives() {
        let limiter = limiter("lockout=3/1h");
        limiter.record_login_failure("a@x.io").await;
        limiter.record_login_failure("a@x.io").await;
        limiter.record_login_success("a@x.io").await;
        limiter.record_login_failure("a@x.io").await;
        limiter.record_login_failure("a@x.io").await;
        assert!(limiter.ensure_login_unlocked("a@x.io").await.is_ok());
        limiter.record_login_failure("a@x.io").await;
        let locked = limiter.ensure_login_unlocked("a@x.io").await.unwrap_err();
        assert!(
            locked.0.message.contains("60 minutes"),
            "{}",
            locked.0.message
        );
        assert!(limiter.ensure_login_unlocked("b@x.io").await.is_ok());
    }

    #[tokio::test]
    async fn off_means_off() {
        let limiter = limiter("off");
        for _ in 0..1000 {
            limiter.check(Budget::Login, "1.1.1.1").await.unwrap();
            limiter.record_login_failure("a@x.io").await;
        }
        assert!(limiter.ensure_login_unlocked("a@x.io").await.is_ok());
    }
}
