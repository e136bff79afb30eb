//! The in-process broker: Kafka's model (partitioned, retained topics; consumer groups with
//! committed offsets that share partitions) kept in memory, for `vici up` and tests.
//!
//! - A message goes to partition `fnv1a(key) % partitions`, so order holds per key.
//! - A message every group reading its topic has committed is dropped once the partition holds
//!   more than [`KEPT_AFTER_READ`] messages: memory follows the slowest reader, not the traffic,
//!   and a group that joins later still finds the recent past. A group counts as a reader while
//!   it has members subscribed to the topic.
//! - Each partition keeps at most `retained` messages (default [`DEFAULT_RETAINED_PER_PARTITION`]),
//!   read or not; publishing beyond that drops the oldest, and a group whose position fell behind
//!   resumes at the oldest message still held, as Kafka does with `auto.offset.reset=earliest`.
//! - Subscriptions of one group share its partitions: partition `p` of a topic goes to the
//!   `(p mod n)`-th of the `n` members subscribed to that topic, in the order they joined. Any join
//!   or leave re-deals the partitions; a partition that changes hands resumes at the group's
//!   committed offset, so deliveries the previous owner did not commit are delivered again.
//! - Nothing survives the process: committed offsets are as volatile as the messages.
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use anyhow::{Context as _, bail};
use bytes::Bytes;
use tokio::sync::Notify;

use crate::{Bus, Delivery, Subscription, topics::TopicSpec};

/// How many messages a partition keeps before dropping its oldest, read or not.
pub const DEFAULT_RETAINED_PER_PARTITION: usize = 100_000;

/// How many messages every reader has committed a partition keeps for groups that join later.
pub const KEPT_AFTER_READ: usize = 1_000;

/// The partition of `key` in a topic of `partitions` partitions (FNV-1a: stable across runs).
pub fn partition_for(key: &str, partitions: i32) -> i32 {
    let hash = key.bytes().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100000001b3)
    });
    (hash % partitions.max(1) as u64) as i32
}

#[derive(Clone)]
pub struct MemoryBus {
    shared: Arc<Shared>,
}

struct Shared {
    partitions: i32,
    retained: usize,
    state: Mutex<State>,
    /// Woken on every publish and rebalance; one bus-wide signal is cheap at in-process scale and
    /// spares subscriptions from juggling one per topic.
    changed: Notify,
}

#[derive(Default)]
struct State {
    topics: HashMap<String, Vec<Log>>,
    groups: HashMap<String, Group>,
    next_member: u64,
}

/// One partition's retained messages; `first_offset` is the offset of `entries[0]`.
#[derive(Default)]
struct Log {
    first_offset: i64,
    entries: VecDeque<(String, Bytes)>,
}

impl Log {
    fn end_offset(&self) -> i64 {
        self.first_offset + self.entries.len() as i64
    }

    fn append(&mut self, key: &str, payload: Bytes, retained: usize) {
        self.entries.push_back((key.to_owned(), payload));
        while self.entries.len() > retained.max(1) {
            self.entries.pop_front();
            self.first_offset += 1;
        }
    }

    /// Drops messages before `read` (committed by every reader) beyond the last [`KEPT_AFTER_READ`].
    fn drop_read(&mut self, read: i64) {
        while self.first_offset < read && self.entries.len() > KEPT_AFTER_READ {
            self.entries.pop_front();
            self.first_offset += 1;
        }
    }

    fn get(&self, offset: i64) -> Option<&(String, Bytes)> {
        usize::try_from(offset - self.first_offset)
            .ok()
            .and_then(|i| self.entries.get(i))
    }
}

type PartitionKey = (String, i32);

/// Where a member reads one partition; `position` is the next offset it will be given.
#[derive(Clone, Copy)]
struct Cursor {
    member: u64,
    position: i64,
}

#[derive(Default)]
struct Group {
    /// Member id → the topics it subscribed to; ids grow, so the map is in join order.
    members: BTreeMap<u64, Vec<String>>,
    /// The next offset to read, per partition, as committed by the group.
    committed: HashMap<PartitionKey, i64>,
    owners: BTreeMap<PartitionKey, Cursor>,
}

