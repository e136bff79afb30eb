//! What the shop adds to a tracked event: who (from the verified token only), the session, the
//! browser, the page it came from, the network reduced to a prefix before it leaves the
//! process, the server's time, and whether a known bot sent it.
use std::net::IpAddr;
use std::sync::LazyLock;

use serde_json::{Map, Value};

/// The user-agent patterns of the `isbot` crate (kept up to date by its maintainers, after the
/// npm package of the same name), compiled once.
static BOTS: LazyLock<isbot::Bots> = LazyLock::new(isbot::Bots::default);

/// Longest user agent or referrer kept.
const HEADER_MAX: usize = 512;

/// What the request carried besides the event.
#[derive(Clone, Debug, Default)]
pub struct Context {
    /// From a verified access token; never from the body.
    pub user_id: Option<String>,
    pub user_agent: Option<String>,
    pub referrer: Option<String>,
    pub ip: Option<IpAddr>,
}

/// The address reduced to its network: an IPv4 address to its /24, an IPv6 one to its /48, so
/// the stream never holds an address that names one household.
pub fn ip_prefix(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.0/24")
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => ip_prefix(IpAddr::V4(v4)),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}::/48", s[0], s[1], s[2])
            }
        },
    }
}

/// Whether `user_agent` is a known bot's. No user agent at all is not counted as a bot: the
/// shop's own services record events without one.
pub fn is_bot(user_agent: Option<&str>) -> bool {
    user_agent.is_some_and(|ua| BOTS.is_bot(ua))
}

/// Adds the context's fields to `data` (the checked event's): `userId`, `userAgent`,
/// `referrer`, `ipPrefix`, `isBot`.
pub fn enrich(data: &mut Map<String, Value>, context: &Context) {
    if let Some(user) = &context.user_id {
        data.insert("userId".into(), user.clone().into());
    }
    let cut = |s: &str| s.chars().take(HEADER_MAX).collect::<String>();
    if let Some(ua) = &context.user_agent {
        data.insert("userAgent".into(), cut(ua).into());
    }
    if let Some(referrer) = &context.referrer {
        data.insert("referrer".into(), cut(referrer).into());
    }
    if let Some(ip) = context.ip {
        data.insert("ipPrefix".into(), ip_prefix(ip).into());
    }
    data.insert("isBot".into(), is_bot(context.user_agent.as_deref()).into());
}

/// The Kafka key of an event: the user's id, or `anon:<sessionId>` for an anonymous visitor,
/// so one shopper's events stay in order on one partition.
pub fn key(data: &Map<String, Value>) -> String {
    match data.get("userId").and_then(Value::as_str) {
        Some(user) => user.to_string(),
        None => format!(
            "anon:{}",
            data.get("sessionId").and_then(Value::as_str).unwrap_or("")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_cut_to_their_network() {
        assert_eq!(ip_prefix("203.0.113.77".parse().unwrap()), "203.0.113.0/24");
        assert_eq!(
            ip_prefix("2001:db8:abcd:12:1:2:3:4".parse().unwrap()),
            "2001:db8:abcd::/48"
        );
        assert_eq!(
            ip_prefix("::ffff:198.51.100.9".parse().unwrap()),
            "198.51.100.0/24"
        );
    }

    #[test]
    fn known_bots_are_flagged_and_browsers_are_not() {
        assert!(is_bot(Some(
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
        )));
        assert!(is_bot(Some("curl/8.5.0")));
        assert!(!is_bot(Some(
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
        )));
        assert!(!is_bot(None));
    }

    #[test]
    fn the_user_comes_from_the_context_and_keys_follow_it() {
        let mut data = Map::new();
        data.insert("sessionId".into(), "s-9".into());
        assert_eq!(key(&data), "anon:s-9");
        enrich(
            &mut data,
            &Context {
                user_id: Some("u-1".into()),
                user_agent: Some("x".repeat(2_000)),
                ip: Some("10.1.2.3".parse().unwrap()),
                ..Context::default()
            },
        );
        assert_eq!(key(&data), "u-1");
        assert_eq!(data["ipPrefix"], "10.1.2.0/24");
        assert_eq!(data["userAgent"].as_str().unwrap().len(), HEADER_MAX);
        assert_eq!(data["isBot"], false);
    }
}
