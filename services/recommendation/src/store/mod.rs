//! The recommendation store, format v1 (recommendations.md), over the shop's cache engine:
//! Redis in production, the in-process store in `vici up`. Lists are read from the generation
//! `rec:current` names (re-read at most once a second) and replaced whole, each within its cap;
//! the live histories keep their caps and TTLs; the hidden set and new arrivals are vici's own.
pub mod check;
pub mod generations;
pub mod keys;
mod recent;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use vici_cache::SharedCache;

pub use keys::List;
use keys::{
    CURRENT, FORMAT, FORMAT_KEY, HIDDEN, HISTORY_CAP, NEW_ARRIVALS, PUBLISHED, PUBLISHED_KEPT,
    RELEVANCE_CAP, VIEWED_CAP,
};
use recent::{Recent, RecentMap};

/// How long a read of `rec:current` (and of the hidden set, and of a model version) is
/// trusted (§2: at most a second).
const TRUSTED_FOR: Duration = Duration::from_secs(1);
/// Shared lists (a product's, the shop's) serving keeps, each with the length it read:
/// enough for a catalogue's busy products, a few megabytes at most.
const SHARED_LISTS_KEPT: usize = 4_096;
/// Generations × list types whose last write serving keeps (a handful are live at once).
const LIST_TYPES_KEPT: usize = 64;
/// A signed-in user's history outlives a month without activity by nothing (§2).
const USER_HISTORY_FOR: Duration = Duration::from_secs(30 * 24 * 3600);
/// An anonymous session's keys live a day after its last activity.
const SESSION_FOR: Duration = Duration::from_secs(24 * 3600);
/// The generation the built-in pipeline opens in an empty store.
const FIRST_GENERATION: &str = "1";

/// What a store declares of its format.
#[derive(Debug, PartialEq, Eq)]
pub enum Format {
    V1,
    /// Nothing written yet.
    Missing,
    /// Another format or major version: serving does not guess (§1).
    Unknown(String),
}

/// Whose history an interaction goes to.
#[derive(Clone, Copy, Debug)]
pub enum Who<'a> {
    User(&'a str),
    Session(&'a str),
}

/// One interaction of a shopper with a product, as the live keys record it.
#[derive(Clone, Copy, Debug)]
pub struct Touch<'a> {
    pub user: Option<&'a str>,
    pub session: &'a str,
    pub product: &'a str,
    /// Unix ms.
    pub at_ms: i64,
    pub act: Act,
}

/// What a [`Touch`] was, as far as the live keys care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Act {
    View,
    Purchase,
    Other,
}

/// Where serving keeps when `list_type` was last written in `generation`.
fn written_key(generation: &str, list_type: &str) -> String {
    format!("{generation}|{list_type}")
}

/// A list as serving read it: how many members it asked for, and those it got.
type ListRead = (usize, Arc<Vec<(String, f64)>>);

pub struct RecStore {
    cache: SharedCache,
    /// `rec:current`, `rec:hidden` and the current generation's model version, as serving
    /// last read them.
    pointer: Recent<Option<String>>,
    hidden: Recent<Arc<HashSet<String>>>,
    model_version: Recent<(String, Option<String>)>,
    /// Lists the same for every shopper, by key, as serving last read them (a shopper's own
    /// lists are read every time: they are rarely asked twice in a second).
    shared_lists: RecentMap<ListRead>,
    /// A list type written longer ago than this is served as missing (§4); `None`: never.
    max_list_age: Option<Duration>,
    /// When each list type of a generation was last written, by `"{generation}|{type}"`.
    written_at: RecentMap<Option<i64>>,
}

impl RecStore {
    pub fn new(cache: SharedCache) -> Self {
        Self {
            cache,
            pointer: Recent::new(TRUSTED_FOR),
            hidden: Recent::new(TRUSTED_FOR),
            model_version: Recent::new(TRUSTED_FOR),
            shared_lists: RecentMap::new(TRUSTED_FOR, SHARED_LISTS_KEPT),
            max_list_age: None,
            written_at: RecentMap::new(TRUSTED_FOR, LIST_TYPES_KEPT),
        }
    }

