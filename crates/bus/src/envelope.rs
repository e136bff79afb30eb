//! The CloudEvents 1.0 structured-JSON envelope of events.md.
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct CloudEvent {
    pub specversion: String,
    pub id: String,
    #[serde(rename = "type")]
    pub event_type: String,
    pub source: String,
    pub time: String,
    pub subject: String,
    pub datacontenttype: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub traceparent: Option<String>,
    /// The gateway request id that caused this event, when there was one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub requestid: Option<String>,
    pub data: serde_json::Value,
}

impl CloudEvent {
    /// A new event from `service` about `subject`, stamped with the current request context.
    pub fn new(service: &str, event_type: &str, subject: &str, data: serde_json::Value) -> Self {
        let request_id = vici_kit::context::current_request_id();
        Self {
            specversion: "1.0".into(),
            id: uuid::Uuid::now_v7().to_string(),
            event_type: event_type.into(),
            source: format!("/vici/{service}"),
            time: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            subject: subject.into(),
            datacontenttype: "application/json".into(),
            traceparent: request_id.as_deref().map(vici_kit::context::traceparent),
            requestid: request_id.map(|r| r.to_string()),
            data,
        }
    }

    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("events serialise")
    }

    /// The JSON as text, for a database column.
    pub fn to_json_text(&self) -> String {
        serde_json::to_string(self).expect("events serialise")
    }

    pub fn from_json(bytes: &[u8]) -> anyhow::Result<Self> {
        Ok(serde_json::from_slice(bytes)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_has_every_field_of_events_md() {
        let e = CloudEvent::new(
            "product",
            "product.created",
            "p1",
            serde_json::json!({"productId": "p1"}),
        );
        let v: serde_json::Value = serde_json::from_slice(&e.to_json()).unwrap();
        for f in [
            "specversion",
            "id",
            "type",
            "source",
            "time",
            "subject",
            "datacontenttype",
            "data",
        ] {
            assert!(v.get(f).is_some(), "missing {f}");
        }
        assert_eq!(v["source"], "/vici/product");
        assert_eq!(CloudEvent::from_json(&e.to_json()).unwrap(), e);
    }
}
