//! Handing a batch's events to the bus from inside its transaction (see `writer`), and settling
//! those still in flight when the wait ran out: their rows wait in the outbox with the relay
//! held back until the broker has answered for them, so a broker that froze and came back
//! receives each event once.
use std::time::Duration;

use tokio::task::{JoinError, JoinHandle};
use vici_bus::{Outgoing, SharedBus};
use vici_store::Db;
use vici_store::outbox::{self, Hold};

/// How long a transaction waits for the bus to take its events before they wait in the outbox
/// instead: a broker that stopped answering holds the writer (and SQLite's write lock) this
/// long, and the batches after go to the outbox until it is empty again. Far beyond a healthy
/// broker's acknowledgement, so a busy one does not send events the long way round.
const PUBLISH_WAIT: Duration = Duration::from_secs(2);

/// What the bus made of a batch's rows within [`PUBLISH_WAIT`].
pub enum Handed {
    /// How many it took, in order (the rest are to wait in the outbox).
    Took(usize),
    /// No answer yet: the rows are to wait in the outbox, and the publication to be settled.
    InFlight(InFlight),
}

pub struct InFlight {
    sending: JoinHandle<Vec<anyhow::Result<()>>>,
    ids: Vec<String>,
}

/// Hands `rows` to the bus and waits at most [`PUBLISH_WAIT`] for its answer.
pub async fn hand_over(bus: &SharedBus, rows: &[outbox::Row<'_>]) -> Handed {
    let owned: Vec<(String, String, String)> = rows
        .iter()
        .map(|r| {
            (
                r.topic.to_string(),
                r.key.to_string(),
                r.payload.to_string(),
            )
        })
        .collect();
    let bus = bus.clone();
    // A task of its own, so the publication goes on (and is settled) past the wait.
    let mut sending = tokio::spawn(async move {
        let outgoing: Vec<Outgoing> = owned
            .iter()
            .map(|(topic, key, payload)| Outgoing {
                topic,
                key,
                payload: payload.as_bytes(),
            })
            .collect();
        bus.publish_all(&outgoing).await
    });
    match tokio::time::timeout(PUBLISH_WAIT, &mut sending).await {
        Ok(answer) => Handed::Took(taken(answer)),
        Err(_) => Handed::InFlight(InFlight {
            sending,
            ids: rows.iter().map(|r| r.id.clone()).collect(),
        }),
    }
}

/// How many rows the bus took, in order, by its answer.
fn taken(answer: Result<Vec<anyhow::Result<()>>, JoinError>) -> usize {
    answer.map_or(0, |results| {
        results.iter().take_while(|r| r.is_ok()).count()
    })
}

impl InFlight {
    /// Once the transaction that wrote the rows to the outbox committed (the relay `hold`
    /// since before it): waits for the broker's answer, marks the rows it took published, and
    /// lets the relay publish the rest.
    pub fn settle(self, db: Db, hold: Hold) {
        tokio::spawn(async move {
            let took = taken(self.sending.await);
            if let Err(e) = outbox::mark_published(&db, &self.ids[..took]).await {
                tracing::warn!(error = %format!("{e:#}"), "marking behaviour events the broker took failed; the outbox sends them again");
            }
            drop(hold);
        });
    }
}