    /// Serving that treats a list type not written for `age` as missing (§4).
    pub fn with_max_list_age(mut self, age: Option<Duration>) -> Self {
        self.max_list_age = age;
        self
    }

    pub async fn format(&self) -> anyhow::Result<Format> {
        Ok(match self.cache.get_string(FORMAT_KEY).await? {
            None => Format::Missing,
            Some(v) if v == FORMAT => Format::V1,
            Some(other) => Format::Unknown(other),
        })
    }

    /// Readies the store for the built-in pipeline: the format marker, and a first generation
    /// when none is current. Returns the current generation. A store declaring another format
    /// is left as it is.
    pub async fn prepare(&self) -> anyhow::Result<String> {
        match self.format().await? {
            Format::Unknown(found) => {
                anyhow::bail!(
                    "the recommendation store declares format {found}; vici writes {FORMAT}"
                )
            }
            Format::Missing => self.cache.set_string(FORMAT_KEY, FORMAT, None).await?,
            Format::V1 => {}
        }
        self.cache
            .set_nx(CURRENT, FIRST_GENERATION.as_bytes(), None)
            .await?;
        self.pointer.forget();
        self.current()
            .await?
            .context("rec:current is missing right after it was set")
    }

    /// The generation serving reads.
    pub async fn current(&self) -> anyhow::Result<Option<String>> {
        if let Some(generation) = self.pointer.get() {
            return Ok(generation);
        }
        let generation = self.cache.get_string(CURRENT).await?;
        self.pointer.put(generation.clone());
        Ok(generation)
    }

    /// Points serving at `generation`: publishing a new one, or rolling back to an old one.
    /// The one it replaces goes first in `rec:published`, for a rollback.
    pub async fn publish(&self, generation: &str) -> anyhow::Result<()> {
        let before = self.cache.get_string(CURRENT).await?;
        self.cache.set_string(CURRENT, generation, None).await?;
        self.pointer.forget();
        if let Some(before) = before.filter(|b| b != generation) {
            self.cache
                .move_to_front(PUBLISHED, &before, PUBLISHED_KEPT, None)
                .await?;
        }
        Ok(())
    }

    /// Completes `generation` as an external writer publishes it: its meta `fields`, the
    /// format marker if the store has none, then the pointer (§2: the flip comes last).
    pub async fn publish_generation(
        &self,
        generation: &str,
        fields: &[(&str, &str)],
    ) -> anyhow::Result<()> {
        if !fields.is_empty() {
            self.cache.hset(&keys::meta(generation), fields).await?;
        }
        if self.format().await? == Format::Missing {
            self.cache.set_string(FORMAT_KEY, FORMAT, None).await?;
        }
        self.publish(generation).await
    }

    /// The best `n` members of `list` in the current generation, best first: none when no
    /// generation is current or the list is missing.
    pub async fn top(&self, list: List<'_>, n: usize) -> anyhow::Result<Vec<(String, f64)>> {
        let Some(generation) = self.current().await? else {
            return Ok(Vec::new());
        };
        if self.aged_out(&generation, &list).await? {
            return Ok(Vec::new());
        }
        let key = list.key(&generation);
        if list.is_personal() {
            return self.best(&key, n).await;
        }
        if let Some((read, members)) = self.shared_lists.get(&key)
            && (n <= read || members.len() < read)
        {
            return Ok(members.iter().take(n).cloned().collect());
        }
        let members = self.best(&key, n).await?;
        self.shared_lists.put(key, (n, Arc::new(members.clone())));
        Ok(members)
    }

