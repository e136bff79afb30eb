//! What a catalogue or stock event tells the pipeline about a product: it arrived (new
//! arrivals) and what it is (cold start), it left the shop or came back (deleted, retired,
//! reactivated), it sold out or was restocked. A product's later edits of its name, tags or
//! category are not followed: its content matters only until behaviour takes over. Hidden products are never served (recommendations.md §1, `rec:hidden`).
use vici_bus::CloudEvent;

use serde_json::Value;

use super::content::words;
use crate::journal::Fact;

/// The facts `event` states, each about a product.
pub fn read(event: &CloudEvent) -> Vec<(String, Fact)> {
    let data = &event.data;
    let Some(product) = data["productId"].as_str().filter(|p| !p.is_empty()) else {
        return Vec::new();
    };
    let active = || data["status"].as_str().map(|s| s == "ACTIVE");
    let mut facts = Vec::new();
    match event.event_type.as_str() {
        "product.created" => {
            if let Ok(at) = chrono::DateTime::parse_from_rfc3339(&event.time) {
                facts.push(Fact::Arrived {
                    at_s: at.timestamp(),
                });
            }
            facts.push(Fact::Inactive(active() != Some(true)));
            if let Some(category) = data["categoryId"].as_str().filter(|c| !c.is_empty()) {
                let tags: Vec<&str> = data["tags"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                let name = data["name"].as_str().unwrap_or_default();
                facts.push(Fact::Described {
                    category: category.to_string(),
                    words: words(name, &tags),
                });
            }
        }
        "product.updated" => {
            let status_changed = data["fields"]
                .as_array()
                .is_some_and(|f| f.iter().any(|f| f == "status"));
            if let (true, Some(active)) = (status_changed, active()) {
                facts.push(Fact::Inactive(!active));
            }
        }
        "product.deleted" => facts.push(Fact::Inactive(true)),
        // A variant's stock says nothing of the product's: another variant may be in stock.
        "inventory.stock_changed" if data["variantId"].is_null() => {
            if let Some(available) = data["available"].as_i64() {
                facts.push(Fact::SoldOut(available <= 0));
            }
        }
        _ => {}
    }
    facts
        .into_iter()
        .map(|f| (product.to_string(), f))
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn event(event_type: &str, data: serde_json::Value) -> CloudEvent {
        let mut e = CloudEvent::new("product", event_type, "p1", data);
        e.time = "2026-12-06T10:00:00.000Z".into();
        e
    }

    #[test]
    fn arrivals_departures_and_stock_are_read() {
        let created = read(&event(
            "product.created",
            json!({"productId": "p1", "status": "ACTIVE"}),
        ));
        let fact = |f| ("p1".to_string(), f);
        assert_eq!(
            created,
            vec![
                fact(Fact::Arrived {
                    at_s: 1_796_551_200
                }),
                fact(Fact::Inactive(false))
            ]
        );
        let draft = read(&event(
            "product.created",
            json!({"productId": "p1", "status": "DRAFT"}),
        ));
        assert_eq!(draft[1], fact(Fact::Inactive(true)));
        let retired = json!({"productId": "p1", "fields": ["status"], "status": "INACTIVE"});
        assert_eq!(
            read(&event("product.updated", retired)),
            vec![fact(Fact::Inactive(true))]
        );
        let renamed = json!({"productId": "p1", "fields": ["name"], "name": "x"});
        assert!(read(&event("product.updated", renamed)).is_empty());
        assert_eq!(
            read(&event("product.deleted", json!({"productId": "p1"}))),
            vec![fact(Fact::Inactive(true))]
        );
        let stock = |available: i64, variant: Option<&str>| {
            read(&event(
                "inventory.stock_changed",
                json!({"productId": "p1", "variantId": variant, "available": available}),
            ))
        };
        assert_eq!(stock(0, None), vec![fact(Fact::SoldOut(true))]);
        assert_eq!(stock(4, None), vec![fact(Fact::SoldOut(false))]);
        assert!(stock(0, Some("v1")).is_empty());
        assert!(read(&event("product.price_changed", json!({"productId": "p1"}))).is_empty());
    }
}
