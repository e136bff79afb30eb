//! Each shopper's event budget: a token bucket per key (the user, else `anon:<session>`), so one
//! runaway session (a looping script, a stuck client) cannot lag the partition its key lands on
//! or skew what counts as popular. Events past the budget are still recorded, flagged.
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// Keys remembered at most; past it all are forgotten (each starts again with a full burst),
/// which costs no scan on the path of an event.
const MOST_KEYS: usize = 100_000;

pub struct Budget {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Bucket {
    fn refill(&mut self, now: Instant, per_second: f64, burst: f64) {
        let earned = now.saturating_duration_since(self.at).as_secs_f64() * per_second;
        self.tokens = (self.tokens + earned).min(burst);
        self.at = now;
    }
}

impl Budget {
    pub fn new(per_second: u32, burst: u32) -> Self {
        Self {
            per_second: f64::from(per_second),
            burst: f64::from(burst),
            buckets: Mutex::default(),
        }
    }

    /// Whether one more event of `key` at `now` is within its budget (and spends it if so).
    pub fn allows(&self, key: &str, now: Instant) -> bool {
        let (per_second, burst) = (self.per_second, self.burst);
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MOST_KEYS && !buckets.contains_key(key) {
            buckets.clear();
        }
        let bucket = buckets.entry(key.to_string()).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        bucket.refill(now, per_second, burst);
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_burst_is_allowed_then_the_rate_refills_it() {
        let budget = Budget::new(20, 100);
        let start = Instant::now();
        let allowed = (0..150).filter(|_| budget.allows("anon:s1", start)).count();
        assert_eq!(
            allowed, 100,
            "the burst, then nothing more at the same instant"
        );
        // Half a second earns ten events at 20 per second.
        let later = start + Duration::from_millis(500);
        let refilled = (0..50).filter(|_| budget.allows("anon:s1", later)).count();
        assert_eq!(refilled, 10);
    }

    #[test]
    fn each_key_has_its_own_budget() {
        let budget = Budget::new(1, 2);
        let now = Instant::now();
        assert!(budget.allows("u1", now) && budget.allows("u1", now));
        assert!(!budget.allows("u1", now));
        assert!(budget.allows("u2", now), "another shopper is not held back");
    }

    #[test]
    fn the_remembered_keys_stay_bounded() {
        let budget = Budget::new(1, 1);
        let now = Instant::now();
        for i in 0..MOST_KEYS + 10 {
            budget.allows(&format!("k{i}"), now);
        }
        assert!(budget.buckets.lock().unwrap().len() <= MOST_KEYS);
    }
}
