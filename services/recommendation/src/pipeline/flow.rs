//! The pipeline between the event stream and the store: each signal is learnt by the model and
//! recorded in its shopper's live history at once; the lists the model changed are written by
//! [`Pipeline::flush`], which the consumer calls every few hundred milliseconds, so a burst of
//! events costs one write per changed list rather than one per event.
use super::model::{Changes, Model};
use super::signal::{Kind, Signal};
use crate::journal::{Fact, Journal};
use crate::store::keys::RELEVANCE_CAP;
use crate::store::{Act, Format, List, RecStore, Touch};

/// How far back the model is rebuilt from the journal: a user's history lives as long.
pub const MEMORY_MS: i64 = 30 * 24 * 3600 * 1000;
/// How the built-in model names itself in a generation's meta; the version changes with
/// what its lists mean, so click-through can be compared across versions.
pub const MODEL: &str = "vici-builtin";
pub const MODEL_VERSION: &str = "builtin-1";

pub struct Pipeline {
    model: Model,
    store: RecStore,
    /// The store held nothing when the pipeline started (an in-process store after a
    /// restart): the rebuild gives it back its live keys too.
    fresh_store: bool,
    /// Whether it learns and writes the lists; with an external pipeline it keeps only
    /// vici's own keys (histories, hidden products, arrivals).
    writes_lists: bool,
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
            store,
            fresh_store,
            writes_lists,
        })
    }

    /// Forgets what it learnt and learns again every signal of the last [`MEMORY_MS`] the
    /// journal kept, and writes the lists; into a fresh store also the live histories, hidden products and arrivals. How
    /// many signals it learnt.
    pub async fn rebuild(&mut self, journal: &Journal, now_ms: i64) -> anyhow::Result<u64> {
        self.model = Model::default();
        let mut touches = Vec::new();
        let (fresh, learns) = (self.fresh_store, self.writes_lists);
        let model = &mut self.model;
        // Signals of sessions that signed in were moved to their users in the journal.
        let learnt = journal
            .replay(now_ms - MEMORY_MS, |signal| {
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
            for facts in journal.products().await? {
                self.store.set_hidden(&facts.product, facts.hidden).await?;
                if let Some(at_s) = facts.arrived_s {
                    self.store.arrived(&facts.product, at_s).await?;
                }
            }
        }
        self.flush(now_ms).await?;
        Ok(learnt)
    }

    /// Makes the anonymous `session`'s history `user`'s, in the model and in the live keys.
    pub async fn identify(&mut self, session: &str, user: &str) -> anyhow::Result<()> {
        self.model.identify(session, user);
        self.store.merge_history(session, user).await
    }

    /// Applies what is now known of `product`: `hidden` is what the journal concluded.
    pub async fn note(&self, product: &str, fact: Fact, hidden: bool) -> anyhow::Result<()> {
        if let Fact::Arrived { at_s } = fact {
            self.store.arrived(product, at_s).await?;
        }
        self.store.set_hidden(product, hidden).await
    }

    pub fn store(&self) -> &RecStore {
        &self.store
    }

    /// Learns from `signal` and records it in its shopper's history (views also in the
    /// session's recently viewed, purchases in the user's bought). A cart removal changes no
    /// history.
    pub async fn take(&mut self, signal: &Signal) -> anyhow::Result<()> {
        if self.writes_lists {
            self.model.learn(signal);
        }
        if signal.weight <= 0.0 {
            return Ok(());
        }
        self.store.remember(&touch(signal)).await
    }

    /// Writes every list the model changed since the last flush, to the generation current
    /// now (an ML team's publication or a rollback moves it); how many it wrote. On a failure
    /// the changes are kept for the next flush.
    pub async fn flush(&mut self, now_ms: i64) -> anyhow::Result<usize> {
        let changes = self.model.take_changes();
        if !self.writes_lists {
            return Ok(0);
        }
        let written = self.write(&changes, now_ms).await;
        if written.is_err() {
            self.model.keep_changes(changes);
        }
        written
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
        for product in &changes.items {
            lists.push((
                List::Similar { product },
                self.model.similar(product, RELEVANCE_CAP),
            ));
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
