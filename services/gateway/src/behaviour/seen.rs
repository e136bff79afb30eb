//! What was recorded lately, so a product page reloaded or revisited within half an hour is one
//! view (and a checkout page re-rendered one checkout start): per session and thing, the time
//! it was last recorded. Bounded: past [`MOST_ENTRIES`] the expired entries go, then all.
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a view of the same product in the same session counts as the same view.
pub const WINDOW: Duration = Duration::from_secs(30 * 60);
const MOST_ENTRIES: usize = 200_000;

#[derive(Default)]
pub struct Seen {
    last: Mutex<HashMap<String, Instant>>,
}

impl Seen {
    /// Whether `what` of `session` is new at `now` (not recorded in the last [`WINDOW`]); if
    /// so, it is remembered as recorded now.
    pub fn first_time(&self, session: &str, what: &str, now: Instant) -> bool {
        let key = format!("{session}\u{1f}{what}");
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(at) = last.get(&key)
            && now.saturating_duration_since(*at) < WINDOW
        {
            return false;
        }
        if last.len() >= MOST_ENTRIES {
            last.retain(|_, at| now.saturating_duration_since(*at) < WINDOW);
            if last.len() >= MOST_ENTRIES {
                last.clear();
            }
        }
        last.insert(key, now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_view_counts_once_per_session_and_product_per_window() {
        let seen = Seen::default();
        let now = Instant::now();
        assert!(seen.first_time("s1", "p1", now));
        assert!(!seen.first_time("s1", "p1", now + Duration::from_secs(60)));
        assert!(seen.first_time("s1", "p2", now), "another product");
        assert!(seen.first_time("s2", "p1", now), "another session");
        assert!(
            seen.first_time("s1", "p1", now + WINDOW),
            "half an hour later it is a new view"
        );
    }

    #[test]
    fn it_stays_bounded() {
        let seen = Seen::default();
        let now = Instant::now();
        for i in 0..MOST_ENTRIES + 5 {
            seen.first_time("s", &i.to_string(), now);
        }
        assert!(seen.last.lock().unwrap().len() <= MOST_ENTRIES);
    }
}
