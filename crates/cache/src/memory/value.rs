//! The values the in-process cache stores, and the Redis rules for reading an inclusive range
//! and ordering a sorted set, so the memory adapter answers exactly as Redis would.

use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::ops::RangeInclusive;

pub(super) enum Value {
    Str(Vec<u8>),
    ZSet(ZSet),
    List(VecDeque<String>),
    Hash(HashMap<String, String>),
    Set(HashSet<String>),
}

impl Value {
    /// The type name Redis's `TYPE` would report, for wrong-type errors.
    pub(super) fn kind(&self) -> &'static str {
        match self {
            Value::Str(_) => "string",
            Value::ZSet(_) => "zset",
            Value::List(_) => "list",
            Value::Hash(_) => "hash",
            Value::Set(_) => "set",
        }
    }
}

/// A collection type: created empty on first write and dropped once empty, as in Redis.
pub(super) trait Collection: Default + Into<Value> {
    const KIND: &'static str;
    fn of(value: &mut Value) -> Option<&mut Self>;
    fn is_empty(&self) -> bool;
}

macro_rules! collection {
    ($ty:ty, $variant:ident, $kind:literal) => {
        impl From<$ty> for Value {
            fn from(c: $ty) -> Value {
                Value::$variant(c)
            }
        }
        impl Collection for $ty {
            const KIND: &'static str = $kind;
            fn of(value: &mut Value) -> Option<&mut Self> {
                match value {
                    Value::$variant(c) => Some(c),
                    _ => None,
                }
            }
            fn is_empty(&self) -> bool {
                <$ty>::is_empty(self)
            }
        }
    };
}

collection!(ZSet, ZSet, "zset");
collection!(VecDeque<String>, List, "list");
collection!(HashMap<String, String>, Hash, "hash");
collection!(HashSet<String>, Set, "set");

/// Redis's reading of the inclusive range `start..=stop` over `len` items, where negative
/// indexes count from the end and out-of-range bounds are clamped; `None` when it is empty.
pub(super) fn range(start: isize, stop: isize, len: usize) -> Option<RangeInclusive<usize>> {
    let len = len as isize;
    let start = if start < 0 {
        (len + start).max(0)
    } else {
        start
    };
    let stop = if stop < 0 {
        len + stop
    } else {
        stop.min(len - 1)
    };
    (start <= stop && start < len).then_some(start as usize..=stop as usize)
}

/// An f64 with a total order. NaN never gets in (scores are checked on the way in).
#[derive(Clone, Copy, Debug)]
struct Score(f64);

impl PartialEq for Score {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Score {}
impl PartialOrd for Score {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Score {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// A sorted set: ordered by (score, member) like Redis, with a member index for O(log n)
/// updates. Ranks are found by walking the order, which is fine at recommendation-list sizes.
#[derive(Default)]
pub(super) struct ZSet {
    scores: HashMap<String, f64>,
    order: BTreeSet<(Score, String)>,
}

impl ZSet {
    pub(super) fn len(&self) -> usize {
        self.scores.len()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.scores.is_empty()
    }

    pub(super) fn score(&self, member: &str) -> Option<f64> {
        self.scores.get(member).copied()
    }

    /// Sets a member's score; `true` when the member is new.
    pub(super) fn insert(&mut self, member: &str, score: f64) -> bool {
        // Redis compares scores as doubles, where -0 == 0; total_cmp would split them, so
        // normalise (-0.0 + 0.0 == +0.0) to keep ties ordered by member as Redis does.
        let score = score + 0.0;
        let old = self.scores.insert(member.to_string(), score);
        if let Some(old) = old {
            self.order.remove(&(Score(old), member.to_string()));
        }
        self.order.insert((Score(score), member.to_string()));
        old.is_none()
    }

    pub(super) fn remove(&mut self, member: &str) -> bool {
        match self.scores.remove(member) {
            Some(old) => self.order.remove(&(Score(old), member.to_string())),
            None => false,
        }
    }

    /// Members by descending (score, member), ranks `start..=stop`.
    pub(super) fn rev_range(&self, start: isize, stop: isize) -> Vec<(String, f64)> {
        let Some(r) = range(start, stop, self.len()) else {
            return Vec::new();
        };
        let ranks = self
            .order
            .iter()
            .rev()
            .skip(*r.start())
            .take(r.end() - r.start() + 1);
        ranks.map(|(s, m)| (m.clone(), s.0)).collect()
    }

    /// Removes ascending ranks `start..=stop`; returns how many went.
    pub(super) fn remove_ranks(&mut self, start: isize, stop: isize) -> usize {
        let Some(r) = range(start, stop, self.len()) else {
            return 0;
        };
        let doomed: Vec<String> = self
            .order
            .iter()
            .skip(*r.start())
            .take(r.end() - r.start() + 1)
            .map(|(_, m)| m.clone())
            .collect();
        doomed.iter().filter(|m| self.remove(m)).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_follows_redis() {
        assert_eq!(range(0, -1, 5), Some(0..=4));
        assert_eq!(range(-2, -1, 5), Some(3..=4));
        assert_eq!(range(-100, 100, 5), Some(0..=4));
        assert_eq!(range(3, 1, 5), None);
        assert_eq!(range(5, 10, 5), None);
        assert_eq!(range(0, -6, 5), None);
        assert_eq!(range(0, -1, 0), None);
    }

    #[test]
    fn zset_orders_ties_by_member_and_zero_signs_alike() {
        let mut z = ZSet::default();
        z.insert("b", 0.0);
        z.insert("a", -0.0);
        z.insert("c", 1.0);
        let members: Vec<String> = z.rev_range(0, -1).into_iter().map(|(m, _)| m).collect();
        assert_eq!(members, ["c", "b", "a"]);
        assert!(!z.insert("a", 2.0));
        assert_eq!(z.rev_range(0, 0), vec![("a".to_string(), 2.0)]);
        assert_eq!(z.remove_ranks(0, 0), 1);
        assert_eq!(z.score("b"), None);
        assert_eq!(z.len(), 2);
    }
}