impl Group {
    fn reads(&self, topic: &str) -> bool {
        self.members.values().any(|t| t.iter().any(|t| t == topic))
    }

    /// Deals every partition of the subscribed topics to the current members.
    fn rebalance(&mut self, topics: &HashMap<String, Vec<Log>>) {
        let mut owners = BTreeMap::new();
        for (topic, logs) in topics {
            let readers: Vec<u64> = self
                .members
                .iter()
                .filter(|(_, subscribed)| subscribed.contains(topic))
                .map(|(id, _)| *id)
                .collect();
            if readers.is_empty() {
                continue;
            }
            for p in 0..logs.len() {
                let key = (topic.clone(), p as i32);
                let member = readers[p % readers.len()];
                let position = match self.owners.get(&key) {
                    Some(c) if c.member == member => c.position,
                    _ => self.committed.get(&key).copied().unwrap_or(0),
                };
                owners.insert(key, Cursor { member, position });
            }
        }
        self.owners = owners;
    }
}

impl MemoryBus {
    /// A broker whose topics get `partitions` partitions each, keeping
    /// [`DEFAULT_RETAINED_PER_PARTITION`] messages per partition.
    pub fn new(partitions: i32) -> Self {
        Self::with_retention(partitions, DEFAULT_RETAINED_PER_PARTITION)
    }

    /// A broker keeping at most `retained` messages per partition.
    pub fn with_retention(partitions: i32, retained: usize) -> Self {
        let shared = Shared {
            partitions: partitions.max(1),
            retained: retained.max(1),
            state: Mutex::new(State::default()),
            changed: Notify::new(),
        };
        Self {
            shared: Arc::new(shared),
        }
    }

    /// The offsets `[first, end)` partition `partition` of `topic` holds now, if it exists.
    pub fn retained_range(&self, topic: &str, partition: i32) -> Option<(i64, i64)> {
        let state = self.shared.lock();
        let log = state
            .topics
            .get(topic)?
            .get(usize::try_from(partition).ok()?)?;
        Some((log.first_offset, log.end_offset()))
    }
}

impl Shared {
    // A panic elsewhere while holding the lock leaves the state consistent (every mutation
    // completes before anything can panic), so a poisoned lock is still safe to use.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl State {
    /// The offset below which every group reading `key`'s topic has committed (0 when one has
    /// not committed there yet, or when no group reads it).
    fn read_by_all(&self, key: &PartitionKey) -> i64 {
        let mut readers = self.groups.values().filter(|g| g.reads(&key.0)).peekable();
        if readers.peek().is_none() {
            return 0;
        }
        readers
            .map(|g| g.committed.get(key).copied().unwrap_or(0))
            .min()
            .unwrap_or(0)
    }

    fn create_topic(&mut self, topic: &str, partitions: i32) -> &mut Vec<Log> {
        self.topics
            .entry(topic.to_owned())
            .or_insert_with(|| (0..partitions).map(|_| Log::default()).collect())
    }
}

#[async_trait::async_trait]
impl Bus for MemoryBus {
    async fn publish(&self, topic: &str, key: &str, payload: &[u8]) -> anyhow::Result<()> {
        {
            let mut state = self.shared.lock();
            let logs = state.create_topic(topic, self.shared.partitions);
            let p = partition_for(key, logs.len() as i32) as usize;
            logs[p].append(key, Bytes::copy_from_slice(payload), self.shared.retained);
        }
        self.shared.changed.notify_waiters();
        Ok(())
    }

