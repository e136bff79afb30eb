//! Abuse limits, counted in the shared cache so every gateway replica sees the same budget:
//! fixed-window request budgets (per IP, per user, stricter per IP on the auth routes) and the
//! failed-login lockout of one account. A cache failure lets the request through (logged): a
//! Redis blip must not take the shop down, and the limits only defend against floods.
use std::net::IpAddr;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::config::{Limit, RateLimits};
use vici_cache::SharedCache;

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

/// What a per-IP budget is counted for: an IPv4 address, or an IPv6 /64 — one host usually
/// holds a whole /64, so counting single IPv6 addresses would give it 2^64 budgets.
pub fn ip_subject(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
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

    fn locked(left: std::time::Duration) -> ApiError {
        let minutes = left.as_secs().div_ceil(60).max(1);
        ApiError::rate_limited(
            format!(
                "Too many failed sign-in attempts for this account; please try again in {minutes} minutes"
            ),
            secs_ceil(left.as_millis() as u64),
        )
    }

    /// Counts a password attempt on `email`'s account *before* the password is checked, so
    /// attempts sent at once cannot all slip past the count. Past the limit, the account is
    /// locked and the answer is 429 whatever the password: it must not reveal whether it was
    /// right. Follow with [`Self::attempt_succeeded`] or [`Self::attempt_not_judged`]; a failed
    /// attempt simply stays counted.
    pub async fn begin_password_attempt(&self, email: &str) -> ApiResult<()> {
        if !self.limits.enabled {
            return Ok(());
        }
        let lockout = self.limits.lockout;
        let result = async {
            if let Some(left) = self.cache.ttl(&Self::lock_key(email)).await? {
                return anyhow::Ok(Some(left));
            }
            let attempts = self
                .cache
                .incr_by(&Self::failures_key(email), 1, Some(lockout.window))
                .await?;
            if attempts <= i64::from(lockout.requests) {
                return Ok(None);
            }
            self.cache
                .set(&Self::lock_key(email), b"1", Some(lockout.window))
                .await?;
            self.cache.delete(&Self::failures_key(email)).await?;
            Ok(Some(lockout.window))
        };
        match result.await {
            Ok(Some(left)) => Err(Self::locked(left)),
            Ok(None) => Ok(()),
            Err(e) => {
                tracing::warn!(error = %e, "password attempt not counted: the cache is unreachable");
                Ok(())
            }
        }
    }

    /// The password was right: earlier failures are forgiven.
    pub async fn attempt_succeeded(&self, email: &str) {
        if self.limits.enabled
            && let Err(e) = self.cache.delete(&Self::failures_key(email)).await
        {
            tracing::warn!(error = %e, "failed attempts not reset: the cache is unreachable");
        }
    }

    /// The attempt never reached a password check (bad input, a service down): uncount it.
    pub async fn attempt_not_judged(&self, email: &str) {
        if self.limits.enabled
            && let Err(e) = self
                .cache
                .incr_by(&Self::failures_key(email), -1, None)
                .await
        {
            tracing::warn!(error = %e, "password attempt not uncounted: the cache is unreachable");
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
    async fn attempts_past_the_limit_lock_the_account_and_success_forgives() {
        let limiter = limiter("lockout=3/1h");
        let attempt = |email| limiter.begin_password_attempt(email);
        attempt("a@x.io").await.unwrap();
        attempt("a@x.io").await.unwrap();
        limiter.attempt_succeeded("a@x.io").await;
        for _ in 0..3 {
            attempt("a@x.io").await.unwrap(); // three failures, counted up front
        }
        attempt("b@x.io").await.unwrap();
        limiter.attempt_not_judged("b@x.io").await;
        let locked = attempt("a@x.io").await.unwrap_err();
        assert!(
            locked.0.message.contains("60 minutes"),
            "{}",
            locked.0.message
        );
        assert!(attempt("a@x.io").await.is_err(), "stays locked");
        for _ in 0..3 {
            attempt("b@x.io").await.unwrap();
        }
    }

    #[tokio::test]
    async fn simultaneous_attempts_cannot_exceed_the_limit() {
        let limiter = limiter("lockout=5/1h");
        let attempts: Vec<_> = (0..40)
            .map(|_| limiter.begin_password_attempt("a@x.io"))
            .collect();
        let passed = futures::future::join_all(attempts)
            .await
            .into_iter()
            .filter(Result::is_ok)
            .count();
        assert_eq!(passed, 5);
    }

    #[test]
    fn ipv6_budgets_are_per_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        assert_eq!(ip_subject(a), ip_subject(b));
        assert_ne!(
            ip_subject(a),
            ip_subject("2001:db8:1:3::1".parse().unwrap())
        );
        assert_eq!(ip_subject("::ffff:192.0.2.1".parse().unwrap()), "192.0.2.1");
    }

    #[tokio::test]
    async fn off_means_off() {
        let limiter = limiter("off");
        for _ in 0..1000 {
            limiter.check(Budget::Login, "1.1.1.1").await.unwrap();
            limiter.begin_password_attempt("a@x.io").await.unwrap();
        }
    }
}
