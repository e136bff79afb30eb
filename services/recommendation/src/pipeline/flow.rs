//! The pipeline between the event stream and the store: each signal is learnt by the model and
//! recorded in its shopper's live history at once; the lists the model changed are written by
//! [`Pipeline::flush`], which the consumer calls every few hundred milliseconds, so a burst of
//! events costs one write per changed list rather than one per event.
use std::collections::{HashMap, HashSet, VecDeque};

use futures::{StreamExt as _, TryStreamExt as _};

use super::content::{Content, blend};
use super::model::{Changes, Model};
use super::signal::{Kind, Signal};
use super::taste::Focus;
use crate::journal::{Fact, Journal};
use crate::store::keys::RELEVANCE_CAP;
use crate::store::{Act, Format, List, RecStore, Touch};

/// How the built-in model names itself in a generation's meta; the version changes with
/// what its lists mean, so click-through can be compared across versions.
pub const MODEL: &str = "vici-builtin";
pub const MODEL_VERSION: &str = "builtin-1";
/// Sessions whose touches are written at once.
const SESSIONS_AT_ONCE: usize = 64;

pub struct Pipeline {
    model: Model,
    /// What products are, for the similar lists of products behaviour says little about.
    content: Content,
    /// Products described since the last flush: their similar lists are due.
    described: HashSet<String>,
    store: RecStore,
    /// The store held nothing when the pipeline started (an in-process store after a
    /// restart): the rebuild gives it back its live keys too.
    fresh_store: bool,
    /// Whether it learns and writes the lists; with an external pipeline it keeps only
    /// vici's own keys (histories, hidden products, arrivals).
    writes_lists: bool,
    /// How the model reads a shopper's history for their personalised list.
    focus: Focus,
    sweep: Sweep,
}

/// The personalised lists of shoppers who did nothing new, computed again as the model learns
/// from others: a pass over every user starts when similar items changed since the last one,
/// so a shopper who stayed away still gets what the shop has learnt since.
#[derive(Default)]
struct Sweep {
    due: VecDeque<String>,
    items_changed: bool,
}

impl Pipeline {
    /// A pipeline writing to `store`; one that writes the lists readies the store for the
    /// format first (an external pipeline's store is its owner's to ready).
    pub async fn start(store: RecStore, writes_lists: bool) -> anyhow::Result<Self> {
        let fresh_store = store.format().await? == Format::Missing;
        if writes_lists {
            let generation = store.prepare().await?;
            store
                .declare_model(&generation, MODEL, MODEL_VERSION)
                .await?;
        }
        Ok(Self {
            model: Model::default(),
            content: Content::default(),
            described: HashSet::new(),
            store,
            fresh_store,
            writes_lists,
            focus: Focus::default(),
            sweep: Sweep::default(),
        })
    }

    /// The pipeline reading histories by `focus` for personalised lists.
    pub fn focused(mut self, focus: Focus) -> Self {
        self.focus = focus;
        self.model = Model::new(focus);
        self
    }

    /// Forgets what it learnt and learns again every signal since `since_ms` the journal kept
    /// and what each product is, and writes the lists (a product that arrived since then gets
    /// its similar list again); into a fresh store also the live histories and hidden
    /// products. The newest arrivals are written again on any store. How many signals it
    /// learnt.
    pub async fn rebuild(
        &mut self,
        journal: &Journal,
        since_ms: i64,
        now_ms: i64,
    ) -> anyhow::Result<u64> {
        self.model = Model::new(self.focus);
        self.content = Content::default();
        let products = journal.products().await?;
        for facts in &products {
            if let Some((category, words)) = &facts.described {
                self.content.describe(&facts.product, category, words);
                let recent = facts.arrived_s.is_some_and(|s| s * 1000 > since_ms);
                if recent && !facts.hidden {
                    self.described.insert(facts.product.clone());
                }
            }
        }
        let mut touches = Vec::new();
        let (fresh, learns) = (self.fresh_store, self.writes_lists);
        let model = &mut self.model;
        // Signals of sessions that signed in were moved to their users in the journal.
        let learnt = journal
            .replay(since_ms, |signal| {
                if learns {
                    model.learn(&signal);
                }
                if fresh && signal.weight > 0.0 {
                    touches.push(signal);
                }
            })
            .await?;
        for signal in &touches {
            self.store.remember(&touch(signal)).await?;
        }
        if fresh {
            for facts in &products {
                self.store.set_hidden(&facts.product, facts.hidden).await?;
            }
        }
        // The newest arrivals the journal knows (the seeded catalogue's too), on any store.
        let mut arrivals: Vec<(&str, i64)> = products
            .iter()
            .filter_map(|f| Some((f.product.as_str(), f.arrived_s?)))
            .collect();
        arrivals.sort_by_key(|(_, at_s)| std::cmp::Reverse(*at_s));
        for (product, at_s) in arrivals.into_iter().take(RELEVANCE_CAP) {
            self.store.arrived(product, at_s).await?;
        }
        self.flush(now_ms).await?;
        Ok(learnt)
    }

