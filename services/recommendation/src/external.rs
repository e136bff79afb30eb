//! An ML team's lists on the `recommendation-updates` topic (recommendations.md §6), checked
//! and written to vici's own store, so the external path works on `vici up`'s in-process
//! store as on Redis. `recommendation.list_upserted` replaces one list of a generation (its
//! unknown and hidden products dropped and counted, its best 100 kept);
//! `recommendation.generation_published` writes the generation's meta and points serving at
//! it. An update that breaks the format is refused with its reason and, after the shared
//! consumer's retries, lands on `recommendation-updates.dlq`; each event is applied once
//! (the consumer's processed-event ledger).
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, LazyLock};

use prometheus::IntCounterVec;
use serde_json::Value;
use sqlx::AnyConnection;
use vici_bus::CloudEvent;
use vici_kit::grpc::Channel;
use vici_proto::product::v1::GetProductsRequest;
use vici_proto::product::v1::product_service_client::ProductServiceClient;
use vici_store::consumer::EventHandler;

use crate::store::{Format, List, RecStore};

pub const LIST_UPSERTED: &str = "recommendation.list_upserted";
pub const GENERATION_PUBLISHED: &str = "recommendation.generation_published";
/// Most items one update may carry: ten times a list's cap.
const ITEMS_MAX: usize = 1_000;
/// Products looked up in the catalogue per call (the product service's batch bound).
const LOOKUP_BATCH: usize = 200;

static DROPPED: LazyLock<IntCounterVec> = LazyLock::new(|| {
    vici_kit::metrics::counter(
        "rec_external_items_dropped_total",
        "Products of an ML team's list left out, by reason (unknown, hidden)",
        &["reason"],
    )
});

/// One update, as read from its event.
#[derive(Debug, PartialEq)]
pub enum Update {
    List {
        generation: String,
        list_type: String,
        entity: Option<String>,
        items: Vec<(String, f64)>,
    },
    Publish {
        generation: String,
        meta: Vec<(String, String)>,
    },
}

/// What `event` asks for, or why it breaks the format.
pub fn read(event: &CloudEvent) -> Result<Update, String> {
    let data = &event.data;
    let generation = generation(&data["gen"])?;
    match event.event_type.as_str() {
        LIST_UPSERTED => {
            let list_type = data["listType"].as_str().unwrap_or_default().to_string();
            let entity = data["entityId"].as_str().filter(|e| !e.is_empty());
            let entity = entity.map(str::to_string);
            list(&list_type, entity.as_deref())?;
            Ok(Update::List {
                generation,
                items: items(&data["items"])?,
                list_type,
                entity,
            })
        }
        GENERATION_PUBLISHED => Ok(Update::Publish {
            generation,
            meta: meta(&data["meta"])?,
        }),
        other => Err(format!("`{other}` is no recommendation update")),
    }
}

/// A generation name: 1 to 64 letters, digits, `-`, `_` or `.` (an integer or a ULID).
fn generation(value: &Value) -> Result<String, String> {
    let name = value.as_str().unwrap_or_default();
    let fine = |c: char| c.is_ascii_alphanumeric() || "-_.".contains(c);
    if name.is_empty() || name.len() > 64 || !name.chars().all(fine) {
        return Err("gen must be 1 to 64 letters, digits, '-', '_' or '.'".into());
    }
    Ok(name.to_string())
}

/// The list of `list_type` about `entity`, as the format names them.
pub fn list<'a>(list_type: &str, entity: Option<&'a str>) -> Result<List<'a>, String> {
    let needs = |what: &str| format!("a {list_type} list needs the {what} it is about in entityId");
    Ok(match (list_type, entity) {
        ("personalized", Some(user)) => List::Personalized { user },
        ("buy_again", Some(user)) => List::BuyAgain { user },
        ("similar", Some(product)) => List::Similar { product },
        ("bought_together", Some(product)) => List::BoughtTogether { product },
        ("trending", None) => List::Trending,
        ("trending", Some(category)) => List::TrendingInCategory { category },
        ("popular", None) => List::Popular,
        ("personalized" | "buy_again", None) => return Err(needs("user")),
        ("similar" | "bought_together", None) => return Err(needs("product")),
        ("popular", Some(_)) => return Err("a popular list is about no entity".into()),
        (other, _) => return Err(format!("`{other}` is no list type of format v1")),
    })
}

