//! Whether a consumer group gets anywhere: its committed offsets against what waits on its
//! topics' partitions, read from the broker. A member that has nothing to receive while the
//! group's offsets stand still behind waiting messages is in a group nobody consumes for.
//!
//! The soak found such a group: the process of its only member was killed, and the successor,
//! which joined before the broker noticed, was given an empty assignment that tansu then kept as
//! the group's (a follower syncing after its leader timed out becomes the leader of a formed
//! group with no assignments). Everyone heartbeats happily; no one reads.
use std::time::{Duration, Instant};

use anyhow::Context as _;
use rdkafka::consumer::{Consumer, ConsumerContext};
use rdkafka::{Offset, TopicPartitionList};

/// How long the group may stand still behind waiting messages before the member starts over.
pub(super) const STALL_LIMIT: Duration = Duration::from_secs(30);
/// How long each read of offsets or metadata may take.
const READ_TIMEOUT: Duration = Duration::from_secs(5);

/// The group's position on every partition of its topics.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Position {
    /// `(topic, partition, committed offset or -1)`, in a stable order.
    committed: Vec<(String, i32, i64)>,
    /// Whether any partition holds a message past the group's committed offset.
    behind: bool,
}

/// Reads the group's position on `topics` (blocks its thread: call it off the async workers).
pub(super) fn read<C: ConsumerContext, K: Consumer<C>>(
    consumer: &K,
    topics: &[String],
) -> anyhow::Result<Position> {
    let mut wanted = TopicPartitionList::new();
    for topic in topics {
        let metadata = consumer
            .fetch_metadata(Some(topic), READ_TIMEOUT)
            .with_context(|| format!("reading the partitions of `{topic}`"))?;
        for partition in metadata.topics().iter().flat_map(|t| t.partitions()) {
            wanted.add_partition(topic, partition.id());
        }
    }
    let committed = consumer
        .committed_offsets(wanted, READ_TIMEOUT)
        .context("reading the group's committed offsets")?;
    let mut position = Position {
        committed: Vec::new(),
        behind: false,
    };
    for element in committed.elements() {
        let (low, high) = consumer
            .fetch_watermarks(element.topic(), element.partition(), READ_TIMEOUT)
            .with_context(|| format!("reading the offsets of `{}`", element.topic()))?;
        // Nothing committed yet: the group starts at the earliest message it can read.
        let next = match element.offset() {
            Offset::Offset(n) => n,
            _ => low,
        };
        position.behind |= next < high;
        position.committed.push((
            element.topic().to_owned(),
            element.partition(),
            element.offset().to_raw().unwrap_or(-1),
        ));
    }
    position.committed.sort();
    Ok(position)
}

/// The member's memory of the group's last position, to tell a stall from a quiet time.
#[derive(Default)]
pub(super) struct StallWatch {
    last: Option<(Instant, Position)>,
}

impl StallWatch {
    /// Something was received: the group moves.
    pub(super) fn moved(&mut self) {
        self.last = None;
    }

    /// Whether the group's position is due to be read again.
    pub(super) fn due(&self) -> bool {
        self.last
            .as_ref()
            .is_none_or(|(at, _)| at.elapsed() >= STALL_LIMIT)
    }

    /// Records `now`; true when it is the same position as [`STALL_LIMIT`] ago with messages
    /// waiting.
    pub(super) fn stalled(&mut self, now: Position) -> bool {
        let stalled = now.behind && self.last.as_ref().is_some_and(|(_, then)| *then == now);
        self.last = if stalled {
            None
        } else {
            Some((Instant::now(), now))
        };
        stalled
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(offset: i64, behind: bool) -> Position {
        Position {
            committed: vec![("t".into(), 0, offset)],
            behind,
        }
    }

    #[test]
    fn a_group_standing_still_behind_waiting_messages_is_stalled() {
        let mut watch = StallWatch::default();
        assert!(!watch.stalled(at(3, true)), "one look proves nothing");
        assert!(watch.stalled(at(3, true)));
    }

    #[test]
    fn a_group_that_moved_or_has_nothing_waiting_is_not_stalled() {
        let mut watch = StallWatch::default();
        assert!(!watch.stalled(at(3, true)));
        assert!(!watch.stalled(at(4, true)), "it moved");
        let mut quiet = StallWatch::default();
        assert!(!quiet.stalled(at(3, false)));
        assert!(!quiet.stalled(at(3, false)), "nothing waits");
        let mut delivered = StallWatch::default();
        assert!(!delivered.stalled(at(3, true)));
        delivered.moved();
        assert!(!delivered.stalled(at(3, true)), "a delivery came between");
    }
}
