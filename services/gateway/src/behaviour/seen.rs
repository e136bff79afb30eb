//! What was recorded lately, so a product page reloaded or revisited within half an hour is one
//! view (and a checkout page re-rendered one checkout start). Two generations of keys with the
//! time each was recorded, the older dropped whole when the newer is half an hour old or full:
//! no scan on the request path, memory bounded by [`MOST_PER_GENERATION`], and a key is
//! remembered for its half hour (less only when a generation fills first).
use std::collections::HashMap;
use std::mem;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a view of the same product in the same session counts as the same view.
pub const WINDOW: Duration = Duration::from_secs(30 * 60);
const MOST_PER_GENERATION: usize = 200_000;

pub struct Seen {
    generations: Mutex<Generations>,
}

struct Generations {
    current: HashMap<String, Instant>,
    previous: HashMap<String, Instant>,
    started: Instant,
}

impl Default for Seen {
    fn default() -> Self {
        Self {
            generations: Mutex::new(Generations {
                current: HashMap::new(),
                previous: HashMap::new(),
                started: Instant::now(),
            }),
        }
    }
}

impl Seen {
    /// Whether `what` of `session` is new at `now` (not recorded lately); if so, it is
    /// remembered as recorded.
    pub fn first_time(&self, session: &str, what: &str, now: Instant) -> bool {
        let key = format!("{session}\u{1f}{what}");
        let mut g = self.generations.lock().unwrap_or_else(|e| e.into_inner());
        if now.saturating_duration_since(g.started) >= WINDOW
            || g.current.len() >= MOST_PER_GENERATION
        {
            g.previous = mem::take(&mut g.current);
            g.started = now;
        }
        let recent =
            |at: Option<&Instant>| at.is_some_and(|at| now.saturating_duration_since(*at) < WINDOW);
        if recent(g.current.get(&key)) || recent(g.previous.get(&key)) {
            return false;
        }
        g.current.insert(key, now);
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
        let at = |tenths: u32| now + WINDOW * tenths / 10;
        assert!(seen.first_time("s1", "p1", now));
        assert!(!seen.first_time("s1", "p1", at(1)), "a reload");
        assert!(seen.first_time("s1", "p2", now), "another product");
        assert!(seen.first_time("s2", "p1", now), "another session");
        assert!(seen.first_time("s1", "p3", at(9)));
        assert!(
            seen.first_time("s1", "p4", at(11)),
            "a new generation begins"
        );
        assert!(
            !seen.first_time("s1", "p3", at(15)),
            "remembered across the generations for its half hour"
        );
        assert!(
            seen.first_time("s1", "p1", at(15)),
            "half an hour later it is a new view"
        );
    }

    #[test]
    fn it_stays_bounded() {
        let seen = Seen::default();
        let now = Instant::now();
        for i in 0..MOST_PER_GENERATION * 2 + 5 {
            seen.first_time("s", &i.to_string(), now);
        }
        let g = seen.generations.lock().unwrap();
        assert!(g.current.len() + g.previous.len() <= MOST_PER_GENERATION * 2);
    }
}
