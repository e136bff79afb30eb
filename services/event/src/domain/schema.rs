//! The JSON Schema (draft 2020-12) of each behaviour type, made from the catalogue that
//! validation reads, so the published schemas and the checks cannot disagree.
use serde_json::{Map, Value, json};

use super::catalogue::{self, EventType, Field, Kind, Origin};

const DRAFT: &str = "https://json-schema.org/draft/2020-12/schema";

/// Every type's schema, keyed by type name.
pub fn all() -> Value {
    let mut types = Map::new();
    for t in catalogue::ALL {
        types.insert(t.name.to_string(), of(t));
    }
    Value::Object(types)
}

/// The schema of one event as a client posts it (the shop adds `userId`, `userAgent`,
/// `referrer`, `ipPrefix` and `isBot`).
pub fn of(t: &EventType) -> Value {
    let mut properties = Map::new();
    properties.insert(
        "id".into(),
        json!({"type": "string", "format": "uuid",
               "description": "The client's id of this event; a retry with the same id is published once"}),
    );
    properties.insert("type".into(), json!({"const": t.name}));
    let fields: Vec<&Field> = catalogue::COMMON.iter().chain(t.fields.iter()).collect();
    for field in &fields {
        properties.insert(field.name.into(), kind(field.kind));
    }
    properties.insert(
        "properties".into(),
        json!({"type": "object", "maxProperties": 20,
               "description": "Anything else, at most 2 000 bytes of JSON"}),
    );
    let mut required = vec![Value::from("type")];
    required.extend(
        fields
            .iter()
            .filter(|f| f.required && f.name != "sessionId")
            .map(|f| Value::from(f.name)),
    );
    json!({
        "$schema": DRAFT,
        "$id": format!("urn:vici:event:{}", t.name),
        "title": t.name,
        "description": format!("{}. sessionId is required, in the body or as the X-Session-Id header.", t.summary),
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
        "x-topics": t.topics,
        "x-segment": t.segment,
        "x-recordedBy": match t.origin { Origin::Client => "client or shop", Origin::Shop => "shop" },
    })
}

fn kind(kind: Kind) -> Value {
    let id = json!({"type": "string", "minLength": 1, "maxLength": 64});
    match kind {
        Kind::Id => id,
        Kind::Text(max) => json!({"type": "string", "maxLength": max}),
        Kind::Count { min, max } if max == i64::MAX => json!({"type": "integer", "minimum": min}),
        Kind::Count { min, max } => json!({"type": "integer", "minimum": min, "maximum": max}),
        Kind::Ids(max) => json!({"type": "array", "items": id, "maxItems": max}),
        Kind::Positions(max) => {
            json!({"type": "array", "items": {"type": "integer", "minimum": 0}, "maxItems": max})
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_schema_names_its_type_fields_and_topics() {
        let all = all();
        assert_eq!(all.as_object().unwrap().len(), catalogue::ALL.len());
        let view = &all["behaviour.product_view"];
        assert_eq!(
            view["properties"]["type"]["const"],
            "behaviour.product_view"
        );
        assert_eq!(view["required"], json!(["type", "productId"]));
        assert_eq!(view["additionalProperties"], false);
        assert_eq!(view["x-topics"], json!(["user-events", "product-views"]));
        assert_eq!(view["properties"]["position"]["maximum"], 10_000);
        let list = &all["behaviour.product_list_view"];
        assert_eq!(list["properties"]["productIds"]["maxItems"], 100);
        assert_eq!(all["behaviour.purchase"]["x-recordedBy"], "shop");
    }
}
