//! Answers derived from the in-memory table, kept per shape (what decides them, as a key) for
//! one version of the table: every write starts a new version and drops them, so a kept answer
//! is never older than the catalogue. One answer is built at a time, so a burst of identical
//! requests after a write builds it once, and the kept ones are bounded by their total weight.
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

pub struct Kept<V: ?Sized> {
    held: RwLock<Held<V>>,
    /// Held while building, so concurrent requests for one shape build it once.
    building: Mutex<()>,
    /// Past this total weight the kept answers are dropped.
    budget: usize,
}

struct Held<V: ?Sized> {
    version: u64,
    answers: HashMap<String, Arc<V>>,
    weight: usize,
}

impl<V: ?Sized> Kept<V> {
    pub fn new(budget: usize) -> Self {
        Self {
            held: RwLock::new(Held {
                version: 0,
                answers: HashMap::new(),
                weight: 0,
            }),
            building: Mutex::new(()),
            budget,
        }
    }

    /// The answer kept for `shape` at `version`.
    pub fn get(&self, version: u64, shape: &str) -> Option<Arc<V>> {
        let held = self.held.read().unwrap_or_else(|e| e.into_inner());
        (held.version == version)
            .then(|| held.answers.get(shape).cloned())
            .flatten()
    }

    /// The answer for `shape` at `version`, built with `build` (and kept, with its `weight`)
    /// unless whoever built before built it. The caller must hold the table still (its read
    /// lock) while this runs, so `version` is the version `build` reads.
    pub fn get_or_build<E>(
        &self,
        version: u64,
        shape: String,
        build: impl FnOnce() -> Result<(Arc<V>, usize), E>,
    ) -> Result<Arc<V>, E> {
        if let Some(answer) = self.get(version, &shape) {
            return Ok(answer);
        }
        let _building = self.building.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(answer) = self.get(version, &shape) {
            return Ok(answer);
        }
        let (answer, weight) = build()?;
        let mut held = self.held.write().unwrap_or_else(|e| e.into_inner());
        if held.version != version || held.weight + weight > self.budget {
            held.version = version;
            held.answers.clear();
            held.weight = 0;
        }
        held.weight += weight;
        held.answers.insert(shape, answer.clone());
        Ok(answer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_live_for_one_version_within_the_budget() {
        let kept: Kept<str> = Kept::new(10);
        let built = std::cell::Cell::new(0);
        let build = |s: &'static str| {
            built.set(built.get() + 1);
            Ok::<_, ()>((Arc::from(s), s.len()))
        };
        let answer = |version, shape: &str, s| {
            kept.get_or_build(version, shape.into(), || build(s))
                .unwrap()
        };
        assert_eq!(&*answer(1, "a", "alpha"), "alpha");
        assert_eq!(&*answer(1, "a", "other"), "alpha");
        assert_eq!(built.get(), 1, "kept");
        assert!(kept.get(2, "a").is_none(), "a write later, gone");
        assert_eq!(&*answer(2, "a", "beta"), "beta");
        answer(2, "b", "gamma");
        assert!(kept.get(2, "b").is_some());
        assert!(
            kept.get_or_build(2, "x".into(), || Err(())).is_err(),
            "a failed build keeps nothing"
        );
        assert!(kept.get(2, "x").is_none());
        answer(2, "c", "delta");
        assert!(
            kept.get(2, "a").is_none() && kept.get(2, "c").is_some(),
            "over budget: the older ones dropped"
        );
    }
}
