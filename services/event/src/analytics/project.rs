//! Applies a batch of events to the projection in one transaction: the new ones are read as
//! facts, what the database knows of their keys is loaded, the tally worked out in memory and
//! written. The same path serves the live consumer and `vici seed --history`.
use vici_bus::CloudEvent;
use vici_store::Db;

use super::facts::{self, Fact, Step, day_of};
use super::tally::Tally;
use super::write::{self, Keys};

/// What became of a batch's events.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Projected {
    pub applied: usize,
    /// Seen before (a redelivery).
    pub repeated: usize,
    /// Nothing the projection counts (a bot's, a type nobody charts).
    pub ignored: usize,
}

/// Whether a batch's event ids are checked against those seen (the consumer's redeliveries);
/// a generated history's ids are new by construction.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Redeliveries {
    Skip,
    Impossible,
}

pub async fn project(
    db: &Db,
    events: &[CloudEvent],
    redeliveries: Redeliveries,
    now_ms: i64,
) -> anyhow::Result<Projected> {
    let mut facts: Vec<(&str, Fact)> = events
        .iter()
        .filter_map(|e| Some((e.id.as_str(), facts::read(e, now_ms)?)))
        .collect();
    let mut outcome = Projected {
        ignored: events.len() - facts.len(),
        ..Projected::default()
    };
    let mut tx = db.begin().await?;
    if redeliveries == Redeliveries::Skip && !facts.is_empty() {
        let ids: Vec<&str> = facts.iter().map(|(id, _)| *id).collect();
        let mut unseen = write::unseen(&mut tx, &ids, now_ms).await?;
        // An id twice in one batch is applied once, too.
        facts.retain(|(id, _)| unseen.remove(*id));
        outcome.repeated = ids.len() - facts.len();
    }
    outcome.applied = facts.len();
    if facts.is_empty() {
        tx.commit().await?;
        return Ok(outcome);
    }
    let mut known = write::load(&mut tx, &keys(&facts)).await?;
    let mut tally = Tally::default();
    for (_, fact) in facts {
        tally.apply(&mut known, fact);
    }
    write::write(&mut tx, &tally).await?;
    tx.commit().await?;
    Ok(outcome)
}

fn keys(facts: &[(&str, Fact)]) -> Keys {
    let mut keys = Keys::default();
    for (_, fact) in facts {
        match fact {
            Fact::Order(o) => {
                keys.orders.insert(o.order_id.clone());
                keys.products
                    .extend(o.lines.iter().map(|l| l.product_id.clone()));
            }
            Fact::Visit(v) => {
                keys.visitors.insert(v.visitor.clone());
                keys.days.insert(day_of(v.at_ms));
                match &v.step {
                    Step::Click {
                        list: Some(list), ..
                    }
                    | Step::ProductView {
                        list: Some(list), ..
                    } => {
                        keys.lists.insert(list.clone());
                    }
                    Step::Purchase {
                        session: Some(s), ..
                    } => {
                        keys.visitors.insert(s.clone());
                    }
                    _ => {}
                }
            }
            Fact::Product(_) | Fact::Category { .. } | Fact::Stock { .. } => {}
        }
    }
    keys
}