/// `[{productId, score}]`: each product once (its best score), every score a finite number.
fn items(value: &Value) -> Result<Vec<(String, f64)>, String> {
    let items = value.as_array().ok_or("items must be a list")?;
    if items.len() > ITEMS_MAX {
        return Err(format!("at most {ITEMS_MAX} items per update"));
    }
    let mut best: HashMap<String, f64> = HashMap::new();
    for item in items {
        let product = item["productId"]
            .as_str()
            .filter(|p| !p.is_empty() && p.len() <= 64);
        let product = product.ok_or("each item needs a productId")?;
        let score = item["score"].as_f64().filter(|s| s.is_finite());
        let score = score.ok_or("each item needs a finite score")?;
        let kept = best.entry(product.to_string()).or_insert(score);
        *kept = kept.max(score);
    }
    Ok(best.into_iter().collect())
}

/// The meta's fields as text: strings, numbers and booleans only.
fn meta(value: &Value) -> Result<Vec<(String, String)>, String> {
    let Some(fields) = value.as_object() else {
        return match value {
            Value::Null => Ok(Vec::new()),
            _ => Err("meta must be an object".into()),
        };
    };
    fields
        .iter()
        .map(|(name, v)| match v {
            Value::String(s) => Ok((name.clone(), s.clone())),
            Value::Number(_) | Value::Bool(_) => Ok((name.clone(), v.to_string())),
            _ => Err(format!("meta.{name} must be a string, number or boolean")),
        })
        .collect()
}

/// Writes updates to the store.
pub struct Writer {
    pub store: Arc<RecStore>,
    pub products: ProductServiceClient<Channel>,
}

impl Writer {
    pub async fn apply(&self, update: Update, now_ms: i64) -> anyhow::Result<()> {
        match update {
            Update::List {
                generation,
                list_type,
                entity,
                items,
            } => {
                let list = list(&list_type, entity.as_deref()).map_err(anyhow::Error::msg)?;
                let items = self.servable(items).await?;
                let members: Vec<(&str, f64)> =
                    items.iter().map(|(p, s)| (p.as_str(), *s)).collect();
                self.store
                    .replace(&generation, list, &members, now_ms)
                    .await
            }
            Update::Publish { generation, meta } => {
                if let Format::Unknown(found) = self.store.format().await? {
                    anyhow::bail!("the store declares format {found}; updates are format v1");
                }
                let fields: Vec<(&str, &str)> =
                    meta.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                self.store.publish_generation(&generation, &fields).await
            }
        }
    }

    /// `items` without products the catalogue does not sell and hidden ones, counted.
    async fn servable(&self, items: Vec<(String, f64)>) -> anyhow::Result<Vec<(String, f64)>> {
        let mut known = HashSet::new();
        let ids: Vec<String> = items.iter().map(|(p, _)| p.clone()).collect();
        for batch in ids.chunks(LOOKUP_BATCH) {
            let request = GetProductsRequest {
                ids: batch.to_vec(),
                include_all_statuses: false,
            };
            let found = self.products.clone().get_products(request).await?;
            known.extend(found.into_inner().products.into_iter().map(|p| p.id));
        }
        let hidden = self.store.hidden().await?;
        let (mut unknown, mut hidden_dropped) = (0, 0);
        let kept = items
            .into_iter()
            .filter(|(p, _)| match (known.contains(p), hidden.contains(p)) {
                (false, _) => {
                    unknown += 1;
                    false
                }
                (true, true) => {
                    hidden_dropped += 1;
                    false
                }
                (true, false) => true,
            })
            .collect();
        DROPPED.with_label_values(&["unknown"]).inc_by(unknown);
        DROPPED
            .with_label_values(&["hidden"])
            .inc_by(hidden_dropped);
        Ok(kept)
    }
}

