//! The grammar of `gateway.rate_limits` (`VICI_RATE_LIMITS`): `on` (the defaults), `off`
//! (benchmarks), or a comma list overriding some of them, e.g.
//! `login=3/1m,ip=100/10s,lockout=5/15m`.
use std::time::Duration;

/// At most `requests` in each `window` (a fixed window, shared by every gateway replica).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    pub requests: u32,
    pub window: Duration,
}

const fn per_minute(requests: u32) -> Limit {
    Limit {
        requests,
        window: Duration::from_secs(60),
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateLimits {
    pub enabled: bool,
    /// Every request, per client IP.
    pub ip: Limit,
    /// Every request of a signed-in user, wherever it comes from.
    pub user: Limit,
    /// Per IP, on `POST /auth/login`.
    pub login: Limit,
    /// Per IP, on `POST /auth/register`.
    pub register: Limit,
    /// Per IP, on `POST /auth/refresh`.
    pub refresh: Limit,
    /// Per IP, on forgot- and reset-password.
    pub password: Limit,
    /// `requests` failed logins of one account within `window` lock its logins for `window`.
    pub lockout: Limit,
}

impl Default for RateLimits {
    /// Generous enough for a real shop: a storefront page makes a handful of calls, and a
    /// shared office IP carries many shoppers.
    fn default() -> Self {
        Self {
            enabled: true,
            ip: per_minute(600),
            user: per_minute(600),
            login: per_minute(10),
            register: per_minute(20),
            refresh: per_minute(30),
            password: per_minute(5),
            lockout: Limit {
                requests: 5,
                window: Duration::from_secs(15 * 60),
            },
        }
    }
}

impl RateLimits {
    /// Parses the setting; the error says what is wrong in one sentence.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        let mut limits = Self::default();
        match raw {
            "" | "on" => return Ok(limits),
            "off" => {
                limits.enabled = false;
                return Ok(limits);
            }
            _ => {}
        }
        for item in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (name, value) = item
                .split_once('=')
                .ok_or_else(|| format!("`{item}` is not `name=requests/window`"))?;
            let limit = parse_limit(value.trim())
                .ok_or_else(|| format!("`{value}` is not `requests/window` such as `10/1m`"))?;
            let slot = match name.trim() {
                "ip" => &mut limits.ip,
                "user" => &mut limits.user,
                "login" => &mut limits.login,
                "register" => &mut limits.register,
                "refresh" => &mut limits.refresh,
                "password" => &mut limits.password,
                "lockout" => &mut limits.lockout,
                other => {
                    return Err(format!(
                        "unknown limit `{other}` (known: ip, user, login, register, refresh, password, lockout)"
                    ));
                }
            };
            *slot = limit;
        }
        Ok(limits)
    }
}

/// `10/1m`, `600/60s`, `5/15m`, `1000/1h`.
fn parse_limit(s: &str) -> Option<Limit> {
    let (count, window) = s.split_once('/')?;
    let requests: u32 = count.trim().parse().ok().filter(|n| *n > 0)?;
    let window = window.trim();
    let split = window.find(|c: char| !c.is_ascii_digit())?;
    let (amount, unit) = window.split_at(split);
    let amount: u64 = amount.parse().ok().filter(|n| *n > 0)?;
    let seconds = match unit {
        "s" => amount,
        "m" => amount * 60,
        "h" => amount * 3600,
        _ => return None,
    };
    (seconds <= 24 * 3600).then(|| Limit {
        requests,
        window: Duration::from_secs(seconds),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn on_off_and_overrides() {
        assert_eq!(RateLimits::parse("on").unwrap(), RateLimits::default());
        assert!(!RateLimits::parse("off").unwrap().enabled);
        let custom = RateLimits::parse("login=3/10s, lockout=2/1m,ip=1000/1h").unwrap();
        assert_eq!(custom.login.requests, 3);
        assert_eq!(custom.login.window, Duration::from_secs(10));
        assert_eq!(custom.lockout.window, Duration::from_secs(60));
        assert_eq!(custom.ip.window, Duration::from_secs(3600));
        assert_eq!(custom.register, RateLimits::default().register);
    }

    #[test]
    fn bad_settings_say_what_is_wrong() {
        for bad in [
            "login",
            "login=3",
            "login=0/1m",
            "login=3/0s",
            "login=3/1d",
            "nope=1/1m",
        ] {
            assert!(RateLimits::parse(bad).is_err(), "{bad}");
        }
        assert!(
            RateLimits::parse("nope=1/1m")
                .unwrap_err()
                .contains("unknown limit")
        );
    }
}
