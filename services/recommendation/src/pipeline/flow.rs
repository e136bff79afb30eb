//! The pipeline between the event stream and the store: each signal is learnt by the model and
//! recorded in its shopper's live history at once; the lists the model changed are written by
//! [`Pipeline::flush`], which the consumer calls every few hundred milliseconds, so a burst of
//! events costs one write per changed list rather than one per event.
use super::model::{Changes, Model};
use super::signal::{Kind, Signal};
use crate::store::keys::RELEVANCE_CAP;
use crate::store::{List, RecStore, Who};

pub struct Pipeline {
    model: Model,
    store: RecStore,
}

impl Pipeline {
    /// A pipeline writing to `store`, which it readies for the format first.
    pub async fn start(store: RecStore) -> anyhow::Result<Self> {
        store.prepare().await?;
        Ok(Self {
            model: Model::default(),
            store,
        })
    }

    pub fn store(&self) -> &RecStore {
        &self.store
    }

    /// Learns from `signal` and records it in its shopper's history (a session's views also in
    /// its recently viewed). A cart removal changes no history.
    pub async fn take(&mut self, signal: &Signal) -> anyhow::Result<()> {
        self.model.learn(signal);
        if signal.weight <= 0.0 {
            return Ok(());
        }
        let who = match &signal.user {
            Some(user) => Who::User(user),
            None => Who::Session(&signal.session),
        };
        let viewed = signal.kind == Kind::View;
        self.store
            .remember(who, &signal.product, signal.at_ms, viewed)
            .await
    }

    /// Writes every list the model changed since the last flush, to the generation current
    /// now (an ML team's publication or a rollback moves it); how many it wrote. On a failure
    /// the changes are kept for the next flush.
    pub async fn flush(&mut self, now_ms: i64) -> anyhow::Result<usize> {
        let changes = self.model.take_changes();
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
        for (list, members) in &lists {
            let members: Vec<(&str, f64)> = members.iter().map(|(p, s)| (p.as_str(), *s)).collect();
            self.store
                .replace(&generation, *list, &members, now_ms)
                .await?;
        }
        Ok(lists.len())
    }
}