#[async_trait::async_trait]
impl EventHandler for Writer {
    fn wants(&self, event_type: &str) -> bool {
        event_type.starts_with("recommendation.")
    }

    async fn handle(&self, _: &mut AnyConnection, event: &CloudEvent) -> anyhow::Result<()> {
        let update = read(event).map_err(anyhow::Error::msg)?;
        self.apply(update, vici_store::now_ms()).await
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn event(event_type: &str, data: Value) -> CloudEvent {
        CloudEvent::new("ml", event_type, "x", data)
    }

    #[test]
    fn updates_are_read_as_the_format_says() {
        let upsert = json!({"gen": "20261206", "listType": "similar", "entityId": "p1",
            "items": [{"productId": "p2", "score": 0.5}, {"productId": "p2", "score": 0.7}]});
        assert_eq!(
            read(&event(LIST_UPSERTED, upsert)),
            Ok(Update::List {
                generation: "20261206".into(),
                list_type: "similar".into(),
                entity: Some("p1".into()),
                items: vec![("p2".into(), 0.7)],
            })
        );
        let publish =
            json!({"gen": "01JEXAMPLE", "meta": {"model_version": "ease-3", "n_users": 943}});
        assert_eq!(
            read(&event(GENERATION_PUBLISHED, publish)),
            Ok(Update::Publish {
                generation: "01JEXAMPLE".into(),
                meta: vec![
                    ("model_version".into(), "ease-3".into()),
                    ("n_users".into(), "943".into())
                ],
            })
        );
    }

    #[test]
    fn updates_breaking_the_format_are_refused_with_their_reason() {
        let refused = |event_type: &str, data: Value| read(&event(event_type, data)).unwrap_err();
        let upsert = |generation: &str, list_type: &str, entity: Value, items: Value| json!({"gen": generation, "listType": list_type, "entityId": entity, "items": items});
        let one = json!([{"productId": "p2", "score": 1.0}]);
        assert!(
            refused(
                LIST_UPSERTED,
                upsert("", "popular", Value::Null, one.clone())
            )
            .contains("gen")
        );
        assert!(
            refused(
                LIST_UPSERTED,
                upsert("g/1", "popular", Value::Null, one.clone())
            )
            .contains("gen")
        );
        assert!(
            refused(LIST_UPSERTED, upsert("1", "hot", Value::Null, one.clone())).contains("`hot`")
        );
        assert!(
            refused(
                LIST_UPSERTED,
                upsert("1", "similar", Value::Null, one.clone())
            )
            .contains("product")
        );
        assert!(
            refused(
                LIST_UPSERTED,
                upsert("1", "personalized", json!(""), one.clone())
            )
            .contains("user")
        );
        assert!(
            refused(LIST_UPSERTED, upsert("1", "popular", json!("x"), one)).contains("no entity")
        );
        let no_score = json!([{"productId": "p2"}]);
        assert!(
            refused(LIST_UPSERTED, upsert("1", "popular", Value::Null, no_score)).contains("score")
        );
        let many: Vec<Value> = (0..1001)
            .map(|i| json!({"productId": format!("p{i}"), "score": 1}))
            .collect();
        assert!(
            refused(
                LIST_UPSERTED,
                upsert("1", "popular", Value::Null, json!(many))
            )
            .contains("1000")
        );
        assert!(
            refused(
                GENERATION_PUBLISHED,
                json!({"gen": "1", "meta": {"a": [1]}})
            )
            .contains("meta.a")
        );
        assert!(
            refused("recommendation.other", json!({"gen": "1"}))
                .contains("no recommendation update")
        );
        assert_eq!(
            list("trending", Some("c1")),
            Ok(List::TrendingInCategory { category: "c1" })
        );
    }
}
