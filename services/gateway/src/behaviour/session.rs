//! Which session an event the shop served belongs to: the client's `X-Session-Id`, else the
//! sign-in's session, else, for an anonymous visitor whose client sends no session (the
//! storefront does not), one derived from the visitor's network and browser. The derived id is
//! a salted hash (the salt is this process's, so it names nobody outside it) that changes each
//! day, as privacy-minded analytics do (Plausible, Fathom): no cookie, no stored identifier.
use sha2::{Digest, Sha256};

use super::RequestContext;

pub struct Sessions {
    salt: [u8; 16],
}

impl Sessions {
    pub fn new() -> Self {
        Self {
            salt: *uuid::Uuid::new_v4().as_bytes(),
        }
    }

    /// The session of the request behind `context`, on `day` (days since the epoch) when
    /// derived.
    pub fn of(&self, context: &RequestContext, day: i64) -> String {
        if let Some(header) = &context.session_header {
            return header.clone();
        }
        if let Some(identity) = context.caller.identity() {
            return identity.session_id.clone();
        }
        let mut hash = Sha256::new();
        hash.update(self.salt);
        hash.update(day.to_be_bytes());
        hash.update(context.ip.map(|ip| ip.to_string()).unwrap_or_default());
        hash.update([0]);
        hash.update(context.user_agent.as_deref().unwrap_or_default());
        let digest = hash.finalize();
        let hex: String = digest[..10].iter().map(|b| format!("{b:02x}")).collect();
        format!("visit-{hex}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::Caller;

    fn visitor(ip: &str, agent: &str, header: Option<&str>) -> RequestContext {
        RequestContext {
            caller: Caller::Anonymous,
            ip: Some(ip.parse().unwrap()),
            session_header: header.map(str::to_string),
            user_agent: Some(agent.into()),
            referrer: None,
            request_id: None,
        }
    }

    #[test]
    fn the_header_wins_else_a_visit_is_derived_per_day_browser_and_network() {
        let sessions = Sessions::new();
        let a = visitor("10.1.2.3", "Firefox", None);
        assert_eq!(
            sessions.of(&visitor("10.1.2.3", "Firefox", Some("s-1")), 1),
            "s-1"
        );
        let first = sessions.of(&a, 1);
        assert!(first.starts_with("visit-"), "{first}");
        assert_eq!(first, sessions.of(&a, 1), "stable within the day");
        assert_ne!(first, sessions.of(&a, 2), "a new one the next day");
        assert_ne!(first, sessions.of(&visitor("10.1.2.4", "Firefox", None), 1));
        assert_ne!(first, sessions.of(&visitor("10.1.2.3", "Chrome", None), 1));
        assert_ne!(
            first,
            Sessions::new().of(&a, 1),
            "another process's salt names other visits"
        );
    }
}