    /// Makes the anonymous `session`'s history `user`'s, in the model and in the live keys.
    pub async fn identify(&mut self, session: &str, user: &str) -> anyhow::Result<()> {
        self.model.identify(session, user);
        self.store.merge_history(session, user).await
    }

    /// Applies what is now known of `product`: `hidden` is what the journal concluded. A
    /// product described gets its similar list at the next flush.
    pub async fn note(&mut self, product: &str, fact: &Fact, hidden: bool) -> anyhow::Result<()> {
        match fact {
            Fact::Arrived { at_s } => self.store.arrived(product, *at_s).await?,
            Fact::Described { category, words } => {
                self.content.describe(product, category, words);
                self.described.insert(product.to_string());
            }
            Fact::Inactive(_) | Fact::SoldOut(_) => {}
        }
        self.store.set_hidden(product, hidden).await
    }

    pub fn store(&self) -> &RecStore {
        &self.store
    }

    /// Learns from `signal` and records it in its shopper's history (see [`Pipeline::take_all`]).
    pub async fn take(&mut self, signal: &Signal) -> anyhow::Result<()> {
        self.take_all([signal]).await
    }

    /// Learns from `signals` in order and records each in its shopper's history (views also in
    /// the session's recently viewed, purchases in the user's bought); a cart removal changes
    /// no history. A session's touches are written in their order, different sessions' at once:
    /// on Redis a burst costs a few round trips' wait, not one per command (10 000 views/s
    /// would need 60 000 in a row). What else two sessions share (a user's history and bought
    /// products) takes each product at its time, in whatever order.
    pub async fn take_all(
        &mut self,
        signals: impl IntoIterator<Item = &Signal>,
    ) -> anyhow::Result<()> {
        let mut by_session: HashMap<&str, Vec<Touch<'_>>> = HashMap::new();
        for signal in signals {
            if self.writes_lists {
                self.model.learn(signal);
            }
            if signal.weight > 0.0 {
                by_session
                    .entry(signal.session.as_str())
                    .or_default()
                    .push(touch(signal));
            }
        }
        // Made before they are streamed: futures built inside the stream's closure would not
        // be `Send` for every lifetime the consumer's task needs.
        let sessions: Vec<_> = by_session
            .into_values()
            .map(|touches| remember_in_order(&self.store, touches))
            .collect();
        futures::stream::iter(sessions)
            .buffer_unordered(SESSIONS_AT_ONCE)
            .try_collect()
            .await
    }

    /// Writes every list the model changed since the last flush, to the generation current
    /// now (an ML team's publication or a rollback moves it); how many it wrote. On a failure
    /// the changes are kept for the next flush.
    pub async fn flush(&mut self, now_ms: i64) -> anyhow::Result<usize> {
        let mut changes = self.model.take_changes();
        changes.items.extend(self.described.drain());
        if !self.writes_lists {
            return Ok(0);
        }
        let written = self.write(&changes, now_ms).await;
        if written.is_err() {
            self.model.keep_changes(changes);
        } else if !changes.items.is_empty() {
            self.sweep.items_changed = true;
        }
        written
    }