    /// Whether `list`'s type was last written in `generation` longer ago than the maximum age;
    /// a type the meta gives no time for is not judged.
    async fn aged_out(&self, generation: &str, list: &List<'_>) -> anyhow::Result<bool> {
        let Some(max_age) = self.max_list_age else {
            return Ok(false);
        };
        let list_type = list.list_type();
        let which = written_key(generation, list_type);
        let written = match self.written_at.get(&which) {
            Some(written) => written,
            None => {
                let written = self.updated_at(generation, list_type).await?;
                self.written_at.put(which, written);
                written
            }
        };
        let oldest_ms = chrono::Utc::now().timestamp_millis() - max_age.as_millis() as i64;
        Ok(written.is_some_and(|at| at < oldest_ms))
    }

    /// The `n` highest-scored members of the sorted set at `key`, highest first.
    async fn best(&self, key: &str, n: usize) -> anyhow::Result<Vec<(String, f64)>> {
        if n == 0 {
            return Ok(Vec::new()); // A stop of -1 would mean "to the end".
        }
        let stop = isize::try_from(n).unwrap_or(isize::MAX) - 1;
        self.cache.zrevrange_with_scores(key, 0, stop).await
    }

    /// Replaces `list` of `generation` with the best [`RELEVANCE_CAP`] of `members` at once,
    /// and stamps the list type's `updated_at` in the generation's meta.
    pub async fn replace(
        &self,
        generation: &str,
        list: List<'_>,
        members: &[(&str, f64)],
        now_ms: i64,
    ) -> anyhow::Result<()> {
        let mut best = members.to_vec();
        best.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| b.0.cmp(a.0)));
        best.truncate(RELEVANCE_CAP);
        let key = list.key(generation);
        self.cache.zreplace(&key, &best).await?;
        self.shared_lists.forget(&key);
        self.written_at
            .forget(&written_key(generation, list.list_type()));
        let field = format!("updated_at.{}", list.list_type());
        self.cache
            .hset(&keys::meta(generation), &[(&field, &now_ms.to_string())])
            .await?;
        Ok(())
    }

    /// Names the model writing `generation` in its meta, unless another writer named one.
    pub async fn declare_model(
        &self,
        generation: &str,
        model: &str,
        version: &str,
    ) -> anyhow::Result<()> {
        let meta = keys::meta(generation);
        if self.cache.hget(&meta, "model").await?.is_none() {
            let fields = [("model", model), ("model_version", version)];
            self.cache.hset(&meta, &fields).await?;
        }
        Ok(())
    }

    /// The model version `generation`'s meta declares, as serving last read it.
    pub async fn model_version(&self, generation: &str) -> anyhow::Result<Option<String>> {
        if let Some((read_for, version)) = self.model_version.get()
            && read_for == generation
        {
            return Ok(version);
        }
        let version = self
            .cache
            .hget(&keys::meta(generation), "model_version")
            .await?;
        self.model_version
            .put((generation.to_string(), version.clone()));
        Ok(version)
    }

    /// When `list_type`'s lists of `generation` were last written (unix ms), per its meta.
    pub async fn updated_at(
        &self,
        generation: &str,
        list_type: &str,
    ) -> anyhow::Result<Option<i64>> {
        let field = format!("updated_at.{list_type}");
        let stamp = self.cache.hget(&keys::meta(generation), &field).await?;
        Ok(stamp.and_then(|s| s.parse().ok()))
    }

    /// Records `touch` in its shopper's history (the user's when signed in, else the
    /// session's; its newest [`HISTORY_CAP`] kept, its lifetime renewed). A view also goes first
    /// in the session's recently viewed, a purchase into the user's bought products.
    pub async fn remember(&self, touch: &Touch<'_>) -> anyhow::Result<()> {
        let (history, lifetime) = match touch.user {
            Some(user) => (keys::user_history(user), USER_HISTORY_FOR),
            None => (keys::session_history(touch.session), SESSION_FOR),
        };
        let member = [(touch.product, touch.at_ms as f64)];
        // One atomic step per key: a busy pipeline's cost on Redis is its round trips.
        self.cache
            .zadd_keep_top(&history, &member, HISTORY_CAP, Some(lifetime))
            .await?;
        match (touch.act, touch.user) {
            (Act::View, _) => {
                let list = keys::session_viewed(touch.session);
                self.cache
                    .move_to_front(&list, touch.product, VIEWED_CAP, Some(SESSION_FOR))
                    .await?;
            }
            (Act::Purchase, Some(user)) => {
                let bought = keys::user_bought(user);
                self.cache
                    .zadd_keep_top(&bought, &member, HISTORY_CAP, Some(USER_HISTORY_FOR))
                    .await?;
            }
            _ => {}
        }
        Ok(())
    }

    /// Adds an anonymous `session`'s history to `user`'s (a sign-in or a registration), each
    /// product at its own time, the user's newest [`HISTORY_CAP`] kept.
    pub async fn merge_history(&self, session: &str, user: &str) -> anyhow::Result<()> {
        let theirs = self.history(Who::Session(session), HISTORY_CAP).await?;
        if theirs.is_empty() {
            return Ok(());
        }
        let members: Vec<(&str, f64)> = theirs.iter().map(|(p, at)| (p.as_str(), *at)).collect();
        let mine = keys::user_history(user);
        self.cache
            .zadd_keep_top(&mine, &members, HISTORY_CAP, Some(USER_HISTORY_FOR))
            .await?;
        Ok(())
    }

    /// What `user` bought lately (the newest [`HISTORY_CAP`]).
    pub async fn bought(&self, user: &str) -> anyhow::Result<Vec<String>> {
        let bought = self.best(&keys::user_bought(user), HISTORY_CAP).await?;
        Ok(bought.into_iter().map(|(product, _)| product).collect())
    }

    /// The newest `n` products of `who`'s history with their times (unix ms), newest first.
    pub async fn history(&self, who: Who<'_>, n: usize) -> anyhow::Result<Vec<(String, f64)>> {
        let key = match who {
            Who::User(user) => keys::user_history(user),
            Who::Session(session) => keys::session_history(session),
        };
        self.best(&key, n).await
    }

    /// A session's recently viewed products, newest first.
    pub async fn recently_viewed(&self, session: &str) -> anyhow::Result<Vec<String>> {
        self.cache
            .lrange(&keys::session_viewed(session), 0, -1)
            .await
    }

    /// Marks `product` never to be served (deleted, inactive, sold out), or servable again.
    pub async fn set_hidden(&self, product: &str, hidden: bool) -> anyhow::Result<()> {
        if hidden {
            self.cache.sadd(HIDDEN, &[product]).await?;
        } else {
            self.cache.srem(HIDDEN, &[product]).await?;
        }
        self.hidden.forget();
        Ok(())
    }

    /// The hidden products, as serving last read them (another process's change shows within
    /// a second).
    pub async fn hidden(&self) -> anyhow::Result<Arc<HashSet<String>>> {
        if let Some(hidden) = self.hidden.get() {
            return Ok(hidden);
        }
        let read: HashSet<String> = self.cache.smembers(HIDDEN).await?.into_iter().collect();
        let hidden = Arc::new(read);
        self.hidden.put(hidden.clone());
        Ok(hidden)
    }

    /// Adds a product created at `created_s` (unix s) to the new arrivals, newest
    /// [`RELEVANCE_CAP`] kept.
    pub async fn arrived(&self, product: &str, created_s: i64) -> anyhow::Result<()> {
        self.cache
            .zadd_keep_top(
                NEW_ARRIVALS,
                &[(product, created_s as f64)],
                RELEVANCE_CAP,
                None,
            )
            .await?;
        Ok(())
    }

    /// The newest `n` arrivals, newest first.
    pub async fn new_arrivals(&self, n: usize) -> anyhow::Result<Vec<String>> {
        let arrivals = self.best(NEW_ARRIVALS, n).await?;
        Ok(arrivals.into_iter().map(|(product, _)| product).collect())
    }
}
