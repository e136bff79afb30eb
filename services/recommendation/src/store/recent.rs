//! A value read from the store and trusted for a while in this process: serving may lag a
//! write by at most that long (a second, as recommendations.md §2 allows for the pointer),
//! and a busy shelf costs one read per second rather than one per answer.
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
}
