//! The document and the router come from one table: these tests prove they agree, and that
//! every built route is documented with the shapes it reads and answers.
use std::collections::BTreeSet;

use serde_json::Value;

use super::*;
use crate::routes::{self, table::Body};

fn json() -> Value {
    serde_json::to_value(document()).unwrap()
}

/// `(METHOD, path)` of every operation of the document.
fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |method| (method.to_ascii_uppercase(), path.clone()))
        })
        .collect()
}

#[test]
fn the_served_routes_are_the_documented_operations() {
    let served: BTreeSet<(String, String)> = routes::build(routes::table(), 1 << 20, None)
        .served
        .into_iter()
        .map(|(method, path)| (method.to_string(), path))
        .collect();
    let doc = json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let documented = documented(&doc);
    let undocumented: Vec<_> = served.difference(&documented).collect();
    let unserved: Vec<_> = documented.difference(&served).collect();
    assert!(
        undocumented.is_empty() && unserved.is_empty(),
        "served but not documented: {undocumented:?}; documented but not served: {unserved:?}"
    );
    assert!(served.contains(&("GET".into(), "/health".into())));
    assert!(served.contains(&("GET".into(), "/api/media/{key}".into())));
}

#[test]
fn every_route_is_declared_once_with_a_unique_operation_id_and_a_known_tag() {
    let table = routes::table();
    let mut ids = BTreeSet::new();
    let mut routes = BTreeSet::new();
    for r in &table {
        assert!(
            !r.operation_id.is_empty() && !r.summary.is_empty(),
            "{}",
            r.path
        );
        assert!(
            ids.insert(r.operation_id),
            "operation id {} twice",
            r.operation_id
        );
        assert!(
            routes.insert((r.method.to_string(), r.documented_path())),
            "{} {} declared twice",
            r.method,
            r.path
        );
        assert!(
            TAGS.iter().any(|(t, _)| *t == r.tag),
            "unknown tag {}",
            r.tag
        );
    }
    let doc = json();
    let tags: Vec<&str> = doc["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    let unique: BTreeSet<&&str> = tags.iter().collect();
    assert_eq!(unique.len(), tags.len(), "each tag once: {tags:?}");
}

/// Live routes that take input in their body and routes that take none by design.
const BODILESS_WRITES: &[&str] = &[
    "mark_review_helpful",
    "read_notification",
    "read_all_notifications",
    "admin_resend_notification",
];

#[test]
fn every_live_route_documents_its_body_and_its_success_shape() {
    let doc = json();
    for r in routes::table().iter() {
        let op = &doc["paths"][r.documented_path()][r.method.as_str().to_ascii_lowercase()];
        let writes = ["POST", "PUT", "PATCH"].contains(&r.method.as_str());
        if writes && !BODILESS_WRITES.contains(&r.operation_id) {
            assert!(
                !matches!(r.body, Body::None),
                "{} reads no body?",
                r.operation_id
            );
        }
        if matches!(r.body, Body::Json(_) | Body::OptionalJson(_) | Body::Raw(_)) {
            let schema = &op["requestBody"]["content"]["application/json"]["schema"];
            assert!(schema.is_object(), "{}: no request schema", r.operation_id);
        }
        let success = &op["responses"][r.status.to_string()];
        let content = success["content"].as_object();
        assert!(
            content.is_some_and(|c| !c.is_empty()),
            "{}: no {} answer documented",
            r.operation_id,
            r.status
        );
        if let Some(json) = content.and_then(|c| c.get("application/json")) {
            assert!(
                json["schema"].is_object(),
                "{}: no answer schema",
                r.operation_id
            );
        }
        for name in r.path_params() {
            let params = op["parameters"].as_array().unwrap();
            assert!(
                params
                    .iter()
                    .any(|p| p["name"] == name && p["in"] == "path"),
                "{}: path parameter {name} undocumented",
                r.operation_id
            );
        }
    }
}

/// Every `$ref` in `value`.
fn refs(value: &Value, found: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                found.insert(r.clone());
            }
            map.values().for_each(|v| refs(v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, found)),
        _ => {}
    }
}

#[test]
fn every_schema_reference_resolves_and_no_route_says_501() {
    let doc = json();
    let mut found = BTreeSet::new();
    refs(&doc, &mut found);
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for r in &found {
        let name = r.trim_start_matches("#/components/schemas/");
        assert!(schemas.contains_key(name), "{r} does not resolve");
    }
    assert!(schemas.contains_key("ProductDto") && schemas.contains_key("ErrorBody"));
    for r in routes::table() {
        let op = &doc["paths"][r.documented_path()][r.method.as_str().to_ascii_lowercase()];
        assert!(
            op["responses"].get("501").is_none(),
            "{}: every route of the contract is built",
            r.operation_id
        );
    }
}
