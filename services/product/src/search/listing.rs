//! Plain product lists (no search words) from the in-memory [`Table`]: pages with totals, price
//! ranges and per-category counts, without SQL.
//!
//! A listing's matches in order depend only on the filter, the resolved scope (category
//! subtree) and the sort, so they are kept per such shape for the table's current version
//! ([`Kept`]): a page of a list already asked for is a slice of it. Building a list scans the
//! table once and sorts the matches. The in-stock filter changes with every sale, so it is
//! applied to the kept list of the same shape without it instead of being part of the shape.
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::sync::Arc;

use super::kept::Kept;
use super::table::Table;
use crate::domain::{Filter, Scope, Sort, Status, StockScope};
use vici_proto::paging::Page;

/// Slots kept over all lists: past this the kept lists are dropped (8 MiB of slot numbers).
const MAX_KEPT_SLOTS: usize = 2_000_000;

pub struct Listings(Kept<[u32]>);

impl Default for Listings {
    fn default() -> Self {
        Self(Kept::new(MAX_KEPT_SLOTS))
    }
}

impl Listings {
    /// One page of the slots of the products `filter` admits within `scope` in `sort` order,
    /// and how many there are in all. `None` when the shape's list is not kept for this table
    /// version and `may_build` is false: building it is blocking work, for the blocking pool.
    pub fn page(
        &self,
        table: &Table,
        filter: &Filter,
        scope: &Scope,
        sort: Sort,
        page: Page,
        may_build: bool,
    ) -> Option<(Vec<u32>, usize)> {
        let shape = shape(filter, scope, sort.without_query());
        let all = match self.0.get(table.version(), &shape) {
            Some(list) => list,
            None if may_build => {
                let built = self.0.get_or_build(table.version(), shape, || {
                    let list = build(table, filter, scope, sort);
                    let weight = list.len();
                    Ok::<_, std::convert::Infallible>((list, weight))
                });
                let Ok(list) = built;
                list
            }
            None => return None,
        };
        if matches!(scope.stock, StockScope::Any) {
            return Some((all[page.window(all.len())].to_vec(), all.len()));
        }
        let stocked: Vec<u32> = all
            .iter()
            .copied()
            .filter(|&slot| table.get(slot).is_some_and(|f| scope.stock.admits(&f.id)))
            .collect();
        Some((stocked[page.window(stocked.len())].to_vec(), stocked.len()))
    }
}

/// What decides a list's content and order (stock aside), as a key.
pub(super) fn shape(filter: &Filter, scope: &Scope, sort: Sort) -> String {
    let mut categories: Vec<&str> = scope
        .categories
        .iter()
        .flatten()
        .map(String::as_str)
        .collect();
    categories.sort_unstable();
    let mut key = String::with_capacity(160);
    let _ = write!(
        key,
        "{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{}|{categories:?}",
        sort,
        filter.statuses,
        filter.min_price_cents,
        filter.max_price_cents,
        filter.rating_floor,
        filter.is_featured,
        filter.is_new,
        filter.is_on_sale,
        filter.tags,
        scope.categories.is_some(),
    );
    key
}

/// Scans the table for the shape's matches (stock aside) and sorts them.
fn build(table: &Table, filter: &Filter, scope: &Scope, sort: Sort) -> Arc<[u32]> {
    let unstocked = Scope {
        categories: scope.categories.clone(),
        stock: StockScope::Any,
    };
    let mut slots: Vec<u32> = table
        .iter()
        .enumerate()
        .filter(|(_, f)| filter.admits(&unstocked, f))
        .map(|(slot, _)| slot as u32)
        .collect();
    let sort = sort.without_query();
    let fact = |slot: u32| table.get(slot).expect("slots come from the table");
    slots.sort_unstable_by(|&a, &b| sort.compare((fact(a), 0.0), (fact(b), 0.0)));
    slots.into()
}

/// `(min, max, mean, count)` of the prices of the ACTIVE products within `categories` (any
/// when `None`); zeros when none.
pub fn price_range(table: &Table, categories: Option<&HashSet<String>>) -> (i64, i64, i64, u64) {
    let (mut lo, mut hi, mut sum, mut n) = (i64::MAX, i64::MIN, 0i128, 0u64);
    for f in table.iter().filter(|f| {
        f.status == Status::Active && categories.is_none_or(|c| c.contains(&f.category_id))
    }) {
        lo = lo.min(f.price_cents);
        hi = hi.max(f.price_cents);
        sum += i128::from(f.price_cents);
        n += 1;
    }
    if n == 0 {
        return (0, 0, 0, 0);
    }
    let mean = (sum as f64 / n as f64).round() as i64;
    (lo, hi, mean, n)
}

/// ACTIVE products per category (its own, not its descendants').
pub fn active_counts(table: &Table) -> HashMap<String, u64> {
    let mut counts = vec![0u64; table.category_count()];
    for (slot, f) in table.iter().enumerate() {
        if f.status == Status::Active {
            counts[table.category_of(slot as u32)] += 1;
        }
    }
    counts
        .into_iter()
        .enumerate()
        .filter(|(_, n)| *n > 0)
        .map(|(number, n)| (table.category_id(number).to_string(), n))
        .collect()
}

#[cfg(test)]
mod tests;
