//! Values read from the store and trusted for a while in this process: serving may lag a
//! write by at most that long (a second, as recommendations.md §2 allows for the pointer),
//! and a busy shelf costs one read per second rather than one per answer.
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

pub struct Recent<T> {
    cell: Mutex<Option<(Instant, T)>>,
    trusted_for: Duration,
}

impl<T: Clone> Recent<T> {
    pub fn new(trusted_for: Duration) -> Self {
        Self {
            cell: Mutex::new(None),
            trusted_for,
        }
    }

    /// The value read less than the trusted time ago.
    pub fn get(&self) -> Option<T> {
        match &*self.lock() {
            Some((read_at, value)) if read_at.elapsed() < self.trusted_for => Some(value.clone()),
            _ => None,
        }
    }

    pub fn put(&self, value: T) {
        *self.lock() = Some((Instant::now(), value));
    }

    /// After this process's own write: the next read goes to the store.
    pub fn forget(&self) {
        *self.lock() = None;
    }

    /// Nothing panics under this lock; a poisoned one still holds a usable read.
    fn lock(&self) -> MutexGuard<'_, Option<(Instant, T)>> {
        self.cell.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// [`Recent`] values by key, at most `capacity` of them: when full, the ones no longer
/// trusted go, and if none has aged out, all of them (a burst of distinct keys costs re-reads,
/// never unbounded memory).
pub struct RecentMap<V> {
    cells: Mutex<HashMap<String, (Instant, V)>>,
    trusted_for: Duration,
    capacity: usize,
}

impl<V: Clone> RecentMap<V> {
    pub fn new(trusted_for: Duration, capacity: usize) -> Self {
        Self {
            cells: Mutex::new(HashMap::new()),
            trusted_for,
            capacity,
        }
    }

    pub fn get(&self, key: &str) -> Option<V> {
        match self.lock().get(key) {
            Some((read_at, value)) if read_at.elapsed() < self.trusted_for => Some(value.clone()),
            _ => None,
        }
    }

    pub fn put(&self, key: String, value: V) {
        let mut cells = self.lock();
        if cells.len() >= self.capacity && !cells.contains_key(&key) {
            cells.retain(|_, (read_at, _)| read_at.elapsed() < self.trusted_for);
            if cells.len() >= self.capacity {
                cells.clear();
            }
        }
        cells.insert(key, (Instant::now(), value));
    }

    pub fn forget(&self, key: &str) {
        self.lock().remove(key);
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, (Instant, V)>> {
        self.cells.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_trusted_for_its_time_and_forgotten_on_demand() {
        let recent = Recent::new(Duration::from_secs(60));
        assert_eq!(recent.get(), None);
        recent.put(7);
        assert_eq!(recent.get(), Some(7));
        recent.forget();
        assert_eq!(recent.get(), None);
        let stale = Recent::new(Duration::ZERO);
        stale.put(7);
        assert_eq!(stale.get(), None, "older than it may be");
    }

    #[test]
    fn keyed_values_are_trusted_alike_and_bounded_in_number() {
        let map = RecentMap::new(Duration::from_secs(60), 2);
        map.put("a".into(), 1);
        map.put("b".into(), 2);
        assert_eq!((map.get("a"), map.get("b")), (Some(1), Some(2)));
        map.forget("a");
        assert_eq!(map.get("a"), None);
        map.put("a".into(), 3);
        map.put("c".into(), 4);
        assert_eq!(map.get("c"), Some(4), "a new key always goes in");
        assert!(map.lock().len() <= 2, "never more than its capacity");
        let stale = RecentMap::new(Duration::ZERO, 2);
        stale.put("a".into(), 1);
        assert_eq!(stale.get("a"), None);
    }
}
