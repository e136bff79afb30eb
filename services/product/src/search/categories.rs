//! The category list held in memory beside the index: every listing by category and every
//! search resolves or names categories, and they change rarely. It is forgotten after this
//! process's category writes and on every category event from another replica; a list read
//! from the database while a forget happened is not kept, since it may predate the change.
use std::sync::{Arc, Mutex};

use crate::domain::category::Category;

#[derive(Default)]
pub struct HeldCategories {
    held: Mutex<Held>,
}

#[derive(Default)]
struct Held {
    /// Counts forgets: a list read before the latest one is not kept.
    forgets: u64,
    list: Option<Arc<[Category]>>,
}

impl HeldCategories {
    /// The held list, or where the forgets stand to pass to [`HeldCategories::keep`] with
    /// the list read from the database now.
    pub fn get(&self) -> Result<Arc<[Category]>, u64> {
        let held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        held.list.clone().ok_or(held.forgets)
    }

    /// Holds `list`, read after [`HeldCategories::get`] answered `forgets`, unless a forget
    /// happened since.
    pub fn keep(&self, forgets: u64, list: Arc<[Category]>) {
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        if held.forgets == forgets {
            held.list = Some(list);
        }
    }

    pub fn forget(&self) {
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        held.forgets += 1;
        held.list = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_read_before_a_forget_is_not_kept() {
        let held = HeldCategories::default();
        let before = held.get().unwrap_err();
        held.forget();
        held.keep(before, Arc::from(Vec::new()));
        let now = held.get().expect_err("the old read was dropped");
        held.keep(now, Arc::from(Vec::new()));
        assert!(held.get().is_ok());
        held.forget();
        assert!(held.get().is_err());
    }
}
