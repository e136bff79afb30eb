//! Paging of list calls: the `PageRequest` every list RPC takes, read into a [`Page`] with the
//! REST contract's default and maximum, and the `PageInfo` its answer carries.
use std::ops::Range;

use crate::common::v1::{PageInfo, PageRequest};

pub const DEFAULT_LIMIT: u32 = 20;
pub const MAX_LIMIT: u32 = 100;

/// A page of a list: `page` counts from 1 (0 means the first), `limit` 0 means
/// [`DEFAULT_LIMIT`] and anything above [`MAX_LIMIT`] is clamped. Clamped rather than refused:
/// the gateway already answered 400 for malformed values, and the contract clamps `limit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    pub page: u32,
    pub limit: u32,
}

impl Page {
    pub fn new(page: u32, limit: u32) -> Self {
        let limit = match limit {
            0 => DEFAULT_LIMIT,
            n => n.min(MAX_LIMIT),
        };
        Self {
            page: page.max(1),
            limit,
        }
    }

    /// The page a request asks for; none asked is the first page of the default size.
    pub fn asked(request: Option<PageRequest>) -> Self {
        let r = request.unwrap_or_default();
        Self::new(r.page, r.limit)
    }

    /// Rows to skip before this page (SQL `OFFSET`).
    pub fn offset(self) -> i64 {
        (i64::from(self.page) - 1) * i64::from(self.limit)
    }

    /// The index range of this page in a list of `total` items.
    pub fn window(self, total: usize) -> Range<usize> {
        let start = usize::try_from(self.offset())
            .unwrap_or(usize::MAX)
            .min(total);
        let end = start.saturating_add(self.limit as usize).min(total);
        start..end
    }

    /// What an answer says of this page, with `total` items in the whole list (a SQL count,
    /// never negative; one that were would read as 0).
    pub fn info(self, total: impl TryInto<u64>) -> Option<PageInfo> {
        Some(PageInfo {
            page: self.page,
            limit: self.limit,
            total: total.try_into().unwrap_or(0),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_default_clamp_and_stay_in_bounds() {
        assert_eq!(Page::new(0, 0), Page { page: 1, limit: 20 });
        assert_eq!(
            Page::new(3, 500),
            Page {
                page: 3,
                limit: 100
            }
        );
        assert_eq!(Page::asked(None), Page::new(1, DEFAULT_LIMIT));
        assert_eq!(Page::new(3, 10).offset(), 20);
        assert_eq!(Page::new(2, 10).window(15), 10..15);
        assert_eq!(Page::new(9, 10).window(15), 15..15);
        assert_eq!(Page::new(u32::MAX, 100).window(3), 3..3);
        assert_eq!(Page::new(2, 5).info(7u64).unwrap().total, 7);
        assert_eq!(Page::new(2, 5).info(-1i64).unwrap().total, 0);
    }
}
