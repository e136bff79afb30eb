//! The notification service's settings (`notification.*`): where mail and text messages go
//! (nothing configured: files under the data dir), and how deliveries are retried.
use std::time::Duration;

use vici_kit::config::{ConfigError, Key, Section, Settings, key, secret};

use crate::channel::sms::Provider;

#[derive(Clone, Debug)]
pub struct NotificationConfig {
    /// `smtp://` or `smtps://` URL of the mail server; `None` writes `.eml` files.
    pub smtp_url: Option<String>,
    /// The `From` of every mail, e.g. `vici <shop@example.com>`; its domain ends Message-IDs.
    pub mail_from: String,
    /// The SMS provider; `None` writes `.json` files.
    pub sms: Option<Provider>,
    /// The sender of text messages written to files.
    pub sms_from: String,
    pub retry: Retry,
    /// How long one provider call may take.
    pub send_timeout: Duration,
    /// Deliveries sent at once by one worker.
    pub concurrency: usize,
    /// How often the worker looks for deliveries due (it is also woken by new ones).
    pub poll: Duration,
    /// A delivery still `sending` after this long was interrupted by a crash.
    pub interrupted_after: Duration,
    pub delays: Delays,
    /// Update and marketing messages (email and SMS) one user gets a day at most; 0: no limit.
    pub daily_limit: u32,
}

/// How long some messages wait before they go, for a later event to change its mind.
#[derive(Clone, Copy, Debug)]
pub struct Delays {
    /// An abandoned-cart reminder: called off if the user orders meanwhile.
    pub abandoned_cart: Duration,
    /// Shipping news: a later one for the same order supersedes it meanwhile.
    pub shipping: Duration,
}

/// Exponential backoff with jitter: the n-th retry waits `first × 2ⁿ⁻¹` (at most `max`),
/// ±20 %, and after `attempts` attempts the delivery fails and goes to `notifications.dlq`.
#[derive(Clone, Copy, Debug)]
pub struct Retry {
    pub first: Duration,
    pub max: Duration,
    pub attempts: u32,
}

impl Retry {
    /// The wait before the attempt after `attempts_made`, with `jitter` in -1.0..=1.0.
    pub fn delay(&self, attempts_made: u32, jitter: f64) -> Duration {
        let doubled = self
            .first
            .saturating_mul(2u32.saturating_pow(attempts_made.saturating_sub(1)));
        doubled
            .min(self.max)
            .mul_f64(1.0 + 0.2 * jitter.clamp(-1.0, 1.0))
    }
}

impl Section for NotificationConfig {
    const KEYS: &'static [Key] = &[
        secret("notification.smtp_url", "VICI_NOTIFICATION_SMTP_URL"),
        key(
            "notification.mail_from",
            "VICI_NOTIFICATION_MAIL_FROM",
            Some("vici <shop@vici.localhost>"),
        ),
        key("notification.sms_url", "VICI_NOTIFICATION_SMS_URL", None),
        key(
            "notification.sms_account",
            "VICI_NOTIFICATION_SMS_ACCOUNT",
            None,
        ),
        secret("notification.sms_token", "VICI_NOTIFICATION_SMS_TOKEN"),
        key(
            "notification.sms_from",
            "VICI_NOTIFICATION_SMS_FROM",
            Some("+15550000000"),
        ),
        key(
            "notification.retry_first_ms",
            "VICI_NOTIFICATION_RETRY_FIRST_MS",
            Some("30000"),
        ),
        key(
            "notification.retry_max_ms",
            "VICI_NOTIFICATION_RETRY_MAX_MS",
            Some("3600000"),
        ),
        key(
            "notification.attempts",
            "VICI_NOTIFICATION_ATTEMPTS",
            Some("12"),
        ),
        key(
            "notification.send_timeout_secs",
            "VICI_NOTIFICATION_SEND_TIMEOUT_SECS",
            Some("20"),
        ),
        key(
            "notification.concurrency",
            "VICI_NOTIFICATION_CONCURRENCY",
            Some("8"),
        ),
        key(
            "notification.poll_ms",
            "VICI_NOTIFICATION_POLL_MS",
            Some("1000"),
        ),
        key(
            "notification.interrupted_after_secs",
            "VICI_NOTIFICATION_INTERRUPTED_AFTER_SECS",
            Some("300"),
        ),
        key(
            "notification.abandoned_cart_delay_secs",
            "VICI_NOTIFICATION_ABANDONED_CART_DELAY_SECS",
            Some("3600"),
        ),
        key(
            "notification.shipping_window_secs",
            "VICI_NOTIFICATION_SHIPPING_WINDOW_SECS",
            Some("30"),
        ),
        key(
            "notification.daily_limit",
            "VICI_NOTIFICATION_DAILY_LIMIT",
            Some("10"),
        ),
    ];

    fn parse(s: &Settings) -> Result<Self, ConfigError> {
        let mail_from = s.text("notification.mail_from").unwrap_or_default();
        if let Err(e) = mail_from.parse::<lettre::message::Mailbox>() {
            let problem =
                format!("`{mail_from}` is not a mailbox such as `Shop <shop@example.com>`: {e}");
            return Err(s.error("notification.mail_from", problem));
        }
        let sms = match s.url("notification.sms_url", &["http", "https"])? {
            None => None,
            Some(base_url) => {
                let required = |name: &str| {
                    s.text(name).ok_or_else(|| {
                        s.error(name, "is required when notification.sms_url is set")
                    })
                };
                Some(Provider {
                    base_url,
                    account: required("notification.sms_account")?,
                    token: required("notification.sms_token")?,
                    from: required("notification.sms_from")?,
                })
            }
        };
        let send_timeout = s.secs("notification.send_timeout_secs", 1..=600)?;
        let interrupted_after = s.secs("notification.interrupted_after_secs", 1..=86_400)?;
        if interrupted_after <= send_timeout {
            let problem = "must be longer than notification.send_timeout_secs: a delivery still \
                           being sent is not interrupted yet";
            return Err(s.error("notification.interrupted_after_secs", problem));
        }
        let retry = Retry {
            first: s.millis("notification.retry_first_ms", 1..=86_400_000)?,
            max: s.millis("notification.retry_max_ms", 1..=7 * 86_400_000)?,
            attempts: s.number("notification.attempts", 1..=100)? as u32,
        };
        Ok(Self {
            smtp_url: s.url("notification.smtp_url", &["smtp", "smtps"])?,
            mail_from,
            sms,
            sms_from: s.text("notification.sms_from").unwrap_or_default(),
            retry,
            send_timeout,
            concurrency: s.number("notification.concurrency", 1..=256)? as usize,
            poll: s.millis("notification.poll_ms", 10..=60_000)?,
            interrupted_after,
            delays: Delays {
                abandoned_cart: s.secs("notification.abandoned_cart_delay_secs", 0..=7 * 86_400)?,
                shipping: s.secs("notification.shipping_window_secs", 0..=86_400)?,
            },
            daily_limit: s.number("notification.daily_limit", 0..=1_000)? as u32,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_cap_within_the_jitter() {
        let retry = Retry {
            first: Duration::from_secs(30),
            max: Duration::from_secs(3600),
            attempts: 12,
        };
        assert_eq!(retry.delay(1, 0.0), Duration::from_secs(30));
        assert_eq!(retry.delay(3, 0.0), Duration::from_secs(120));
        assert_eq!(retry.delay(20, 0.0), Duration::from_secs(3600));
        assert_eq!(retry.delay(1, 1.0), Duration::from_secs(36));
        assert_eq!(retry.delay(1, -5.0), Duration::from_secs(24));
    }
}
