//! Live in-app notifications: each one stored by any replica reaches the streams of its user
//! watching through this one — from this process's own worker at once, from the other
//! replicas' through their `notification.sent` on `notification-events`, read by a consumer
//! group of this process's own. A notification heard both ways is passed on once.
use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::Stream;
use tokio::sync::broadcast;
use vici_bus::{CloudEvent, SharedBus};
use vici_kit::server::Shutdown;
use vici_store::Db;

use crate::events::SENT;
use crate::plan::Channel;
use crate::store::inbox::{self, Entry};

/// How many recent notification ids are remembered to pass each on once.
const REMEMBERED: usize = 4096;

pub struct Live {
    sender: broadcast::Sender<Entry>,
    recent: Mutex<(HashSet<String>, VecDeque<String>)>,
}

impl Live {
    pub fn new() -> Arc<Self> {
        let (sender, _) = broadcast::channel(1024);
        Arc::new(Self {
            sender,
            recent: Mutex::default(),
        })
    }

    /// Passes `entry` to the streams watching its user, unless it was already.
    pub fn announce(&self, entry: Entry) {
        {
            let mut recent = self.recent.lock().expect("the live ids");
            let (seen, order) = &mut *recent;
            if !seen.insert(entry.id.clone()) {
                return;
            }
            order.push_back(entry.id.clone());
            if order.len() > REMEMBERED
                && let Some(oldest) = order.pop_front()
            {
                seen.remove(&oldest);
            }
        }
        let _ = self.sender.send(entry); // nobody watching is fine
    }

    /// The user's notifications from now on. A watcher too slow to keep up misses the ones it
    /// fell behind on (the inbox still has them) rather than slowing everyone.
    pub fn watch(&self, user_id: String) -> impl Stream<Item = Entry> + Send + 'static {
        let receiver = self.sender.subscribe();
        futures::stream::unfold(receiver, move |mut receiver| {
            let user_id = user_id.clone();
            async move {
                loop {
                    match receiver.recv().await {
                        Ok(entry) if entry.user_id == user_id => return Some((entry, receiver)),
                        Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => continue,
                        Err(broadcast::error::RecvError::Closed) => return None,
                    }
                }
            }
        })
    }
}

/// Follows the other replicas' in-app notifications until `shutdown`: each `notification.sent`
/// for `in_app` that happened after `since` is read back from the inbox and announced.
pub fn follow(
    db: Db,
    bus: SharedBus,
    live: Arc<Live>,
    since: chrono::DateTime<chrono::Utc>,
    shutdown: Shutdown,
) -> tokio::task::JoinHandle<()> {
    let group = format!("notification-live-{}", vici_types::new_id());
    let topics: &'static [&'static str] = &[vici_bus::topics::NOTIFICATION_EVENTS];
    tokio::spawn(async move {
        loop {
            let mut sub = tokio::select! {
                _ = shutdown.cancelled() => return,
                s = bus.subscribe(&group, topics) => match s {
                    Ok(s) => s,
                    Err(e) => {
                        tracing::warn!(error = %format!("{e:#}"), "live notifications: subscribe failed; retrying");
                        tokio::time::sleep(Duration::from_secs(2)).await;
                        continue;
                    }
                },
            };
            loop {
                let delivery = tokio::select! {
                    _ = shutdown.cancelled() => return,
                    d = sub.next() => d,
                };
                let Ok(delivery) = delivery else { break };
                if let Ok(event) = CloudEvent::from_json(&delivery.payload)
                    && let Some(id) = stored_since(&event, since)
                {
                    match inbox::get(&db, &id).await {
                        Ok(Some(entry)) => live.announce(entry),
                        Ok(None) => {}
                        Err(e) => {
                            tracing::warn!(error = %e, "live notifications: reading one back failed")
                        }
                    }
                }
                let _ = sub.commit(&delivery).await;
            }
        }
    })
}

/// The in-app notification `event` announces, if it is one stored after `since`.
fn stored_since(event: &CloudEvent, since: chrono::DateTime<chrono::Utc>) -> Option<String> {
    let is_in_app =
        event.data.get("channel").and_then(|c| c.as_str()) == Some(Channel::InApp.name());
    let at = chrono::DateTime::parse_from_rfc3339(&event.time).ok()?;
    if event.event_type != SENT || !is_in_app || at < since {
        return None;
    }
    event
        .data
        .get("notificationId")?
        .as_str()
        .map(str::to_string)
}