    /// Writes the personalised lists of up to `most` users of the current sweep (starting one
    /// when similar items changed since the last); whether a sweep ended.
    pub async fn refresh(&mut self, most: usize, now_ms: i64) -> anyhow::Result<bool> {
        if !self.writes_lists {
            return Ok(false);
        }
        if self.sweep.due.is_empty() {
            if !std::mem::take(&mut self.sweep.items_changed) {
                return Ok(false);
            }
            self.sweep.due = self.model.users().map(str::to_string).collect();
        }
        let take = most.min(self.sweep.due.len());
        let changes = Changes {
            shoppers: self.sweep.due.drain(..take).collect(),
            ..Changes::default()
        };
        self.write(&changes, now_ms).await?;
        Ok(self.sweep.due.is_empty())
    }

    /// Forgets idle shoppers' histories (see `Model::forget_idle`); how many.
    pub fn forget_idle(&mut self, now_ms: i64, memory_ms: i64) -> usize {
        self.model.forget_idle(now_ms, memory_ms)
    }

    /// Whether a sweep is under way or owed.
    pub fn sweep_pending(&self) -> bool {
        !self.sweep.due.is_empty() || self.sweep.items_changed
    }

    async fn write(&self, changes: &Changes, now_ms: i64) -> anyhow::Result<usize> {
        let generation = match self.store.current().await? {
            Some(generation) => generation,
            None => self.store.prepare().await?,
        };
        let mut lists: Vec<(List<'_>, Vec<(String, f64)>)> = Vec::new();
        if changes.activity {
            lists.push((List::Trending, self.model.trending(RELEVANCE_CAP)));
            lists.push((List::Popular, self.model.popular(RELEVANCE_CAP)));
        }
        let categories: HashSet<&str> = changes
            .active
            .iter()
            .filter_map(|p| self.content.category_of(p))
            .collect();
        for category in categories {
            let within = |p: &str| self.content.category_of(p) == Some(category);
            let list = self.model.trending_within(within, RELEVANCE_CAP);
            lists.push((List::TrendingInCategory { category }, list));
        }
        for product in &changes.items {
            let behaviour = self.model.similar(product, RELEVANCE_CAP);
            // Content fills a list behaviour leaves short (a new or rarely paired product).
            let list = if behaviour.len() < RELEVANCE_CAP {
                let content = self.content.similar(product, RELEVANCE_CAP);
                blend(behaviour, content, RELEVANCE_CAP)
            } else {
                behaviour
            };
            lists.push((List::Similar { product }, list));
        }
        // Anonymous sessions have no key of their own in the format: serving combines their
        // history with the similar lists when asked.
        for user in changes.shoppers.iter().filter(|s| !s.starts_with("anon:")) {
            let list = self.model.personalized(user, RELEVANCE_CAP);
            lists.push((List::Personalized { user }, list));
        }
        for product in &changes.baskets {
            let list = self.model.bought_together(product, RELEVANCE_CAP);
            lists.push((List::BoughtTogether { product }, list));
        }
        for user in changes.buyers.iter().filter(|s| !s.starts_with("anon:")) {
            let list = self.model.buy_again(user, RELEVANCE_CAP);
            lists.push((List::BuyAgain { user }, list));
        }
        for (list, members) in &lists {
            let members: Vec<(&str, f64)> = members.iter().map(|(p, s)| (p.as_str(), *s)).collect();
            self.store
                .replace(&generation, *list, &members, now_ms)
                .await?;
        }
        Ok(lists.len())
    }
}

/// Records one session's `touches`, in their order.
async fn remember_in_order(store: &RecStore, touches: Vec<Touch<'_>>) -> anyhow::Result<()> {
    for touch in &touches {
        store.remember(touch).await?;
    }
    Ok(())
}

/// How the live keys record `signal`.
fn touch(signal: &Signal) -> Touch<'_> {
    Touch {
        user: signal.user.as_deref(),
        session: &signal.session,
        product: &signal.product,
        at_ms: signal.at_ms,
        act: match signal.kind {
            Kind::View => Act::View,
            Kind::Purchase => Act::Purchase,
            _ => Act::Other,
        },
    }
}