    async fn subscribe(
        &self,
        group: &str,
        topics: &[&str],
    ) -> anyhow::Result<Box<dyn Subscription>> {
        if topics.is_empty() {
            bail!("group `{group}` must subscribe to at least one topic");
        }
        let member = {
            let mut state = self.shared.lock();
            for topic in topics {
                state.create_topic(topic, self.shared.partitions);
            }
            state.next_member += 1;
            let member = state.next_member;
            let State {
                topics: logs,
                groups,
                ..
            } = &mut *state;
            let g = groups.entry(group.to_owned()).or_default();
            g.members
                .insert(member, topics.iter().map(|t| t.to_string()).collect());
            g.rebalance(logs);
            member
        };
        self.shared.changed.notify_waiters();
        Ok(Box::new(MemorySubscription {
            shared: self.shared.clone(),
            group: group.to_owned(),
            member,
            turn: 0,
        }))
    }

    async fn ensure_topics(&self, topics: &[TopicSpec]) -> anyhow::Result<()> {
        let mut state = self.shared.lock();
        for spec in topics {
            state.create_topic(spec.name, self.shared.partitions);
        }
        Ok(())
    }

    async fn ping(&self) -> anyhow::Result<()> {
        Ok(())
    }
}

/// One member of a group; leaving the group (on drop) hands its partitions to the others.
struct MemorySubscription {
    shared: Arc<Shared>,
    group: String,
    member: u64,
    /// Rotates the partition read first, so one busy partition cannot starve the others.
    turn: usize,
}

impl MemorySubscription {
    fn take(&mut self) -> Option<Delivery> {
        let mut state = self.shared.lock();
        let State { topics, groups, .. } = &mut *state;
        let group = groups.get_mut(&self.group)?;
        let mine: Vec<&PartitionKey> = group
            .owners
            .iter()
            .filter(|(_, c)| c.member == self.member)
            .map(|(k, _)| k)
            .collect();
        let n = mine.len();
        for i in 0..n {
            let key = mine[(self.turn + i) % n];
            let log = &topics[&key.0][key.1 as usize];
            let position = group.owners[key].position.max(log.first_offset);
            if let Some((msg_key, payload)) = log.get(position) {
                let delivery = Delivery {
                    topic: key.0.clone(),
                    partition: key.1,
                    offset: position,
                    key: msg_key.clone(),
                    payload: payload.clone(),
                };
                self.turn = (self.turn + i + 1) % n;
                let key = key.clone();
                group
                    .owners
                    .get_mut(&key)
                    .expect("owned partition")
                    .position = position + 1;
                return Some(delivery);
            }
        }
        None
    }
}

#[async_trait::async_trait]
impl Subscription for MemorySubscription {
    // Cancel-safe: the only await point is the wait, and a message is taken synchronously.
    async fn next(&mut self) -> anyhow::Result<Delivery> {
        let shared = self.shared.clone();
        loop {
            // Registered before looking, so a publish between the look and the wait still wakes us.
            let changed = shared.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if let Some(delivery) = self.take() {
                return Ok(delivery);
            }
            changed.await;
        }
    }

    async fn commit(&mut self, delivery: &Delivery) -> anyhow::Result<()> {
        let mut state = self.shared.lock();
        let group = state
            .groups
            .get_mut(&self.group)
            .context("consumer group vanished")?;
        let key = (delivery.topic.clone(), delivery.partition);
        match group.owners.get(&key) {
            Some(c) if c.member == self.member => {
                group.committed.insert(key.clone(), delivery.offset + 1);
                let read = state.read_by_all(&key);
                if let Some(log) = state
                    .topics
                    .get_mut(&key.0)
                    .and_then(|logs| logs.get_mut(key.1 as usize))
                {
                    log.drop_read(read);
                }
                Ok(())
            }
            _ => bail!(
                "cannot commit {}/{}@{} for group `{}`: the partition was reassigned to another subscription, \
                 which will receive the delivery again",
                delivery.topic,
                delivery.partition,
                delivery.offset,
                self.group
            ),
        }
    }
}

impl Drop for MemorySubscription {
    fn drop(&mut self) {
        {
            let mut state = self.shared.lock();
            let State { topics, groups, .. } = &mut *state;
            if let Some(group) = groups.get_mut(&self.group) {
                group.members.remove(&self.member);
                group.rebalance(topics);
            }
        }
        self.shared.changed.notify_waiters();
    }
}

#[cfg(test)]
mod tests;
